package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Alarm states, as CloudWatch names them.
const (
	StateAlarm = "ALARM"
	StateOK    = "OK"
)

// AlarmTransition is an alarm changing state. At is measured from the run's start and is the
// END of the period whose evaluation caused the change: the first instant CloudWatch could
// have known.
type AlarmTransition struct {
	At    time.Duration
	State string // StateAlarm or StateOK
}

// AlarmResult is one `alarms:` entry evaluated on a run's series: the alarm as written, every
// state change in order, and plain-words findings for the report. An alarm whose metric is not
// a column of the series has no transitions and one finding saying so.
type AlarmResult struct {
	Name, Metric, Stat, Comparison string
	Threshold                      float64
	Period                         time.Duration
	EvaluationPeriods              int
	Transitions                    []AlarmTransition
	Findings                       []string
}

// Fired reports whether the alarm ever went to ALARM.
func (r AlarmResult) Fired() bool { return r.FirstFired() >= 0 }

// FirstFired returns when the alarm first went to ALARM, or -1 when it never did.
func (r AlarmResult) FirstFired() time.Duration {
	for _, t := range r.Transitions {
		if t.State == StateAlarm {
			return t.At
		}
	}
	return -1
}

// EvaluateAlarms evaluates CloudWatch-style alarms on a run's per-second series.
//
// The semantics are CloudWatch's, with these choices made explicit:
//
//   - The metric's per-second values (one row of series.csv per second) are aggregated into
//     periods of Period, aligned to the run's start: [0, P), [P, 2P), …. A last period cut
//     short by the end of the series is evaluated on the seconds it has.
//   - sum, average and max are exact over the period's per-second values. p99 is the 99th
//     percentile (nearest rank) of those per-second values, not of the underlying events:
//     an approximation of CloudWatch's p99, which for periods shorter than 100 s is
//     the period's largest per-second value.
//   - The alarm starts in OK. CloudWatch starts in INSUFFICIENT_DATA; here missing data is
//     treated as notBreaching (seed 001's alarm sets TreatMissingData: notBreaching), so the
//     time before the run and after the series ends never breaches.
//   - The alarm goes to ALARM when EvaluationPeriods consecutive periods breach (the
//     comparison > >= < <= of the period's statistic against Threshold holds), and back to OK
//     at the first period that does not breach.
//
// A transition's At is the end of the period that caused it.
func EvaluateAlarms(alarms []scenarios.Alarm, s *metrics.Series) []AlarmResult {
	out := make([]AlarmResult, 0, len(alarms))
	for _, a := range alarms {
		out = append(out, evaluateAlarm(a, s))
	}
	return out
}

func evaluateAlarm(a scenarios.Alarm, s *metrics.Series) AlarmResult {
	r := AlarmResult{Name: a.Name, Metric: a.Metric, Stat: a.Stat, Comparison: a.Comparison,
		Threshold: a.Threshold, Period: a.Period.D(), EvaluationPeriods: max(a.EvaluationPeriods, 1)}
	if s == nil || !s.Has(a.Metric) {
		r.Findings = append(r.Findings, fmt.Sprintf("alarm %q watches %q, which is not a series of this run (see series.csv's header): it was not evaluated",
			a.Name, a.Metric))
		return r
	}
	periodSecs := int(r.Period / time.Second)
	if periodSecs < 1 {
		r.Findings = append(r.Findings, fmt.Sprintf("alarm %q has a period of %s; it needs at least 1s: it was not evaluated", a.Name, r.Period))
		return r
	}
	r.Transitions = []AlarmTransition{}
	stats := periodStats(s.Column(a.Metric), periodSecs, a.Stat)
	breaching, best := 0, math.NaN()
	for i, v := range stats {
		end := time.Duration(i+1) * r.Period
		if math.IsNaN(best) || worseFor(a.Comparison, v, best) {
			best = v
		}
		if !breaches(a.Comparison, v, a.Threshold) {
			breaching = 0
			if r.state() == StateAlarm {
				r.Transitions = append(r.Transitions, AlarmTransition{At: end, State: StateOK})
			}
			continue
		}
		breaching++
		if breaching >= r.EvaluationPeriods && r.state() == StateOK {
			r.Transitions = append(r.Transitions, AlarmTransition{At: end, State: StateAlarm})
		}
	}
	r.Findings = append(r.Findings, r.describe(len(stats), best))
	return r
}

// state is the alarm's state after its last transition.
func (r *AlarmResult) state() string {
	if n := len(r.Transitions); n > 0 {
		return r.Transitions[n-1].State
	}
	return StateOK
}

// periodStats aggregates per-second values into periods of secs seconds.
func periodStats(values []float64, secs int, stat string) []float64 {
	var out []float64
	for start := 0; start < len(values); start += secs {
		out = append(out, statOf(values[start:min(start+secs, len(values))], stat))
	}
	return out
}

// statOf is one statistic of a non-empty period.
func statOf(vs []float64, stat string) float64 {
	switch stat {
	case "average":
		return alarmSum(vs) / float64(len(vs))
	case "max":
		return slices.Max(vs)
	case "p99":
		sorted := slices.Sorted(slices.Values(vs))
		rank := int(math.Ceil(0.99 * float64(len(sorted))))
		return sorted[max(rank, 1)-1]
	default: // "sum"; validation admits no other statistic
		return alarmSum(vs)
	}
}

func alarmSum(vs []float64) float64 {
	t := 0.0
	for _, v := range vs {
		t += v
	}
	return t
}

// breaches reports whether a period's statistic v breaches the threshold.
func breaches(cmp string, v, threshold float64) bool {
	switch cmp {
	case ">":
		return v > threshold
	case ">=":
		return v >= threshold
	case "<":
		return v < threshold
	case "<=":
		return v <= threshold
	}
	return false
}

// worseFor reports whether v is nearer to breaching than best under cmp.
func worseFor(cmp string, v, best float64) bool {
	if cmp == "<" || cmp == "<=" {
		return v < best
	}
	return v > best
}

// describe says in plain words what the alarm did over periods periods.
func (r *AlarmResult) describe(periods int, closest float64) string {
	what := fmt.Sprintf("alarm %q (%s of %s over %s %s %s for %d %s)", r.Name, r.Stat, r.Metric,
		r.Period, r.Comparison, formatG(r.Threshold), r.EvaluationPeriods, alarmPlural(r.EvaluationPeriods, "period"))
	if periods == 0 {
		return what + " never fired: the series has no data"
	}
	if !r.Fired() {
		return fmt.Sprintf("%s never fired in %d %s; the closest period's value was %s", what,
			periods, alarmPlural(periods, "period"), formatG(closest))
	}
	var fired, cleared []string
	for _, t := range r.Transitions {
		if t.State == StateAlarm {
			fired = append(fired, t.At.String())
		} else {
			cleared = append(cleared, t.At.String())
		}
	}
	s := fmt.Sprintf("%s fired %d %s, at %s", what, len(fired), alarmPlural(len(fired), "time"), alarmJoin(fired))
	if len(cleared) > 0 {
		s += fmt.Sprintf("; cleared at %s", alarmJoin(cleared))
	}
	if r.state() == StateAlarm {
		s += "; still in ALARM when the run ended"
	}
	return s
}

func formatG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func alarmPlural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func alarmJoin(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	s := xs[0]
	for _, x := range xs[1 : len(xs)-1] {
		s += ", " + x
	}
	return s + " and " + xs[len(xs)-1]
}
