package sweep

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"strings"

	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// htmlTmpl is sweep.html: one self-contained page, the charts inline as SVG.
var htmlTmpl = template.Must(template.New("sweep").Parse(reports.PageHead("Sweep of {{.Name}}", `th{position:sticky;top:0}td.err{text-align:left;color:#b00}
.bad{font-weight:bold}
`) + `<h1>Sweep of {{.Name}}</h1>
{{with .Description}}<p>{{.}}</p>{{end}}
<p>{{.Points}} points ({{.Invalid}} invalid, {{.Failed}} failed to run), seed {{.Seed}}, simulated.
Swept: {{range $i, $a := .Axes}}{{if $i}}; {{end}}<code>{{$a}}</code>{{end}}.
{{with .Fixed}}Set for every point: {{range $i, $a := .}}{{if $i}}; {{end}}<code>{{$a}}</code>{{end}}.{{end}}
Every metric of every point is in <code>sweep.csv</code>.</p>
{{range .Figures}}<figure>{{.SVG}}</figure>
{{end}}{{with .Missing}}<p>No point has {{range $i, $m := .}}{{if $i}}, {{end}}<code>{{$m}}</code>{{end}}: not charted.</p>{{end}}
<h2>Points</h2>
<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .Cells}}<td>{{.}}</td>{{end}}{{with .Err}}<td class="err" colspan="{{$.ErrSpan}}">{{.}}</td>{{end}}</tr>
{{end}}</table>
<h2>Scenario</h2>
<pre>{{.YAML}}</pre>
</body></html>
`))

type htmlView struct {
	Name, Description, YAML string
	Seed                    string
	Points, Invalid, Failed int
	Axes, Fixed, Missing    []string
	Figures                 []htmlFigure
	Header                  []string
	Rows                    []htmlRow
	ErrSpan                 int
}

type htmlFigure struct{ SVG template.HTML }

type htmlRow struct {
	Cells []string
	Err   string
}

// Report is what sweep.html shows.
type Report struct {
	Scenario *scenarios.Scenario
	Seed     int64
	Axes     []Axis
	Fixed    []Assignment
	Points   []Point
	Metrics  []string // the table's metric columns, as charted
	Figures  []Figure
	Missing  []string // metrics no point has
}

// WriteHTML writes sweep.html for a sweep.
func WriteHTML(w io.Writer, r Report) error {
	v := htmlView{Name: r.Scenario.Name, Description: strings.TrimSpace(r.Scenario.Description),
		YAML: string(r.Scenario.Source), Seed: fmt.Sprint(r.Seed), Points: len(r.Points),
		Missing: r.Missing, ErrSpan: len(r.Metrics) + 1}
	for _, a := range r.Axes {
		v.Axes = append(v.Axes, axisWords(a))
		v.Header = append(v.Header, a.Path)
	}
	for _, a := range r.Fixed {
		v.Fixed = append(v.Fixed, a.String())
	}
	v.Header = append(append(v.Header, r.Metrics...), "slo")
	for _, f := range r.Figures {
		v.Figures = append(v.Figures, htmlFigure{SVG: template.HTML(inlineSVG(f.SVG))})
	}
	for _, p := range r.Points {
		row := htmlRow{}
		for i, a := range r.Axes {
			row.Cells = append(row.Cells, Label(a.Kind, p.Values[i]))
		}
		if p.Err != nil {
			if errors.Is(p.Err, ErrInvalid) {
				row.Err = "INVALID, not run: " + p.Err.Error()
				v.Invalid++
			} else {
				row.Err = "FAILED: " + p.Err.Error()
				v.Failed++
			}
		} else {
			row.Cells = append(row.Cells, metricCells(p, r.Metrics)...)
		}
		v.Rows = append(v.Rows, row)
	}
	return htmlTmpl.Execute(w, v)
}

// WriteHTMLFile writes WriteHTML to path.
func WriteHTMLFile(path string, r Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write sweep html: %w", err)
	}
	if err := WriteHTML(f, r); err != nil {
		f.Close()
		return fmt.Errorf("write sweep html: %w", err)
	}
	return f.Close()
}

// axisWords describes an axis: "gateway.stage.rate: 100/s … 500/s, 5 values".
func axisWords(a Axis) string {
	first, last := Label(a.Kind, a.Values[0]), Label(a.Kind, a.Values[len(a.Values)-1])
	if len(a.Values) == 1 {
		return a.Path + " = " + first
	}
	return fmt.Sprintf("%s: %s … %s, %d values", a.Path, first, last, len(a.Values))
}

// inlineSVG turns a standalone SVG document into an element to put inside HTML: without the
// XML prolog, scaling to the page's width.
func inlineSVG(svg []byte) string {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return strings.Replace(s, "<svg ", `<svg class="chart" preserveAspectRatio="xMinYMin meet" `, 1)
}
