package reports

import (
	"bytes"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The charts of a report, in the order the report shows them. Each is written as NAME.png and
// NAME.svg; a chart is left out when the run has nothing to show on it.
//
//   - traffic: requests offered, attempts, gateway-admitted, 429s and 403s per second.
//   - traffic-clients: each client's offered, admitted and 429s on its own scale (several
//     clients only).
//   - latency: end-to-end p50 and p99 of the requests completed in each second.
//   - latency-cdf: the summary's end-to-end percentiles as a step bound of the distribution.
//   - downstream: calls per second against each quota tier, 429s and failures marked.
//   - queues: depth, age of the oldest message and dead-letter arrivals per queue.
//   - concurrency: workers in use against the limit, breaker-open and outage windows shaded.
//   - alarms: the series of alarms that no other chart draws.
//
// Every time chart shades the intervals in which an alarm on one of its series was in ALARM,
// and, in mode both, draws the simulated series dashed over the measured one.

// chart is one figure: one or more panels stacked over a shared time axis.
type chart struct {
	name    string // file name without extension
	caption string // a sentence for the report, under the figure
	panels  []*panel
}

// panel is one plot and its legend, which is drawn in a column right of the plot so that it
// never hides data. Plotters are collected in two layers, shaded bands under lines, and added
// to the plot by frame.finish.
type panel struct {
	plot   *plot.Plot
	legend plot.Legend
	under  []plot.Plotter
	over   []plot.Plotter
	cols   map[string]bool // series columns drawn, for alarm shading
	logY   bool            // the y values are log10 of the data (see logAxis)
}

// newPanel returns an empty panel with a title, a y label and the report's styling.
func newPanel(title, ylabel string) *panel {
	p := plot.New()
	g := StylePlot(p, title, ylabel)
	p.X.Padding, p.Y.Padding = 0, 0
	return &panel{plot: p, legend: newLegend(), under: []plot.Plotter{g}, cols: map[string]bool{}}
}

// newLegend returns an empty legend in the report's style, drawn top left of its column.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = 10
	l.TextStyle.Font.Variant = "Sans"
	l.ThumbnailWidth = vg.Points(18)
	l.Padding = vg.Points(2)
	return l
}

// height is the chart's canvas height.
func (c *chart) height() vg.Length {
	return ChartPanelHeight + vg.Length(len(c.panels)-1)*chartExtraPanel
}

// encode draws the chart in format "svg" or "png".
func (c *chart) encode(format string) ([]byte, error) {
	cv, err := draw.NewFormattedCanvas(ChartWidth, c.height(), format)
	if err != nil {
		return nil, err
	}
	c.draw(draw.New(cv))
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, err
	}
	if format == "svg" {
		return FixSVGFonts(buf.Bytes()), nil
	}
	return buf.Bytes(), nil
}

// draw lays the panels out top to bottom with aligned data areas and their legends in a
// column on the right.
func (c *chart) draw(dc draw.Canvas) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	const pad vg.Length = 8
	dc = draw.Crop(dc, pad, -pad, pad/2, -pad/2)
	var legendW vg.Length
	for _, p := range c.panels {
		if w := legendWidth(&p.legend); w > legendW {
			legendW = w
		}
	}
	// gonum measures legend text in Liberation Sans; a browser without it or Arial draws the
	// inline SVG in a wider sans-serif (DejaVu Sans, up to 15 % wider), which the legend's
	// column must still hold.
	legendW *= legendSlack
	plotArea := dc
	if legendW > 0 {
		plotArea = draw.Crop(dc, 0, -(legendW + pad), 0, 0)
	}
	plots := make([][]*plot.Plot, len(c.panels))
	for i, p := range c.panels {
		plots[i] = []*plot.Plot{p.plot}
		if i < len(c.panels)-1 {
			p.plot.X.Label.Text = "" // the bottom panel names the shared time axis
		}
	}
	tiles := draw.Tiles{Rows: len(c.panels), Cols: 1, PadY: vg.Points(4)}
	canvases := plot.Align(plots, tiles, plotArea)
	for i, p := range c.panels {
		p.plot.Draw(canvases[i][0])
		data := p.plot.DataCanvas(canvases[i][0])
		lc := dc
		lc.Min.X = plotArea.Max.X + pad
		lc.Max.Y = data.Max.Y
		lc.Min.Y = data.Min.Y
		p.legend.Draw(lc)
	}
}

// legendSlack is the room a legend's column leaves for a wider fallback font.
const legendSlack = 1.15

// legendWidth is the width a legend needs, 0 when it is empty.
func legendWidth(l *plot.Legend) vg.Length {
	r := l.Rectangle(draw.Canvas{})
	return r.Max.X - r.Min.X
}

// inlineSVG turns a standalone SVG document into an element to put inside HTML: without the
// XML prolog and comment, and scaling to the page's width.
func inlineSVG(svg []byte) string {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return strings.Replace(s, "<svg ", `<svg class="chart" preserveAspectRatio="xMinYMin meet" `, 1)
}
