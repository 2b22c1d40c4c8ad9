package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/throttlelab/throttlelab/metrics"
)

// buildCharts returns the charts the run has something to show on, in report order.
func buildCharts(in Input) []*chart {
	rows := len(in.Series.Rows)
	if in.SimSeries != nil {
		rows = max(rows, len(in.SimSeries.Rows))
	}
	f := &frame{in: in, ax: newTimeAxis(rows), shown: map[string]bool{}}
	var out []*chart
	for _, build := range []func() *chart{f.traffic, f.trafficClients, f.latency, f.latencyCDF,
		f.downstream, f.queues, f.concurrency, f.leftoverAlarms} {
		if c := build(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// seriesNames returns the NAMEs of the series' columns "PREFIX.NAME.SUFFIX", in column order.
func seriesNames(s *metrics.Series, prefix, suffix string) []string {
	var out []string
	for _, c := range s.Columns {
		if rest, ok := strings.CutPrefix(c, prefix+"."); ok {
			if name, ok := strings.CutSuffix(rest, "."+suffix); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

// nonzero reports whether any of the columns has a value other than 0 in the measured or
// simulated series.
func (f *frame) nonzero(cols ...string) bool {
	for _, s := range []*metrics.Series{f.in.Series, f.in.SimSeries} {
		if s == nil {
			continue
		}
		for _, col := range cols {
			if slices.ContainsFunc(s.Column(col), func(v float64) bool { return v != 0 }) {
				return true
			}
		}
	}
	return false
}

// traffic is what arrived at the gateway and what it answered, per second.
func (f *frame) traffic() *chart {
	title, caption := "Traffic at the gateway", "Requests the clients started (offered), attempts including retries, and what the gateway admitted or refused, per second of the run."
	if s := f.in.Summary; s != nil && s.Target != "" {
		title, caption = "Traffic to the target", "Requests the clients started (offered), attempts including retries, and the target's answers (2xx as admitted), per second of the run."
	}
	p := newPanel(title, "requests per second")
	f.column(p, "offered (new requests)", aggMean, lineStyle{color: colOffered, width: vg.Points(3)}, "offered")
	if f.differ("attempts", "offered") {
		f.column(p, "attempts (with retries)", aggMean, lineStyle{color: colAttempts}, "attempts")
	}
	f.column(p, "admitted", aggMean, lineStyle{color: colAdmitted}, "admitted")
	if f.nonzero("gateway_throttled", "gateway_quota_exceeded") {
		f.column(p, "429 (throttled + quota)", aggMean, lineStyle{color: colThrottle},
			"gateway_throttled", "gateway_quota_exceeded")
	}
	if f.nonzero("gateway_quota_exceeded") && f.nonzero("gateway_throttled") {
		f.column(p, "429 Limit Exceeded (quota)", aggMean,
			lineStyle{color: ChartColor(7), width: vg.Points(1)}, "gateway_quota_exceeded")
	}
	if f.nonzero("gateway_forbidden") {
		f.column(p, "403 Forbidden", aggMean, lineStyle{color: colForbid}, "gateway_forbidden")
	}
	f.finish(p)
	return &chart{name: "traffic", panels: []*panel{p}, caption: caption}
}

// differ reports whether two columns of the measured series differ anywhere.
func (f *frame) differ(a, b string) bool {
	x, y := f.in.Series.Column(a), f.in.Series.Column(b)
	return x != nil && y != nil && !slices.Equal(x, y)
}

// chartMaxClients bounds the panels of the traffic-clients chart; the clients that offered the
// most requests get one.
const chartMaxClients = 8

// trafficClients gives each client, when there are several, a panel of its own with its own
// scale: a client of 5 requests a second stays readable next to one of 5,000.
func (f *frame) trafficClients() *chart {
	clients := f.topClients()
	if len(clients) < 2 {
		return nil
	}
	c := &chart{name: "traffic-clients",
		caption: "The traffic of each client on its own scale: requests offered, attempts the gateway admitted and attempts it answered 429 (throttled or quota exceeded)."}
	if n := len(seriesNames(f.in.Series, "client", "offered")); n > len(clients) {
		c.caption += fmt.Sprintf(" The %d clients that offered the most are shown, of %d.", len(clients), n)
	}
	for i, n := range clients {
		p := newPanel("Client "+n, "per second")
		col := "client." + n + "."
		f.column(p, "offered", aggMean, lineStyle{color: colOffered, width: vg.Points(3)}, col+"offered")
		f.column(p, "admitted", aggMean, lineStyle{color: colAdmitted}, col+"admitted")
		f.column(p, "429", aggMean, lineStyle{color: colThrottle}, col+"throttled")
		if i > 0 {
			p.legend = newLegend() // the first panel's legend names the lines of all
		}
		f.finish(p)
		c.panels = append(c.panels, p)
	}
	return c
}

// topClients returns the clients of the series, at most chartMaxClients of them: those that
// offered the most, in series order.
func (f *frame) topClients() []string {
	clients := seriesNames(f.in.Series, "client", "offered")
	if len(clients) <= chartMaxClients {
		return clients
	}
	total := map[string]float64{}
	for _, n := range clients {
		total[n] = seriesSum(f.in.Series.Column("client." + n + ".offered"))
	}
	top := slices.Clone(clients)
	slices.SortStableFunc(top, func(a, b string) int { return cmp.Compare(total[b], total[a]) })
	top = top[:chartMaxClients]
	return slices.DeleteFunc(clients, func(n string) bool { return !slices.Contains(top, n) })
}

// latency is the end-to-end p50 and p99 of the requests completed in each second.
func (f *frame) latency() *chart {
	if !f.nonzero("e2e_seconds_p99") {
		return nil
	}
	p := newPanel("End-to-end latency of the requests completed each second", "end-to-end latency")
	f.gapped(p, "p50", "e2e_seconds_p50", lineStyle{color: colOffered})
	f.gapped(p, "p99", "e2e_seconds_p99", lineStyle{color: colThrottle})
	var pris []string
	for _, pr := range seriesNames(f.in.Series, "priority", "completed") {
		if f.nonzero("priority." + pr + ".completed") {
			pris = append(pris, pr)
		}
	}
	if len(pris) > 1 {
		for i, pr := range pris {
			f.gapped(p, pr+" p99", "priority."+pr+".e2e_seconds_p99",
				lineStyle{color: ChartColor(i + 4), width: vg.Points(1)})
		}
	}
	f.latencyScale(p)
	f.finish(p)
	return &chart{name: "latency", panels: []*panel{p},
		caption: "End-to-end latency (first attempt to downstream success) of the requests that completed in each second; seconds in which none completed are gaps."}
}

// gapped draws a latency column, leaving out the seconds in which nothing completed (value 0)
// instead of drawing them as 0.
func (f *frame) gapped(p *panel, label, col string, st lineStyle) {
	for k, s := range []*metrics.Series{f.in.Series, f.in.SimSeries} {
		xs, ys := f.values(s, aggMax, col)
		if xs == nil {
			continue
		}
		p.cols[col] = true
		name := label
		if k == 1 {
			name += " (sim)"
		}
		for i, seg := range positiveRuns(ys) {
			if i > 0 {
				name = ""
			}
			p.line(name, xs[seg.from:seg.to], ys[seg.from:seg.to], st, k == 1)
		}
	}
}

// segments returns the index ranges [from, to) of the runs of positive values.
func positiveRuns(ys []float64) []struct{ from, to int } {
	var out []struct{ from, to int }
	for i := 0; i < len(ys); i++ {
		if ys[i] <= 0 {
			continue
		}
		j := i
		for j < len(ys) && ys[j] > 0 {
			j++
		}
		out = append(out, struct{ from, to int }{i, j})
		i = j
	}
	return out
}

// latencyScale makes a latency panel's y axis logarithmic when its positive values span more
// than two decades, and labels it in durations either way.
func (f *frame) latencyScale(p *panel) {
	lo, hi := dataRange(p.over, false)
	p.logY = hi > 0 && lo > 0 && hi/lo > 100
	p.plot.Y.Tick.Marker = latencyTicks{log: p.logY}
	if p.logY {
		logAxis(p.over, false)
		p.plot.Y.Min, p.plot.Y.Max = math.Log10(lo)-0.15, math.Log10(hi)+0.15
		p.plot.Y.Label.Text += " (log scale)"
	}
}

// dataRange returns the smallest and largest x (or y) of the plotters.
func dataRange(pls []plot.Plotter, x bool) (lo, hi float64) {
	lo, hi = math.Inf(1), 0.0
	for _, pl := range pls {
		if dr, ok := pl.(plot.DataRanger); ok {
			xmin, xmax, ymin, ymax := dr.DataRange()
			if x {
				ymin, ymax = xmin, xmax
			}
			lo, hi = math.Min(lo, ymin), math.Max(hi, ymax)
		}
	}
	return lo, hi
}

// logAxis replaces the x (or y) values of the panel's lines and scatters by their log10. gonum's
// LogScale misplaces a centred axis label (at the linear middle of the range), so log axes
// are drawn as linear axes of log10 values with latencyTicks{log: true}.
func logAxis(pls []plot.Plotter, x bool) {
	for _, pl := range pls {
		var xys plotter.XYs
		switch v := pl.(type) {
		case *plotter.Line:
			xys = v.XYs
		case *plotter.Scatter:
			xys = v.XYs
		}
		for i := range xys {
			if x {
				xys[i].X = math.Log10(xys[i].X)
			} else {
				xys[i].Y = math.Log10(xys[i].Y)
			}
		}
	}
}

// The glyphs that mark failures on the downstream chart.
var (
	glyphCircle   = draw.CircleGlyph{}
	glyphTriangle = draw.TriangleGlyph{}
	glyphCross    = draw.CrossGlyph{}
	glyphSquare   = draw.SquareGlyph{}
)
