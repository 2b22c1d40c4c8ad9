package sweep

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/throttlelab/throttlelab/reports"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxCostLabels is how many points the searched-points chart labels with their cost; more
// would overlap.
const maxCostLabels = 40

// RecommendCharts draws the recommendation's charts: the configurations judged in the plane
// of the first two knobs (feasible or not, the feasible frontier, the answer, each point's
// cost when there are few), or against the cost for a single knob; and the cost of each
// configuration against the first knob.
func (r *Recommendation) RecommendCharts() ([]Figure, error) {
	var figs []Figure
	var p *plot.Plot
	var err error
	if len(r.Knobs) >= 2 {
		p, err = r.planeChart()
	} else {
		p, err = r.costChart("Configurations judged, and their cost")
	}
	if err != nil {
		return nil, err
	}
	f, _, err := encodeFigure("recommend-points", p)
	if err != nil {
		return nil, err
	}
	figs = append(figs, f)
	if len(r.Knobs) >= 2 {
		if p, err = r.costChart("Cost of each configuration judged"); err != nil {
			return nil, err
		}
		if f, _, err = encodeFigure("recommend-cost", p); err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// axisLabel names a knob's axis with its unit.
func axisLabel(k Knob) string {
	if u := k.Kind.Unit(); u != "" {
		return k.Path + " (" + u + ")"
	}
	return k.Path
}

// planeChart draws the judged configurations over the first two knobs.
func (r *Recommendation) planeChart() (*plot.Plot, error) {
	kx, ky := r.Knobs[0], r.Knobs[1]
	p := newPlot("Configurations judged: feasible (every SLO on every seed) or not", axisLabel(ky))
	p.X.Label.Text = axisLabel(kx)
	xy := func(c *Candidate) plotter.XY { return plotter.XY{X: c.Values[0], Y: c.Values[1]} }
	if err := r.addVerdicts(p, xy); err != nil {
		return nil, err
	}
	if front := r.frontier(); len(front) > 0 {
		var xys plotter.XYs
		for _, c := range front {
			xys = append(xys, xy(c))
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("recommend chart: %w", err)
		}
		l.Color, l.Width, l.Dashes = reports.ChartColor(2), vg.Points(1.5), []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(l)
		p.Legend.Add("feasible frontier: the best "+ky.Path+" judged to hold at each "+kx.Path, l)
	}
	if len(r.Points) <= maxCostLabels {
		if err := r.addCostLabels(p, xy); err != nil {
			return nil, err
		}
	}
	padAxes(p)
	return p, nil
}

// costChart draws each configuration's cost against the first knob.
func (r *Recommendation) costChart(title string) (*plot.Plot, error) {
	kx := r.Knobs[0]
	p := newPlot(title, "cost per million requests (USD)")
	p.X.Label.Text = axisLabel(kx)
	xy := func(c *Candidate) plotter.XY { return plotter.XY{X: c.Values[0], Y: c.Cost} }
	if err := r.addVerdicts(p, xy); err != nil {
		return nil, err
	}
	padAxes(p)
	p.Y.Min = max(p.Y.Min, 0) // a cost is never negative
	return p, nil
}

// addVerdicts adds the feasible points, the infeasible ones and the answer, each a scatter
// with its legend entry. Points whose position is not finite (no cost) are left out.
func (r *Recommendation) addVerdicts(p *plot.Plot, xy func(*Candidate) plotter.XY) error {
	groups := []struct {
		label string
		keep  func(*Candidate) bool
		style draw.GlyphStyle
	}{
		{"feasible", func(c *Candidate) bool { return c.Feasible },
			draw.GlyphStyle{Color: reports.ChartColor(2), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}},
		{"infeasible", func(c *Candidate) bool { return !c.Feasible },
			draw.GlyphStyle{Color: reports.ChartColor(3), Radius: vg.Points(3.5), Shape: draw.CrossGlyph{}}},
		{"recommended", func(c *Candidate) bool { return c == r.Best },
			draw.GlyphStyle{Color: reports.ChartColor(0), Radius: vg.Points(7), Shape: draw.RingGlyph{}}},
	}
	for _, g := range groups {
		var xys plotter.XYs
		for _, c := range r.Points {
			if pt := xy(c); g.keep(c) && finiteXY(pt) {
				xys = append(xys, pt)
			}
		}
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("recommend chart: %w", err)
		}
		s.GlyphStyle = g.style
		p.Add(s)
		p.Legend.Add(g.label, s)
	}
	return nil
}

// addCostLabels writes each point's cost next to it.
func (r *Recommendation) addCostLabels(p *plot.Plot, xy func(*Candidate) plotter.XY) error {
	var d plotter.XYLabels
	for _, c := range r.Points {
		if pt := xy(c); finiteXY(pt) && !math.IsNaN(c.Cost) {
			d.XYs = append(d.XYs, pt)
			d.Labels = append(d.Labels, fmt.Sprintf("$%.3g", c.Cost))
		}
	}
	if len(d.XYs) == 0 {
		return nil
	}
	l, err := plotter.NewLabels(d)
	if err != nil {
		return fmt.Errorf("recommend chart: %w", err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Variant = "Sans"
		l.TextStyle[i].Font.Size = vg.Points(7)
		l.TextStyle[i].Color = reports.ChartColor(9)
	}
	l.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
	p.Add(l)
	return nil
}

func finiteXY(pt plotter.XY) bool {
	return !math.IsNaN(pt.X) && !math.IsNaN(pt.Y) && !math.IsInf(pt.X, 0) && !math.IsInf(pt.Y, 0)
}

// frontier returns, for each value of the first knob among the feasible configurations
// judged, the one with the best value of the second knob: the least (or, for max, the most)
// of it known to hold every SLO there. Ordered by the first knob's value.
func (r *Recommendation) frontier() []*Candidate {
	best := map[float64]*Candidate{}
	for _, c := range r.Points {
		if o := best[c.Values[0]]; c.Feasible && (o == nil || c.Ranks[1] < o.Ranks[1]) {
			best[c.Values[0]] = c
		}
	}
	out := slices.Collect(maps.Values(best))
	slices.SortFunc(out, func(a, b *Candidate) int { return cmpFloat(a.Values[0], b.Values[0]) })
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// padAxes widens both axes by 5% so that glyphs at the edges show whole, and the y axis by a
// further 30% at the top, where the legend goes.
func padAxes(p *plot.Plot) {
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		span := ax.Max - ax.Min
		if !(span > 0) {
			span = math.Max(math.Abs(ax.Max), 1)
		}
		ax.Min, ax.Max = ax.Min-span*0.05, ax.Max+span*0.05
		if ax == &p.Y {
			ax.Max += span * 0.3
		}
		ax.Tick.Marker = plainTicks{}
	}
}

// plainTicks are gonum's default ticks, labelled without trailing zeros ("1000", not "1000.00").
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(clean(t.Value), 'f', -1, 64)
		}
	}
	return ticks
}
