package main

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/internal/num"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/trace"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// analysisTmpl is analysis.html: one self-contained page, the charts inline as SVG.
var analysisTmpl = template.Must(template.New("analysis").Funcs(template.FuncMap{"count": count64}).Parse(reports.PageHead("Analysis of {{.Name}}", `table{font-size:.9em}td.l,th.l{text-align:left}
`) + `<h1>Analysis of {{.Name}}</h1>
<p>{{count .Requests}} requests ({{.Format}}) from {{.From}} over {{.Span}}, {{printf "%.3g" .Mean}} per second on average;
at most {{count .PeakSecond}} in one second, {{count .PeakMinute}} in one minute, {{count .PeakHour}} in one hour (UTC clock periods).
{{range .Notes}}<br>{{.}}{{end}}</p>
<h2>Arrival curve</h2>
<p>For each rate r, the smallest burst b(r) with which a token bucket of rate r, full at the start, throttles none of
these requests: a stage or usage-plan throttle of <code>{rate: r, burst: b(r)}</code> admits the whole log, and one
burst less throttles some of it. Below the mean rate no burst suffices for long.</p>
<figure>{{.CurveSVG}}</figure>
<table><tr><th>rate (/s)</th><th>burst</th></tr>
{{range .Curve}}<tr><td>{{.Rate}}</td><td>{{count .Burst}}</td></tr>
{{end}}</table>
<h2>Rate over time</h2>
<figure>{{.RateSVG}}</figure>
<h2>API keys</h2>
<table><tr><th class="l">key</th><th>requests</th></tr>
{{range .Keys}}<tr><td class="l">{{.Name}}</td><td>{{count .Count}}</td></tr>
{{end}}</table>
<h2>Usage-plan quota periods</h2>
<p>The busiest of each period AWS usage plans meter (UTC, offset 0): a quota below it refuses requests.</p>
<table><tr><th class="l">period</th><th class="l">from</th><th>requests</th></tr>
{{range .Periods}}<tr><td class="l">{{.Kind}}</td><td class="l">{{.Start.Format "2006-01-02"}}</td><td>{{count .Count}}</td></tr>
{{end}}</table>
</body></html>
`))

type analysisView struct {
	Name, Format, From, Span         string
	Requests                         int64
	Mean                             float64
	PeakSecond, PeakMinute, PeakHour int64
	Notes                            []string
	CurveSVG, RateSVG                template.HTML
	Curve                            []trace.CurvePoint
	Keys                             []trace.Count
	Periods                          []trace.Period
}

// writeAnalysisHTML draws the curve and the rate over time (SVG and PNG) and writes
// analysis.html into dir.
func writeAnalysisHTML(dir string, a *trace.Analysis) error {
	v := analysisView{Name: a.Name, Format: a.Format, Requests: a.Requests, Mean: a.MeanRate(),
		From: time.Unix(0, a.Origin).UTC().Format(time.RFC3339), Span: time.Duration(a.End - a.Origin).Round(time.Millisecond).String(),
		PeakSecond: a.PeakSecond.Count, PeakMinute: a.PeakMinute.Count, PeakHour: a.PeakHour.Count,
		Curve: a.Curve, Periods: a.Periods, Notes: trace.Summary{Format: a.Format, Stats: a.Stats}.Notes(a.Name)}
	for k, n := range analysisDoc(a).Keys {
		v.Keys = append(v.Keys, trace.Count{Name: k, Count: n})
	}
	sortCounts(v.Keys)
	for name, p := range map[string]*plot.Plot{"curve": curvePlot(a), "rate": ratePlot(a)} {
		svg, err := writeChart(dir, name, p)
		if err != nil {
			return err
		}
		if name == "curve" {
			v.CurveSVG = svg
		} else {
			v.RateSVG = svg
		}
	}
	var b bytes.Buffer
	if err := analysisTmpl.Execute(&b, v); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "analysis.html"), b.Bytes(), 0o644)
}

// sortCounts sorts the busiest first, then by name.
func sortCounts(c []trace.Count) {
	slices.SortFunc(c, func(x, y trace.Count) int { return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Name, y.Name)) })
}

// inlineChart turns a standalone SVG document into an element for the page, without its XML
// prolog, scaling to the page's width (as the run report and sweep.html inline theirs).
func inlineChart(svg []byte) template.HTML {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(strings.Replace(s, "<svg ", `<svg preserveAspectRatio="xMinYMin meet" `, 1))
}

// curvePlot draws b(r) against r, both on log scales when they span a decade or more.
func curvePlot(a *trace.Analysis) *plot.Plot {
	p := newAnalysisPlot("Arrival curve: the smallest burst that throttles nothing", "burst (requests)")
	p.X.Label.Text = "rate (requests per second)"
	var xys plotter.XYs
	for _, c := range a.Curve {
		xys = append(xys, plotter.XY{X: c.Rate, Y: float64(c.Burst)})
	}
	if lp, pp, err := plotter.NewLinePoints(xys); err == nil {
		lp.Color, lp.Width = reports.ChartColor(0), vg.Points(1.5)
		pp.Color, pp.Radius, pp.Shape = reports.ChartColor(0), vg.Points(3), draw.CircleGlyph{}
		p.Add(lp, pp)
	}
	if n := len(xys); n > 1 && xys[n-1].X >= 10*xys[0].X {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	if n := len(xys); n > 1 && xys[0].Y >= 100*xys[n-1].Y {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	} else {
		p.Y.Min = 0
	}
	return p
}

// ratePlot draws requests per second over the trace, from its timeline.
func ratePlot(a *trace.Analysis) *plot.Plot {
	w := a.Timeline.Width
	p := newAnalysisPlot(fmt.Sprintf("Requests per second (mean over %s)", w), "requests per second")
	unit, name := time.Second, "seconds"
	if span := time.Duration(len(a.Timeline.Counts)) * w; span > 3*time.Hour {
		unit, name = time.Hour, "hours"
	} else if span > 3*time.Minute {
		unit, name = time.Minute, "minutes"
	}
	p.X.Label.Text = name + " since the first request"
	var xys plotter.XYs
	for i, n := range a.Timeline.Counts {
		x := float64(time.Duration(i)*w) / float64(unit)
		xys = append(xys, plotter.XY{X: x, Y: float64(n) / w.Seconds()},
			plotter.XY{X: x + float64(w)/float64(unit), Y: float64(n) / w.Seconds()})
	}
	if l, err := plotter.NewLine(xys); err == nil {
		l.Color, l.Width = reports.ChartColor(0), vg.Points(1)
		p.Add(l)
	}
	p.Y.Min = 0
	return p
}

func newAnalysisPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Add(reports.StylePlot(p, title, ylabel))
	return p
}

// writeChart writes p as NAME.svg and NAME.png into dir and returns the SVG for inlining.
func writeChart(dir, name string, p *plot.Plot) (template.HTML, error) {
	var svg template.HTML
	for _, format := range []string{"svg", "png"} {
		wt, err := p.WriterTo(reports.ChartWidth, reports.ChartPanelHeight, format)
		if err != nil {
			return "", fmt.Errorf("chart %s: %w", name, err)
		}
		var b bytes.Buffer
		if _, err := wt.WriteTo(&b); err != nil {
			return "", fmt.Errorf("chart %s: %w", name, err)
		}
		data := b.Bytes()
		if format == "svg" {
			data = reports.FixSVGFonts(data)
			svg = inlineChart(data)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"."+format), data, 0o644); err != nil {
			return "", fmt.Errorf("write chart: %w", err)
		}
	}
	return svg, nil
}

// count64 writes a count as the rest of throttlelab's output does: 106,932.
func count64(n int64) string { return num.Count(float64(n)) }
