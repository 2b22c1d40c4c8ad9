package reports

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/throttlelab/throttlelab/metrics"
)

// The latency-cdf chart has only what the summary keeps of each latency histogram: p50, p90,
// p99 and max. Its y axis is in "nines" (−log10(1 − q)), so that p50, p90 and p99 are evenly
// spaced, with the maximum one step above p99. Through those points it draws the lower step
// bound of the distribution: at least q of the requests took at most the q-th percentile.

// cdfPoint is one known percentile: its position on the nines axis and the summary's key.
var cdfPoints = []struct {
	nines float64
	key   string
	label string
}{
	{-math.Log10(0.5), "e2e_seconds_p50", "p50"},
	{1, "e2e_seconds_p90", "p90"},
	{2, "e2e_seconds_p99", "p99"},
	{3, "e2e_seconds_max", "max"},
}

// cdfGroup is one distribution to draw: all requests, a client or a priority.
type cdfGroup struct {
	label string
	m     map[string]float64
	sim   map[string]float64 // the simulated summary's, in mode both
}

// latencyCDF draws the summary's end-to-end percentiles of every group with completions.
func (f *frame) latencyCDF() *chart {
	groups := cdfGroups(f.in.Summary)
	if len(groups) == 0 {
		return nil
	}
	p := newPanel("End-to-end latency distribution of completed requests\n"+
		"a step bound through the summary's p50, p90, p99 and max, not a measured CDF",
		"percentile of completed requests")
	p.plot.Title.TextStyle.Font.Size = 12
	for i, g := range groups {
		c := colOffered
		if i > 0 {
			c = ChartColor(i)
		}
		p.cdfLine(g.label, g.m, c, false)
		if g.sim != nil {
			p.cdfLine(g.label+" (sim)", g.sim, c, true)
		}
	}
	p.plot.X.Label.Text = "end-to-end latency"
	cdfScale(p)
	p.plot.Add(p.under...)
	p.plot.Add(p.over...)
	ticks := make(plot.ConstantTicks, len(cdfPoints))
	for i, pt := range cdfPoints {
		ticks[i] = plot.Tick{Value: pt.nines, Label: pt.label}
	}
	p.plot.Y.Tick.Marker = ticks
	p.plot.Y.Min, p.plot.Y.Max = 0.15, 3.15
	return &chart{name: "latency-cdf", panels: []*panel{p},
		caption: "End-to-end latency percentiles of completed requests, overall and per client or priority. Only p50, p90, p99 and the maximum are known (the summary keeps no more), so each line is the step bound through them, not a full distribution."}
}

// cdfGroups returns all requests, then each client and each priority with completions when
// there are several of them.
func cdfGroups(s *metrics.Summary) []cdfGroup {
	if s.Metrics["completed_total"] == 0 {
		return nil
	}
	var sim *metrics.Summary
	if s.Sim != nil {
		sim = s.Sim
	}
	out := []cdfGroup{{label: "all requests", m: s.Metrics, sim: simMetrics(sim, "", "")}}
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
				gs = append(gs, cdfGroup{label: kind.name + " " + k, m: m, sim: simMetrics(sim, kind.name, k)})
			}
		}
		if len(gs) > 1 {
			out = append(out, gs...)
		}
	}
	return out
}

// simMetrics returns the simulated summary's metrics of a group, or nil.
func simMetrics(sim *metrics.Summary, kind, name string) map[string]float64 {
	switch {
	case sim == nil:
		return nil
	case kind == "client":
		return sim.PerClient[name]
	case kind == "priority":
		return sim.PerPriority[name]
	}
	return sim.Metrics
}

// cdfLine draws one group's step bound and marks its known percentiles.
func (p *panel) cdfLine(label string, m map[string]float64, c color.Color, dashed bool) {
	var pts plotter.XYs
	for _, pt := range cdfPoints {
		if v := m[pt.key]; v > 0 {
			pts = append(pts, plotter.XY{X: v, Y: pt.nines})
		}
	}
	if len(pts) == 0 {
		return
	}
	l := &plotter.Line{XYs: pts, StepStyle: plotter.PostStep}
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	if dashed {
		l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	s := &plotter.Scatter{XYs: slices.Clone(pts)} // logAxis transforms each plotter's own points
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	p.over = append(p.over, l, s)
	p.legend.Add(label, l, s)
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

// keysInOrder returns the keys of m in order.
func keysInOrder[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
