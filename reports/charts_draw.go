package reports

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/throttlelab/throttlelab/metrics"
)

// Colours of the report (Tableau 10), by what they mean.
var (
	colOffered  = rgb(0x4e79a7) // blue: demand
	colAttempts = rgb(0xf28e2b) // orange: demand with retries
	colAdmitted = rgb(0x59a14f) // green: what got through
	colThrottle = rgb(0xe15759) // red: 429
	colForbid   = rgb(0xb07aa1) // purple: 403
	colFail     = rgb(0x9c755f) // brown: 5xx, timeouts, resets
	colLimit    = rgb(0x555555) // grey: limits
	// colBreaker shades a strip along the top, colOutage and colAlarm the full height.
	colBreaker = color.NRGBA{R: 0xf2, G: 0x8e, B: 0x2b, A: 0xcc}
	colOutage  = color.NRGBA{R: 0x79, G: 0x70, B: 0x6e, A: 0x30}
	colAlarm   = color.NRGBA{R: 0xe1, G: 0x57, B: 0x59, A: 0x30}
	// palette colours lines that stand for one of several things (clients, queues, tiers).
	palette = []color.Color{rgb(0x4e79a7), rgb(0xf28e2b), rgb(0x59a14f), rgb(0xe15759),
		rgb(0x76b7b2), rgb(0xb07aa1), rgb(0x9c755f), rgb(0xff9da7), rgb(0xedc948), rgb(0xbab0ac)}
)

func rgb(v uint32) color.Color {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// frame is what every chart of one report shares: the input and the time axis.
type frame struct {
	in    Input
	ax    timeAxis
	shown map[string]bool // alarms shaded on some panel, by name
}

// agg says how the seconds of one plotted point are combined: counters by their mean (still
// per second), gauges and percentiles by their maximum (the worst second).
type agg int

const (
	aggMean agg = iota
	aggMax
)

// values returns the sum of the named columns of s, aggregated to the axis's buckets, or nil
// when s has none of them.
func (f *frame) values(s *metrics.Series, how agg, cols ...string) (xs, ys []float64) {
	if s == nil {
		return nil, nil
	}
	var v []float64
	for _, col := range cols {
		c := s.Column(col)
		if c == nil {
			continue
		}
		if v == nil {
			v = c
			continue
		}
		for i := range v {
			v[i] += c[i]
		}
	}
	if v == nil {
		return nil, nil
	}
	return f.bucketed(v, how)
}

// bucketed aggregates per-second values to the axis's buckets.
func (f *frame) bucketed(v []float64, how agg) (xs, ys []float64) {
	b := f.ax.bucket
	for i := 0; i < len(v); i += b {
		part := v[i:min(i+b, len(v))]
		y := part[0]
		for _, w := range part[1:] {
			if how == aggMax {
				y = math.Max(y, w)
			} else {
				y += w
			}
		}
		if how == aggMean {
			y /= float64(len(part))
		}
		xs, ys = append(xs, float64(i)), append(ys, y)
	}
	return xs, ys
}

// lineStyle is how one series is drawn.
type lineStyle struct {
	color color.Color
	width vg.Length // 0 means 1.5 pt
}

// column draws the sum of columns of the measured series and, in mode both, of the simulated
// one dashed; nothing when the measured series has none of the columns.
func (f *frame) column(p *panel, label string, how agg, st lineStyle, cols ...string) {
	xs, ys := f.values(f.in.Series, how, cols...)
	if xs == nil {
		return
	}
	for _, c := range cols {
		p.cols[c] = true
	}
	p.line(label, xs, ys, st, false)
	if sx, sy := f.values(f.in.SimSeries, how, cols...); sx != nil {
		p.line(label+" (sim)", sx, sy, st, true)
	}
}

// line adds a polyline and its legend entry.
func (p *panel) line(label string, xs, ys []float64, st lineStyle, dashed bool) {
	l := &plotter.Line{XYs: xysOf(xs, ys)}
	l.LineStyle = draw.LineStyle{Color: st.color, Width: st.width}
	if st.width == 0 {
		l.LineStyle.Width = vg.Points(1.5)
	}
	if dashed {
		l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.over = append(p.over, l)
	if label != "" {
		p.legend.Add(label, l)
	}
}

// points marks the (x, y) pairs whose y is not 0 and adds a legend entry; it adds nothing
// when every y is 0.
func (p *panel) points(label string, xs, ys []float64, c color.Color, shape draw.GlyphDrawer) {
	var pts plotter.XYs
	for i := range xs {
		if ys[i] != 0 {
			pts = append(pts, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	if len(pts) == 0 {
		return
	}
	s := &plotter.Scatter{XYs: pts}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: shape}
	p.over = append(p.over, s)
	p.legend.Add(label, s)
}

// hline draws a horizontal line at y across the whole time axis.
func (p *panel) hline(label string, y float64, end float64, st lineStyle) {
	l := &plotter.Line{XYs: plotter.XYs{{X: 0, Y: y}, {X: end, Y: y}}}
	l.LineStyle = draw.LineStyle{Color: st.color, Width: vg.Points(1.5),
		Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	p.over = append(p.over, l)
	p.legend.Add(label, l)
}

func xysOf(xs, ys []float64) plotter.XYs {
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	return pts
}

// span is an interval of time in seconds since the start, [from, to).
type span struct{ from, to float64 }

// bands shades intervals of time over the panel's full height, or over a strip along its top
// (strip is the strip's share of the height; 0 means all of it), so that two kinds of
// interval stay apart where they overlap. It has no data range, so it changes neither axis.
type bands struct {
	spans []span
	color color.Color
	strip float64
}

// shade adds full-height bands for spans, with a legend entry; nothing when there are none.
func (p *panel) shade(label string, spans []span, c color.Color) {
	p.shadeStrip(label, spans, c, 0)
}

// shadeStrip adds bands over the top strip of the panel.
func (p *panel) shadeStrip(label string, spans []span, c color.Color, strip float64) {
	if len(spans) == 0 {
		return
	}
	b := &bands{spans: spans, color: c, strip: strip}
	p.under = append(p.under, b)
	p.legend.Add(label, b)
}

// Plot implements plot.Plotter.
func (b *bands) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	y0 := c.Min.Y
	if b.strip > 0 {
		y0 = c.Max.Y - vg.Length(b.strip)*(c.Max.Y-c.Min.Y)
	}
	for _, s := range b.spans {
		x0 := max(trX(max(s.from, plt.X.Min)), c.Min.X)
		x1 := min(trX(min(s.to, plt.X.Max)), c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(b.color, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0},
			{X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// Thumbnail implements plot.Thumbnailer.
func (b *bands) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.color, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max,
		{X: c.Min.X, Y: c.Max.Y}})
}

// spansOf returns the runs of seconds in which v is not 0.
func spansOf(v []float64) []span {
	var out []span
	for i := 0; i < len(v); i++ {
		if v[i] == 0 {
			continue
		}
		j := i
		for j < len(v) && v[j] != 0 {
			j++
		}
		out = append(out, span{float64(i), float64(j)})
		i = j
	}
	return out
}

// finish adds the panel's layers to its plot, shades the intervals in which an alarm on one
// of its columns was in ALARM, and fixes the axes: the time axis spans the run, a linear y
// axis starts at 0 with a little headroom and labels thousands with separators.
func (f *frame) finish(p *panel) {
	for _, a := range f.in.Alarms {
		if p.cols[a.Metric] {
			f.shown[a.Name] = true
			p.shade("alarm "+a.Name+" in ALARM", alarmSpans(a, f.ax.end), colAlarm)
		}
	}
	p.plot.Add(p.under...)
	p.plot.Add(p.over...)
	f.ax.apply(p.plot)
	if p.logY {
		return
	}
	p.plot.Y.Min = 0
	p.plot.Y.Max *= 1.05
	if !(p.plot.Y.Max > 0) { // no data, or only zeros
		p.plot.Y.Max = 1
	}
	if p.plot.Y.Tick.Marker == (plot.DefaultTicks{}) {
		p.plot.Y.Tick.Marker = countTicks{}
	}
}

// alarmSpans returns the intervals in which an alarm was in ALARM, the last one ending at end
// when the alarm never cleared.
func alarmSpans(a AlarmResult, end float64) []span {
	var out []span
	from := -1.0
	for _, t := range a.Transitions {
		at := t.At.Seconds()
		switch {
		case t.State == StateAlarm && from < 0:
			from = at
		case t.State == StateOK && from >= 0:
			out = append(out, span{from, at})
			from = -1
		}
	}
	if from >= 0 {
		out = append(out, span{from, math.Max(end, from)})
	}
	return out
}
