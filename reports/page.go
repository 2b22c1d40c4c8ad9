package reports

// The pages other than a run's report — sweep, recommend, analyze and the comparison of
// designs — share one look: PageHead writes their head with this style and each page's own
// rules after it.

// pageStyle is the shared style: font, width, headings, figures, tables and code blocks.
const pageStyle = `body{font-family:'Liberation Sans',Arial,Helvetica,sans-serif;margin:2em auto;max-width:1040px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
figure{margin:1.5em 0}figure svg,svg.chart{width:100%;height:auto}
table{border-collapse:collapse;font-size:.85em}
th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:right;vertical-align:top}
th{background:#f4f4f4}
.bad{color:#b00}.ok{color:#2a7a2a}
pre{background:#f8f8f8;padding:1em;overflow:auto;font-size:.85em}
`

// PageHead is the text of a page's head, up to and including <body>, for a template: title
// may hold template actions ({{.Name}}), and css is the page's own rules, which follow the
// shared ones and so override them.
func PageHead(title, css string) string {
	return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + title +
		"</title>\n<style>\n" + pageStyle + css + "</style></head><body>\n"
}
