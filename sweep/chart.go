package sweep

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/throttlelab/throttlelab/reports"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

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
		c := reports.ChartColor(i)
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

// newPlot returns an empty plot in the run report's style (reports.StylePlot), its legend top
// left.
func newPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Add(reports.StylePlot(p, title, ylabel))
	p.Legend.TextStyle.Font.Variant = "Sans"
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = 10
	return p
}

func encodeFigure(metric string, p *plot.Plot) (Figure, bool, error) {
	f := Figure{Metric: metric}
	for _, format := range []string{"svg", "png"} {
		wt, err := p.WriterTo(reports.ChartWidth, reports.ChartPanelHeight, format)
		if err != nil {
			return Figure{}, false, fmt.Errorf("chart %s: %w", metric, err)
		}
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return Figure{}, false, fmt.Errorf("chart %s: %w", metric, err)
		}
		if format == "svg" {
			f.SVG = reports.FixSVGFonts(buf.Bytes())
		} else {
			f.PNG = buf.Bytes()
		}
	}
	return f, true, nil
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
			if err := os.WriteFile(filepath.Join(dir, reports.SafeName(m)+ext), data, 0o644); err != nil {
				return nil, nil, fmt.Errorf("write chart: %w", err)
			}
		}
		figs = append(figs, f)
	}
	return figs, missing, nil
}
