package reports

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/throttlelab/throttlelab/scenarios"
)

// downstream is the calls made to the rate-limited API per second, against its quota tiers.
func (f *frame) downstream() *chart {
	if !f.nonzero("downstream_calls") {
		return nil
	}
	title := "Calls to the downstream API"
	tiers := downstreamTiers(f.in.Scenario)
	if len(tiers) > 0 {
		title += fmt.Sprintf(" (quota utilization %s)", pctWords(f.in.Summary.Metrics["downstream_utilization"], 1))
	}
	p := newPanel(title, "calls per second")
	f.outages(p)
	f.breaker(p)
	f.column(p, "calls", aggMean, lineStyle{color: colOffered, width: vg.Points(3)}, "downstream_calls")
	f.column(p, "2xx", aggMean, lineStyle{color: colAdmitted, width: vg.Points(1)}, "downstream_ok")
	f.tierLines(p, tiers)
	for _, m := range []struct {
		label, col string
		shape      draw.GlyphDrawer
	}{{"429", "downstream_429", glyphCircle}, {"5xx", "downstream_5xx", glyphTriangle},
		{"timeout", "downstream_timeouts", glyphCross}, {"connection reset", "downstream_resets", glyphSquare}} {
		c := colFail
		if m.col == "downstream_429" {
			c = colThrottle
		}
		f.marks(p, m.label, m.col, c, m.shape)
	}
	f.finish(p)
	return &chart{name: "downstream", panels: []*panel{p},
		caption: "Calls the consumer made to the downstream API per second, its quota tiers as per-second lines, and the calls it answered 429 or failed, marked where they happened."}
}

// tierLines draws each quota tier as its calls per second; a tier far above the calls is only
// named in the legend, so that it does not flatten them.
func (f *frame) tierLines(p *panel, tiers []scenarios.Quota) {
	peak := 1.0
	if _, ys := f.values(f.in.Series, aggMean, "downstream_calls"); len(ys) > 0 {
		peak = max(slices.Max(ys), 1)
	}
	for i, t := range tiers {
		rate := float64(t.Limit) / t.Per.D().Seconds()
		label := tierLabel(t)
		if rate > 3*peak {
			p.legend.Add(label + ": far above the calls, not drawn")
			continue
		}
		p.hline(label, rate, f.ax.end, lineStyle{color: tierColors[i%len(tierColors)]})
	}
}

// tierColors draw the quota tiers' lines, dark enough to read against the data.
var tierColors = []color.Color{colLimit, rgb(0xb07aa1), rgb(0x76b7b2), rgb(0x9c755f)}

// chartMaxMarks is how many seconds with failures a chart marks with glyphs; more are drawn as
// a line, which stays readable over a day.
const chartMaxMarks = 150

// marks draws the seconds in which a failure column is not 0: as glyphs when they are few, as
// a line otherwise. It draws nothing when the column is 0 throughout.
func (f *frame) marks(p *panel, label, col string, c color.Color, shape draw.GlyphDrawer) {
	xs, ys := f.values(f.in.Series, aggMean, col)
	p.cols[col] = true
	n := 0
	for _, y := range ys {
		if y != 0 {
			n++
		}
	}
	switch {
	case n == 0:
	case n <= chartMaxMarks:
		p.points(label, xs, ys, c, shape)
	default:
		p.line(label, xs, ys, lineStyle{color: c, width: vg.Points(1)}, false)
	}
}

// downstreamTiers returns the downstream API's quota tiers, or nil when the scenario is
// unknown.
func downstreamTiers(sc *scenarios.Scenario) []scenarios.Quota {
	if sc == nil || sc.Downstream == nil {
		return nil
	}
	return sc.Downstream.Quotas
}

// tierLabel names a quota tier: "quota 20/1s (sliding)", with its per-second equivalent when
// its period is not a second.
func tierLabel(t scenarios.Quota) string {
	s := fmt.Sprintf("quota %s/%s", count(float64(t.Limit)), scenarios.ShortDuration(t.Per.D()))
	if t.Window != "" {
		s += " (" + t.Window + ")"
	}
	if t.Per.D() != time.Second {
		s += " ≈ " + strconv.FormatFloat(float64(t.Limit)/t.Per.D().Seconds(), 'g', 3, 64) + "/s"
	}
	return s
}

// outages shades the downstream API's outage windows of the scenario.
func (f *frame) outages(p *panel) {
	if f.in.Scenario == nil || f.in.Scenario.Downstream == nil {
		return
	}
	var spans []span
	var modes []string
	for _, o := range f.in.Scenario.Downstream.Outages {
		spans = append(spans, span{o.At.D().Seconds(), (o.At.D() + o.For.D()).Seconds()})
		m := o.Mode
		if o.Status != 0 {
			m += " " + strconv.Itoa(o.Status)
		}
		if !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	p.shade("API outage ("+strings.Join(modes, ", ")+")", spans, colOutage)
}

// breaker shades the seconds in which the circuit breaker was open.
func (f *frame) breaker(p *panel) {
	if v := f.in.Series.Column("breaker_open"); v != nil {
		p.cols["breaker_open"] = true
		p.shadeStrip("circuit breaker open", spansOf(v), colBreaker, 0.06)
	}
}

// queues is each queue's depth and oldest message age, and the messages dead-lettered.
func (f *frame) queues() *chart {
	qs := seriesNames(f.in.Series, "queue", "depth")
	var depth, age, dlq []string
	for _, q := range qs {
		depth = append(depth, "queue."+q+".depth")
		age = append(age, "queue."+q+".oldest_age_seconds")
		dlq = append(dlq, "queue."+q+".dlq")
	}
	if len(qs) == 0 || !f.nonzero(append(depth, "queue_sent")...) {
		return nil
	}
	c := &chart{name: "queues",
		caption: "Messages in each queue (visible, in flight and delayed), how long the oldest had waited, and messages moved to a dead-letter queue."}
	panels := []struct {
		title, ylabel string
		cols          []string
		how           agg
	}{
		{"Queue depth", "messages", depth, aggMax},
		{"Age of the oldest message", "oldest message's age", age, aggMax},
		{"Dead-lettered messages", "messages per second", dlq, aggMean},
	}
	for i, pn := range panels {
		if i == 2 && !f.nonzero(dlq...) {
			break
		}
		p := newPanel(pn.title, pn.ylabel)
		for j, q := range qs {
			f.column(p, q, pn.how, lineStyle{color: ChartColor(j)}, pn.cols[j])
		}
		if i == 1 {
			p.plot.Y.Tick.Marker = latencyTicks{}
		}
		f.finish(p)
		c.panels = append(c.panels, p)
	}
	return c
}

// concurrency is the workers in use against the concurrency limit, with the breaker's open
// windows and the API's outages shaded.
func (f *frame) concurrency() *chart {
	if !f.nonzero("concurrency_limit", "concurrency_in_use") {
		return nil
	}
	p := newPanel("Concurrency: workers in use against the limit", "concurrent invocations")
	f.outages(p)
	f.breaker(p)
	f.column(p, "in use (read at each second's end)", aggMax, lineStyle{color: colOffered}, "concurrency_in_use")
	if f.nonzero("concurrency_limit") {
		f.column(p, "limit", aggMax, lineStyle{color: colLimit, width: vg.Points(1)}, "concurrency_limit")
	}
	f.finish(p)
	return &chart{name: "concurrency", panels: []*panel{p},
		caption: "Lambda invocations running at the end of each second against the function's concurrency limit; shaded: circuit breaker open, downstream outages."}
}

// leftoverAlarms draws the series of the alarms no other chart showed, with their ALARM
// intervals shaded.
func (f *frame) leftoverAlarms() *chart {
	p := newPanel("Series watched by alarms", "value per second")
	n := 0
	for _, a := range f.in.Alarms {
		if f.shown[a.Name] || !f.in.Series.Has(a.Metric) || p.cols[a.Metric] {
			continue
		}
		f.column(p, a.Metric, aggMean, lineStyle{color: ChartColor(n)}, a.Metric)
		n++
	}
	if n == 0 {
		return nil
	}
	f.finish(p)
	return &chart{name: "alarms", panels: []*panel{p},
		caption: "Series that alarms watch and no other chart shows; shaded: the intervals each alarm was in ALARM."}
}
