package reports

import (
	"bytes"
	"image/color"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// The look every chart of throttlelab shares, the run report's and the sweep's.

// Chart geometry in points (vg.Length): 750 pt is 1000 px at the PNG's 96 dpi, as wide as the
// report's page.
const (
	ChartWidth       vg.Length = 750
	ChartPanelHeight vg.Length = 375 // one panel: 1000×500 px
	chartExtraPanel  vg.Length = 240 // each further panel of a stacked chart
)

// StylePlot gives p the charts' look — sans-serif text, a bold 13 pt title, its title and y
// label — and returns a light grid to draw under the data.
func StylePlot(p *plot.Plot, title, ylabel string) *plotter.Grid {
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font,
		&p.Y.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font} {
		f.Variant = "Sans"
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = ylabel
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	return g
}

// ChartColor returns the i-th colour of the charts' palette (Tableau 10), cycling.
func ChartColor(i int) color.Color { return palette[i%len(palette)] }

// FixSVGFonts gives an SVG chart's text fallbacks: gonum names only the font it measured text
// with (Liberation Sans), which is metric-compatible with Arial and Helvetica.
func FixSVGFonts(svg []byte) []byte {
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
}
