package sweep

import (
	"bytes"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Chart geometry as the run report's (reports/charts.go): 750 × 375 pt, 1000 × 500 px.
const (
	chartWidth  vg.Length = 750
	chartHeight vg.Length = 375
)

// palette is the run report's (Tableau 10).
var palette = []color.Color{rgb(0x4e79a7), rgb(0xf28e2b), rgb(0x59a14f), rgb(0xe15759),
	rgb(0x76b7b2), rgb(0xb07aa1), rgb(0x9c755f), rgb(0xff9da7), rgb(0xedc948), rgb(0xbab0ac)}

func rgb(v uint32) color.Color {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// Figure is one chart of a sweep, encoded.
type Figure struct {
	Metric string
	SVG    []byte
	PNG    []byte
}

// series is one line of a chart: the points sharing the values of every axis but the first.
type series struct {
	label string
	xys   plotter.XYs
}

// seriesOf groups the points that ran and have metric into lines, in grid order.
func seriesOf(metric string, axes []Axis, pts []Point) []series {
	var out []series
	index := map[string]int{}
	for _, p := range pts {
		if p.Summary == nil {
			continue
		}
		v, ok := p.Summary.Lookup(metric)
		if !ok {
			continue
		}
		var parts []string
		for i, a := range axes[1:] {
			parts = append(parts, a.Path+"="+Label(a.Kind, p.Values[i+1]))
		}
		label := strings.Join(parts, ", ")
		i, ok := index[label]
		if !ok {
			i = len(out)
			index[label] = i
			out = append(out, series{label: label})
		}
		out[i].xys = append(out[i].xys, plotter.XY{X: p.Values[0], Y: v})
	}
	return out
}

// Chart draws metric against the first axis, one line per combination of the other axes'
// values. It returns false when no point has the metric.
func Chart(metric string, axes []Axis, pts []Point) (Figure, bool, error) {
	lines := seriesOf(metric, axes, pts)
	if len(lines) == 0 {
		return Figure{}, false, nil
	}
	p := newPlot(metric+" against "+axes[0].Path, metric)
	p.X.Label.Text = axes[0].Path
	if u := axes[0].Kind.Unit(); u != "" {
		p.X.Label.Text += " (" + u + ")"
	}
	for i, s := range lines {
		lp, pp, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return Figure{}, false, fmt.Errorf("chart %s: %w", metric, err)
		}
		c := palette[i%len(palette)]
		lp.Color, lp.Width = c, vg.Points(1.5)
		pp.Color, pp.Radius, pp.Shape = c, vg.Points(3), draw.CircleGlyph{}
		p.Add(lp, pp)
		if s.label != "" {
			p.Legend.Add(s.label, lp, pp)
		}
	}
	p.Y.Min = min(p.Y.Min, 0)
	if p.Y.Max *= 1.05; !(p.Y.Max > p.Y.Min) {
		p.Y.Max = p.Y.Min + 1
	}
	return encodeFigure(metric, p)
}

// newPlot returns an empty plot in the run report's style: sans-serif, bold title, a light
// grid, the legend top left.
func newPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font,
		&p.Y.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font,
		&p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = ylabel
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = 10
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = color.Gray{Y: 225}, color.Gray{Y: 225}
	p.Add(g)
	return p
}

func encodeFigure(metric string, p *plot.Plot) (Figure, bool, error) {
	f := Figure{Metric: metric}
	for _, format := range []string{"svg", "png"} {
		wt, err := p.WriterTo(chartWidth, chartHeight, format)
		if err != nil {
			return Figure{}, false, fmt.Errorf("chart %s: %w", metric, err)
		}
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return Figure{}, false, fmt.Errorf("chart %s: %w", metric, err)
		}
		if format == "svg" {
			f.SVG = fixSVGFonts(buf.Bytes())
		} else {
			f.PNG = buf.Bytes()
		}
	}
	return f, true, nil
}

// fixSVGFonts gives the SVG's text fallbacks, as the run report does: gonum names only
// Liberation Sans, which is metric-compatible with Arial and Helvetica.
func fixSVGFonts(svg []byte) []byte {
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
}

// Charts draws a chart of each metric any point has, and writes each into dir as
// METRIC.svg and METRIC.png. It returns the figures drawn and the metrics left out.
func Charts(dir string, metrics []string, axes []Axis, pts []Point) ([]Figure, []string, error) {
	var figs []Figure
	var missing []string
	for _, m := range metrics {
		f, ok, err := Chart(m, axes, pts)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			missing = append(missing, m)
			continue
		}
		for ext, data := range map[string][]byte{".svg": f.SVG, ".png": f.PNG} {
			if err := os.WriteFile(filepath.Join(dir, fileName(m)+ext), data, 0o644); err != nil {
				return nil, nil, fmt.Errorf("write chart: %w", err)
			}
		}
		figs = append(figs, f)
	}
	return figs, missing, nil
}

// fileName turns a metric name into a file name: characters other than letters, digits, _,
// - and . become _.
func fileName(metric string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			return r
		}
		return '_'
	}, metric)
}
