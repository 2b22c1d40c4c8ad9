package sweep

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// recommendTmpl is recommend.html: one self-contained page, the charts inline as SVG, in the
// style the pages share (reports.PageHead).
var recommendTmpl = template.Must(template.New("recommend").Parse(reports.PageHead("Recommendation for {{.Name}}", `th{position:sticky;top:0}td.why{text-align:left}
tr.best td{background:#eaf2fb;font-weight:bold}
`) + `<h1>Recommendation for {{.Name}}</h1>
{{with .Description}}<p>{{.}}</p>{{end}}
<pre>{{.Text}}</pre>
{{range .Figures}}<figure>{{.SVG}}</figure>
{{end}}
<h2>Configurations judged</h2>
<p>In the order they were judged, each on seeds {{.Seeds}}. Feasible: every SLO held on every seed.
Cost: the mean over the seeds of <code>cost_usd_per_million</code>.</p>
<table><tr><th>#</th>{{range .Header}}<th>{{.}}</th>{{end}}<th>feasible</th><th>cost per million</th><th>what failed</th></tr>
{{range .Rows}}<tr{{if .Best}} class="best"{{end}}><td>{{.Order}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}<td>{{if .Feasible}}<span class="ok">yes</span>{{else}}<span class="bad">no</span>{{end}}</td><td>{{.Cost}}</td><td class="why">{{.Why}}</td></tr>
{{end}}</table>
<h2>Scenario</h2>
<pre>{{.YAML}}</pre>
</body></html>
`))

type recommendView struct {
	Name, Description, YAML, Text, Seeds string
	Figures                              []htmlFigure
	Header                               []string
	Rows                                 []recommendRow
}

type recommendRow struct {
	Order          int
	Cells          []string
	Feasible, Best bool
	Cost, Why      string
}

// WriteHTML writes recommend.html: the text summary, the charts (RecommendCharts) and a row
// per configuration judged.
func (r *Recommendation) WriteHTML(w io.Writer, base *scenarios.Scenario, figs []Figure) error {
	var text bytes.Buffer
	r.WriteText(&text)
	v := recommendView{Name: r.Scenario, Description: strings.TrimSpace(base.Description),
		YAML: string(base.Source), Text: text.String(), Seeds: seedList(r.Seeds)}
	for _, f := range figs {
		v.Figures = append(v.Figures, htmlFigure{SVG: template.HTML(inlineSVG(f.SVG))})
	}
	for _, k := range r.Knobs {
		v.Header = append(v.Header, k.Path+" ("+k.Direction()+")")
	}
	for _, c := range r.Points {
		row := recommendRow{Order: c.Order, Feasible: c.Feasible, Best: c == r.Best,
			Cost: dollars(c.Cost), Why: strings.Join(c.Failing, "; ")}
		for j, k := range r.Knobs {
			row.Cells = append(row.Cells, Label(k.Kind, c.Values[j]))
		}
		v.Rows = append(v.Rows, row)
	}
	return recommendTmpl.Execute(w, v)
}

// WriteFiles writes the recommendation into dir: recommendation.json, recommend.html with its
// charts also as SVG and PNG files, and when a configuration was feasible recommended.yaml and,
// for a scenario imported from a template, template.patch.yaml. It returns the files written.
func (r *Recommendation) WriteFiles(dir string, base *scenarios.Scenario) ([]string, error) {
	var written []string
	write := func(name string, data []byte) error {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		written = append(written, name)
		return nil
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		return written, fmt.Errorf("write recommendation.json: %w", err)
	}
	if err := write("recommendation.json", js.Bytes()); err != nil {
		return written, err
	}
	if err := r.writePage(dir, base, write); err != nil {
		return written, err
	}
	if r.Best == nil {
		return written, nil
	}
	y, err := r.ScenarioYAML(base, dir)
	if err != nil {
		return written, err
	}
	if err := write(RecommendedName+".yaml", y); err != nil {
		return written, err
	}
	patch, ok, err := r.TemplatePatchYAML(base, dir)
	if err != nil || !ok {
		return written, err
	}
	return written, write("template.patch.yaml", patch)
}

// writePage writes the charts and recommend.html.
func (r *Recommendation) writePage(dir string, base *scenarios.Scenario, write func(string, []byte) error) error {
	figs, err := r.RecommendCharts()
	if err != nil {
		return err
	}
	for _, f := range figs {
		if err := write(f.Metric+".svg", f.SVG); err != nil {
			return err
		}
		if err := write(f.Metric+".png", f.PNG); err != nil {
			return err
		}
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page, base, figs); err != nil {
		return fmt.Errorf("write recommend.html: %w", err)
	}
	return write("recommend.html", page.Bytes())
}
