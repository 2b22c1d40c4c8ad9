package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/throttlelab/throttlelab/metrics"
)

// Direction is which way a metric's move is good.
type Direction int

const (
	// Neutral metrics measure volume (offered, attempts, calls): a move is neither better nor worse.
	Neutral Direction = iota
	// LowerIsBetter metrics count trouble (429s, rejections, waits, depths, latencies).
	LowerIsBetter
	// HigherIsBetter metrics count work done (completed, ok, utilization).
	HigherIsBetter
	// ZeroIsBetter metrics must be 0 (lost_total, which is negative when a request was
	// counted twice): any move away from 0 is worse.
	ZeroIsBetter
)

// String names the direction as the comparison table shows it.
func (d Direction) String() string {
	switch d {
	case LowerIsBetter:
		return "less is better"
	case HigherIsBetter:
		return "more is better"
	case ZeroIsBetter:
		return "0 is right"
	}
	return "neutral"
}

// directions is the good direction of every summary metric of SCENARIOS.md and its
// extensions. per_priority.P.NAME and per_client.C.NAME take NAME's direction; a metric not
// listed here is Neutral.
var directions = map[string]Direction{
	// volume
	"offered_total": Neutral, "attempts_total": Neutral, "queue_sent_total": Neutral,
	"queue_received_total": Neutral, "queue_deleted_total": Neutral,
	"downstream_calls_total": Neutral, "downstream_admitted_total": Neutral,
	// gateway
	"gateway_admitted_total": HigherIsBetter, "gateway_throttled_total": LowerIsBetter,
	"gateway_quota_exceeded_total": LowerIsBetter, "gateway_forbidden_total": LowerIsBetter,
	"gateway_backend_errors_total": LowerIsBetter,
	// queues
	"queue_deferred_total": LowerIsBetter, "queue_depth_max": LowerIsBetter,
	"queue_oldest_age_seconds_max": LowerIsBetter, "queue_requeued_total": LowerIsBetter,
	"queue_duplicates_total": LowerIsBetter, "fifo_order_broken_total": LowerIsBetter,
	"dlq_total":               LowerIsBetter,
	"queue_wait_seconds_mean": LowerIsBetter, "queue_wait_seconds_p99": LowerIsBetter,
	"queue_wait_seconds_max": LowerIsBetter,
	// downstream
	"downstream_ok_total": HigherIsBetter, "downstream_utilization": HigherIsBetter,
	"downstream_429_total": LowerIsBetter, "downstream_5xx_total": LowerIsBetter,
	"downstream_timeouts_total": LowerIsBetter, "downstream_resets_total": LowerIsBetter,
	"downstream_overgrant": LowerIsBetter, "breaker_opened_total": LowerIsBetter,
	"downstream_seconds_p50": LowerIsBetter, "downstream_seconds_p99": LowerIsBetter,
	"downstream_seconds_mean": LowerIsBetter,
	// outcomes
	"completed_total": HigherIsBetter, "rejected_total": LowerIsBetter,
	"failed_total": LowerIsBetter, "in_flight_at_end": LowerIsBetter, "lost_total": ZeroIsBetter,
	"e2e_seconds_p50": LowerIsBetter, "e2e_seconds_p90": LowerIsBetter,
	"e2e_seconds_p99": LowerIsBetter, "e2e_seconds_max": LowerIsBetter,
	"e2e_seconds_mean": LowerIsBetter,
	// extensions
	"downstream_window_overgrant": LowerIsBetter, "queue_stale_messages_at_end": LowerIsBetter,
	"load_shortfall_total":    LowerIsBetter,
	"orchestrator_runs_total": Neutral, "orchestrator_triggers_throttled_total": Neutral,
	"orchestrator_invokes_total": Neutral, "orchestrator_run_seconds": Neutral,
	"orchestrator_idle_seconds": LowerIsBetter, "orchestrator_quota_blocked_seconds": Neutral,
	"health_checks_total": Neutral, "breaker_open_seconds": LowerIsBetter,
	"worker_invokes_throttled_total": LowerIsBetter,
	"state_quota_refused_total":      LowerIsBetter, "state_writes_dropped_total": LowerIsBetter,
	"sfn_state_transitions_total": Neutral, "sfn_timeouts_total": LowerIsBetter,
	"sfn_heartbeat_timeouts_total": LowerIsBetter, "sfn_running_at_end": Neutral,
	"aws_sqs_send_requests_total": Neutral, "aws_sqs_receive_requests_total": Neutral,
	"aws_sqs_delete_requests_total": Neutral, "aws_lambda_invocations_total": Neutral,
	"aws_lambda_duration_seconds_total": Neutral, "aws_dynamodb_reads_total": Neutral,
	"aws_dynamodb_writes_total": Neutral, "aws_sqs_requests_measured_total": Neutral,
	"cost_usd_total": LowerIsBetter, "cost_usd_per_million": LowerIsBetter,
	"cost_usd_per_month": LowerIsBetter,
}

// alarmDirections are the directions of the alarm.NAME.* metrics of AlarmMetrics: an alarm
// firing later after the incident is worse; how often and when it fired are neutral (an alarm
// firing is both trouble and its detection).
var alarmDirections = map[string]Direction{
	"fired_total": Neutral, "seconds_after_event": LowerIsBetter, "first_fired_seconds": Neutral,
}

// MetricDirection returns the good direction of a flat metric name: a name of the contract,
// "per_priority.P.NAME", "per_client.C.NAME" (NAME's direction) or "alarm.A.SUFFIX".
func MetricDirection(name string) Direction {
	if d, ok := directions[name]; ok {
		return d
	}
	if strings.HasPrefix(name, "cost_usd") || (strings.HasPrefix(name, "cost.") && strings.HasSuffix(name, "_usd")) {
		return LowerIsBetter // a design that costs more for the same work regressed
	}
	for _, prefix := range []string{"per_priority.", "per_client.", "alarm."} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		table := directions
		if prefix == "alarm." {
			table = alarmDirections
		}
		// the group's name may itself hold dots: try every split.
		for i := strings.IndexByte(rest, '.'); i >= 0; i = nextDot(rest, i) {
			if d, ok := table[rest[i+1:]]; ok {
				return d
			}
		}
	}
	return Neutral
}

func nextDot(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '.')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// Verdicts of a metric's change.
const (
	VerdictRegressed       = "regressed"        // worse beyond the tolerance
	VerdictImproved        = "improved"         // better beyond the tolerance
	VerdictWithinTolerance = "within tolerance" // better or worse, but not beyond the tolerance
	VerdictChanged         = "changed"          // a neutral metric moved
	VerdictUnchanged       = "unchanged"
	VerdictOnlyInBase      = "only in base" // the new run has no such metric (a client was removed)
	VerdictOnlyInNew       = "only in new"
)

// ZeroBaseEpsilon is the absolute change beyond which a worse move from a base of 0 is a
// regression (a relative change from 0 is infinite).
const ZeroBaseEpsilon = 1e-9

// MetricChange is one metric in two runs.
type MetricChange struct {
	Name          string
	Base, Current float64
	// Absolute is Current − Base; Relative is Absolute ÷ |Base|, ±Inf when Base is 0 and the
	// metric moved, 0 when it did not.
	Absolute, Relative float64
	Direction          Direction
	Verdict            string
}

// Comparison is a run compared with a base run, metric by metric.
type Comparison struct {
	Base, Current string  // the runs, as "burst (sim, seed 42)"
	Tolerance     float64 // relative: 0.05 lets a metric get 5% worse
	// Notes say what makes the runs hard to compare (different scenarios, modes, seeds).
	Notes []string
	// Changes has every metric of either run: regressions first, then improvements, then the
	// rest, each group by name.
	Changes []MetricChange
}

// Compare compares the run cur with the base run, metric by metric, over the flat names
// Summary.Lookup knows (metrics, per_priority.P.NAME, per_client.C.NAME). A metric regressed
// when it moved in its bad direction (MetricDirection) by more than tolerance, relative to
// the base; from a base of 0, by more than ZeroBaseEpsilon.
func Compare(base, cur *metrics.Summary, tolerance float64) Comparison {
	c := Comparison{Base: compareRunLabel(base), Current: compareRunLabel(cur), Tolerance: tolerance, Notes: compareNotes(base, cur)}
	bm, cm := compareFlat(base), compareFlat(cur)
	names := slices.Sorted(maps.Keys(bm))
	for n := range cm {
		if _, ok := bm[n]; !ok {
			names = append(names, n)
		}
	}
	for _, n := range names {
		b, inBase := bm[n]
		v, inCur := cm[n]
		c.Changes = append(c.Changes, compareChange(n, b, v, inBase, inCur, tolerance))
	}
	slices.SortFunc(c.Changes, func(x, y MetricChange) int {
		return cmp.Or(cmp.Compare(verdictRank(x.Verdict), verdictRank(y.Verdict)), cmp.Compare(x.Name, y.Name))
	})
	return c
}

func compareChange(name string, b, v float64, inBase, inCur bool, tolerance float64) MetricChange {
	m := MetricChange{Name: name, Base: b, Current: v, Absolute: v - b, Direction: MetricDirection(name)}
	switch {
	case !inCur:
		m.Absolute, m.Verdict = 0, VerdictOnlyInBase
		return m
	case !inBase:
		m.Absolute, m.Verdict = 0, VerdictOnlyInNew
		return m
	case v == b:
		m.Verdict = VerdictUnchanged
		return m
	case b != 0:
		m.Relative = m.Absolute / math.Abs(b)
	default:
		m.Relative = math.Inf(int(math.Copysign(1, m.Absolute)))
	}
	beyond := math.Abs(m.Relative) > tolerance
	if b == 0 {
		beyond = math.Abs(m.Absolute) > ZeroBaseEpsilon
	}
	worse, better := m.Direction.worse(b, v), m.Direction.better(b, v)
	switch {
	case worse && beyond:
		m.Verdict = VerdictRegressed
	case better && beyond:
		m.Verdict = VerdictImproved
	case worse || better:
		m.Verdict = VerdictWithinTolerance
	default:
		m.Verdict = VerdictChanged
	}
	return m
}

func (d Direction) worse(b, v float64) bool {
	switch d {
	case LowerIsBetter:
		return v > b
	case HigherIsBetter:
		return v < b
	case ZeroIsBetter:
		return math.Abs(v) > math.Abs(b)
	}
	return false
}

func (d Direction) better(b, v float64) bool {
	switch d {
	case LowerIsBetter:
		return v < b
	case HigherIsBetter:
		return v > b
	case ZeroIsBetter:
		return math.Abs(v) < math.Abs(b)
	}
	return false
}

func verdictRank(v string) int {
	return slices.Index([]string{VerdictRegressed, VerdictImproved, VerdictWithinTolerance, VerdictChanged, VerdictOnlyInBase, VerdictOnlyInNew, VerdictUnchanged}, v)
}

// flatMetrics is every metric of s under its Lookup name.
func compareFlat(s *metrics.Summary) map[string]float64 {
	out := maps.Clone(s.Metrics)
	if out == nil {
		out = map[string]float64{}
	}
	for prefix, groups := range map[string]map[string]map[string]float64{"per_priority.": s.PerPriority, "per_client.": s.PerClient} {
		for g, m := range groups {
			for k, v := range m {
				out[prefix+g+"."+k] = v
			}
		}
	}
	return out
}

func compareRunLabel(s *metrics.Summary) string {
	return fmt.Sprintf("%s (%s, seed %d)", s.Scenario, s.Mode, s.Seed)
}

func compareNotes(base, cur *metrics.Summary) []string {
	var notes []string
	if base.Scenario != cur.Scenario {
		notes = append(notes, fmt.Sprintf("the runs are of different scenarios (%s, %s)", base.Scenario, cur.Scenario))
	}
	if base.Mode != cur.Mode {
		notes = append(notes, fmt.Sprintf("the runs were made in different modes (%s, %s)", base.Mode, cur.Mode))
	}
	if base.OfferedSeconds != cur.OfferedSeconds {
		notes = append(notes, fmt.Sprintf("load was offered for different times (%s, %s): totals differ for that alone",
			secs(base.OfferedSeconds), secs(cur.OfferedSeconds)))
	}
	return notes
}

// Regressions returns the metrics that regressed.
func (c Comparison) Regressions() []MetricChange {
	var out []MetricChange
	for _, m := range c.Changes {
		if m.Verdict == VerdictRegressed {
			out = append(out, m)
		}
	}
	return out
}

// Write prints the comparison: a header, then a table of every metric that changed (or exists
// in one run only), regressions first, each named with its values, its change and its direction.
func (c Comparison) Write(w io.Writer) {
	fmt.Fprintf(w, "compare %s with base %s, tolerance %s\n", c.Current, c.Base, pct(c.Tolerance))
	for _, n := range c.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	counts := map[string]int{}
	for _, m := range c.Changes {
		counts[m.Verdict]++
	}
	fmt.Fprintf(w, "  %d regressed · %d improved · %d within tolerance · %d neutral changes · %d unchanged",
		counts[VerdictRegressed], counts[VerdictImproved], counts[VerdictWithinTolerance], counts[VerdictChanged], counts[VerdictUnchanged])
	if n := counts[VerdictOnlyInBase] + counts[VerdictOnlyInNew]; n > 0 {
		fmt.Fprintf(w, " · %d in one run only", n)
	}
	fmt.Fprintln(w)
	if counts[VerdictUnchanged] == len(c.Changes) {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  VERDICT\tMETRIC\tBASE\tNEW\tCHANGE\tRELATIVE\tDIRECTION")
	for _, m := range c.Changes {
		if m.Verdict == VerdictUnchanged {
			continue
		}
		verdict := m.Verdict
		if verdict == VerdictRegressed {
			verdict = "REGRESSED"
		}
		b, v, abs, rel := FormatMetric(m.Name, m.Base), FormatMetric(m.Name, m.Current), compareSigned(m.Name, m.Absolute), compareRelative(m.Relative)
		switch m.Verdict {
		case VerdictOnlyInBase:
			v, abs, rel = "-", "", ""
		case VerdictOnlyInNew:
			b, abs, rel = "-", "", ""
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", verdict, m.Name, b, v, abs, rel, m.Direction)
	}
	tw.Flush()
}

// compareSigned formats a change as FormatMetric does, with its sign.
func compareSigned(name string, v float64) string {
	if v > 0 {
		return "+" + FormatMetric(name, v)
	}
	return FormatMetric(name, v)
}

func compareRelative(r float64) string {
	switch {
	case math.IsInf(r, 0):
		return "from 0"
	case r > 0:
		return "+" + strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
}
