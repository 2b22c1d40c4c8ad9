package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/throttlelab/throttlelab/metrics"
)

// Direction is which way a metric's move is good (metrics.Direction).
type Direction = metrics.Direction

// The directions, as metrics names them.
const (
	Neutral        = metrics.Neutral
	LowerIsBetter  = metrics.LowerIsBetter
	HigherIsBetter = metrics.HigherIsBetter
	ZeroIsBetter   = metrics.ZeroIsBetter
)

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
	worse, better := movedWorse(m.Direction, b, v), movedBetter(m.Direction, b, v)
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

// movedWorse reports whether a move from b to v is bad for a metric of direction d.
func movedWorse(d Direction, b, v float64) bool {
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

// movedBetter reports whether a move from b to v is good for a metric of direction d.
func movedBetter(d Direction, b, v float64) bool {
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
