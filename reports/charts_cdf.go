package reports

import (
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/throttlelab/throttlelab/metrics"
)

// The latency-cdf chart draws each group's end-to-end latency distribution from the summary's
// latency_quantiles (metrics.LatencyQuantiles: 128 quantiles read from the run's HDR
// histograms). Its y axis is in "nines", −log10(1 − q), so that p50, p90, p99, p99.9 … are
// evenly spaced and the tail shows. A group's line joins the quantiles its count n of
// completed requests resolves (q ≤ 1 − 1/n) and ends at its maximum, drawn at log10(n); dots
// mark p50, p90, p99 and the maximum.
//
// A summary written before latency_quantiles existed has only p50, p90, p99 and max: its lines
// are the lower step bound through those points (at least q of the requests took at most the
// q-th percentile), with the maximum one step above p99, and the chart's title says so.

// cdfMark is a quantile marked with a dot, its summary metric and its name on the y axis of a
// step bound.
type cdfMark struct {
	q          float64
	key, label string
}

// cdfMarks are the marked quantiles.
var cdfMarks = []cdfMark{
	{0.5, "e2e_seconds_p50", "p50"},
	{0.9, "e2e_seconds_p90", "p90"},
	{0.99, "e2e_seconds_p99", "p99"},
	{1, "e2e_seconds_max", "max"},
}

// nines is the y position of quantile q: −log10(1 − q).
func nines(q float64) float64 { return -math.Log10(1 - q) }

// cdfDist is one distribution: a group's metrics and, when the summary has them, its latency
// at the quantiles qs.
type cdfDist struct {
	m      map[string]float64
	qs, vs []float64
}

// cdfGroup is one distribution to draw: all requests, a client or a priority, with the
// simulated summary's in mode both.
type cdfGroup struct {
	label string
	dist  cdfDist
	sim   *cdfDist
}

// latencyCDF draws the end-to-end latency distribution of every group with completions.
func (f *frame) latencyCDF() *chart {
	groups := cdfGroups(f.in.Summary)
	if len(groups) == 0 {
		return nil
	}
	measured := groups[0].dist.vs != nil
	sub := "from the run's latency histograms (3 significant digits)"
	if !measured {
		sub = "a step bound through the summary's p50, p90, p99 and max, not a measured CDF"
	}
	p := newPanel("End-to-end latency distribution of completed requests\n"+sub, "percentile of completed requests")
	p.plot.Title.TextStyle.Font.Size = 12
	top := 0.0
	for i, g := range groups {
		c := colOffered
		if i > 0 {
			c = ChartColor(i)
		}
		top = max(top, p.cdfLine(g.label, g.dist, c, false))
		if g.sim != nil {
			top = max(top, p.cdfLine(g.label+" (sim)", *g.sim, c, true))
		}
	}
	p.plot.X.Label.Text = "end-to-end latency"
	cdfScale(p)
	p.plot.Add(p.under...)
	p.plot.Add(p.over...)
	cdfYAxis(p, measured, top)
	caption := "End-to-end latency of completed requests, overall and per client or priority: the share of requests (in nines: p50, p90, p99, p99.9 …) that took at most each latency, from 128 quantiles of the run's latency histograms; dots mark p50, p90, p99 and the maximum."
	if !measured {
		caption = "End-to-end latency percentiles of completed requests, overall and per client or priority. This summary keeps only p50, p90, p99 and the maximum (it predates latency_quantiles), so each line is the step bound through them, not a full distribution."
	}
	return &chart{name: "latency-cdf", panels: []*panel{p}, caption: caption}
}

// cdfYAxis labels the nines axis: p50, p90, p99, p99.9 … up to top for measured
// distributions; p50, p90, p99 and max (one step above p99) for step bounds.
func cdfYAxis(p *panel, measured bool, top float64) {
	var ticks plot.ConstantTicks
	if !measured {
		for i, mk := range cdfMarks {
			ticks = append(ticks, plot.Tick{Value: cdfStepY(i), Label: mk.label})
		}
		p.plot.Y.Tick.Marker = ticks
		p.plot.Y.Min, p.plot.Y.Max = 0.15, 3.15
		return
	}
	ticks = append(ticks, plot.Tick{Value: 0, Label: "min"}, plot.Tick{Value: nines(0.5), Label: "p50"})
	for n := 1; float64(n) <= math.Max(top, 1); n++ {
		ticks = append(ticks, plot.Tick{Value: float64(n), Label: nineLabel(n)})
	}
	p.plot.Y.Tick.Marker = ticks
	p.plot.Y.Min, p.plot.Y.Max = 0, math.Max(top, 1)+0.15
}

// cdfStepY is the y position of the i-th mark of a step bound: the maximum one step above p99.
func cdfStepY(i int) float64 {
	if cdfMarks[i].q == 1 {
		return 3
	}
	return nines(cdfMarks[i].q)
}

// cdfGroups returns all requests, then each client and each priority with completions when
// there are several of them.
func cdfGroups(s *metrics.Summary) []cdfGroup {
	if s.Metrics["completed_total"] == 0 {
		return nil
	}
	out := []cdfGroup{{label: "all requests", dist: groupDist(s, "", ""), sim: simDist(s.Sim, "", "")}}
	for _, kind := range []struct {
		name   string
		groups map[string]map[string]float64
		order  []string
	}{{"client", s.PerClient, nil}, {"priority", s.PerPriority, metrics.Priorities}} {
		keys := kind.order
		if keys == nil {
			keys = keysInOrder(kind.groups)
		}
		var gs []cdfGroup
		for _, k := range keys {
			if m, ok := kind.groups[k]; ok && m["completed_total"] > 0 {
				gs = append(gs, cdfGroup{label: kind.name + " " + k, dist: groupDist(s, kind.name, k),
					sim: simDist(s.Sim, kind.name, k)})
			}
		}
		if len(gs) > 1 {
			out = append(out, gs...)
		}
	}
	return out
}

// groupDist returns the distribution of a group of s: all requests (kind ""), a client or a
// priority; its quantiles are nil when the summary has none for it.
func groupDist(s *metrics.Summary, kind, name string) cdfDist {
	d := cdfDist{m: s.Metrics}
	var vs map[string][]float64
	switch kind {
	case "client":
		d.m = s.PerClient[name]
		if s.Latency != nil {
			vs = s.Latency.PerClient
		}
	case "priority":
		d.m = s.PerPriority[name]
		if s.Latency != nil {
			vs = s.Latency.PerPriority
		}
	}
	if l := s.Latency; l != nil {
		d.qs, d.vs = l.Quantiles, l.E2E
		if kind != "" {
			d.vs = vs[name]
		}
		if len(d.vs) != len(d.qs) {
			d.qs, d.vs = nil, nil
		}
	}
	return d
}

// simDist returns the simulated summary's distribution of a group, or nil.
func simDist(sim *metrics.Summary, kind, name string) *cdfDist {
	if sim == nil {
		return nil
	}
	d := groupDist(sim, kind, name)
	if d.m == nil {
		return nil
	}
	return &d
}

// cdfLine draws one distribution, marks p50, p90, p99 and the maximum, and returns the y of
// its top point.
func (p *panel) cdfLine(label string, d cdfDist, c color.Color, dashed bool) float64 {
	pts, marks := cdfPoints(d)
	if len(pts) == 0 {
		return 0
	}
	l := &plotter.Line{XYs: pts}
	if d.vs == nil {
		l.StepStyle = plotter.PostStep
	}
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	if dashed {
		l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	s := &plotter.Scatter{XYs: marks} // logAxis transforms each plotter's own points
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	p.over = append(p.over, l, s)
	p.legend.Add(label, l, s)
	return pts[len(pts)-1].Y
}

// cdfPoints returns the points of a distribution's line and of its marks: the quantiles its
// count resolves, then the maximum at log10(count); or, without quantiles, the step bound's
// four points. Points of latency 0 are left out (the axis may be logarithmic).
func cdfPoints(d cdfDist) (line, marks plotter.XYs) {
	if d.vs == nil {
		for i, mk := range cdfMarks {
			if v := d.m[mk.key]; v > 0 {
				line = append(line, plotter.XY{X: v, Y: cdfStepY(i)})
			}
		}
		return line, slices.Clone(line)
	}
	n := d.m["completed_total"]
	top := math.Log10(math.Max(n, 1))
	for i, q := range d.qs {
		y := nines(q)
		if q == 1 {
			y = top
		} else if y > top || d.vs[i] <= 0 {
			continue
		}
		line = append(line, plotter.XY{X: d.vs[i], Y: y})
		if slices.ContainsFunc(cdfMarks, func(mk cdfMark) bool { return mk.q == q }) {
			marks = append(marks, plotter.XY{X: d.vs[i], Y: y})
		}
	}
	return line, marks
}

// cdfScale makes the latency axis logarithmic when it spans more than two decades.
func cdfScale(p *panel) {
	lo, hi := dataRange(p.over, true)
	log := lo > 0 && hi/lo > 100
	p.plot.X.Tick.Marker = latencyTicks{log: log}
	if log {
		logAxis(p.over, true)
		p.plot.X.Min, p.plot.X.Max = math.Log10(lo)-0.15, math.Log10(hi)+0.15
		p.plot.X.Label.Text += " (log scale)"
		return
	}
	p.plot.X.Min, p.plot.X.Max = 0, hi*1.05
}

// nineLabel names the quantile of n nines: "p90", "p99", "p99.9", "p99.99".
func nineLabel(n int) string {
	switch n {
	case 1:
		return "p90"
	case 2:
		return "p99"
	}
	return "p99." + strings.Repeat("9", n-2)
}

// keysInOrder returns the keys of m in order.
func keysInOrder[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
