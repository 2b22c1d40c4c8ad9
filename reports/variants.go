package reports

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Variant is one design of a comparison scenario and its finished run.
type Variant struct {
	Name        string
	Description string
	Dir         string // its run directory, relative to the comparison's
	Summary     *metrics.Summary
}

// comparisonRows are the metrics a comparison shows, in order, with how to format them.
var comparisonRows = []struct {
	metric, label string
	format        func(float64) string
}{
	{"offered_total", "offered", count},
	{"completed_total", "completed", count},
	{"rejected_total", "rejected", count},
	{"failed_total", "failed (DLQ, timeouts)", count},
	{"in_flight_at_end", "in flight at the end", count},
	{"lost_total", "lost", count},
	{"gateway_throttled_total", "gateway 429", count},
	{"downstream_calls_total", "downstream calls", count},
	{"downstream_429_total", "downstream 429", count},
	{"downstream_5xx_total", "downstream 5xx", count},
	{"downstream_utilization", "quota utilization", pct},
	{"dlq_total", "dead-lettered", count},
	{"queue_wait_seconds_mean", "queue wait, mean", secs},
	{"e2e_seconds_p50", "end to end p50", secs},
	{"e2e_seconds_p99", "end to end p99", secs},
	{"cost_usd_total", "cost of the run", usd},
	{"cost_usd_per_million", "cost per million requests", usd},
	{"cost.api_gateway_usd", "  API Gateway", usd},
	{"cost.sqs_usd", "  SQS", usd},
	{"cost.lambda_requests_usd", "  Lambda requests", usd},
	{"cost.lambda_compute_usd", "  Lambda compute", usd},
	{"cost.step_functions_usd", "  Step Functions", usd},
	{"cost.dynamodb_reads_usd", "  DynamoDB reads", usd},
	{"cost.dynamodb_writes_usd", "  DynamoDB writes", usd},
}

// VariantMetrics flattens the variants' metrics into one map, "variant.NAME.METRIC", so that
// a comparison scenario's summary can be compared with an earlier run's.
func VariantMetrics(vs []Variant) map[string]float64 {
	m := map[string]float64{}
	for _, v := range vs {
		for k, x := range v.Summary.Metrics {
			m["variant."+v.Name+"."+k] = x
		}
	}
	return m
}

// LedgerMetrics are the metrics of the ledger, which a comparison's summary also totals over
// its variants.
var LedgerMetrics = []string{"offered_total", "completed_total", "rejected_total", "failed_total",
	"in_flight_at_end", "lost_total"}

// VariantTotals sums LedgerMetrics over the variants, for the top level of a comparison's
// summary (offered_total − completed_total − … = lost_total holds there too), and adds
// variants_unbalanced: how many variants have a lost_total other than 0, so that a variant
// that lost requests and one that counted some twice cannot cancel out unseen.
func VariantTotals(vs []Variant) map[string]float64 {
	m := map[string]float64{"variants_unbalanced": 0}
	for _, name := range LedgerMetrics {
		m[name] = 0
	}
	for _, v := range vs {
		for _, name := range LedgerMetrics {
			m[name] += v.Summary.Metrics[name]
		}
		if v.Summary.Ledger.Lost != 0 {
			m["variants_unbalanced"]++
		}
	}
	return m
}

// VariantLedger adds up the variants' ledgers: counts summed, reasons merged, and a verdict
// that names each variant whose ledger does not balance.
func VariantLedger(vs []Variant) metrics.Ledger {
	l := metrics.Ledger{Rejected: map[string]int64{}, Failed: map[string]int64{}, InFlight: map[string]int64{}}
	var bad []string
	for _, v := range vs {
		vl := v.Summary.Ledger
		l.Offered += vl.Offered
		l.Completed += vl.Completed
		l.Lost += vl.Lost
		addCounts(l.Rejected, vl.Rejected)
		addCounts(l.Failed, vl.Failed)
		addCounts(l.InFlight, vl.InFlight)
		if vl.Lost != 0 {
			bad = append(bad, "variant "+v.Name+": "+vl.Verdict)
		}
	}
	l.Verdict = "every request of every variant is accounted for"
	if len(bad) > 0 {
		l.Verdict = strings.Join(bad, "; ")
	}
	return l
}

func addCounts(to, from map[string]int64) {
	for k, n := range from {
		to[k] += n
	}
}

// WriteComparison prints the variants side by side.
func WriteComparison(w io.Writer, vs []Variant) {
	fmt.Fprintf(w, "%-28s", "")
	for _, v := range vs {
		fmt.Fprintf(w, " %16s", v.Name)
	}
	fmt.Fprintln(w)
	for _, row := range comparisonRows {
		if !anyHas(vs, row.metric) {
			continue
		}
		fmt.Fprintf(w, "%-28s", row.label)
		for _, v := range vs {
			fmt.Fprintf(w, " %16s", row.format(v.Summary.Metrics[row.metric]))
		}
		fmt.Fprintln(w)
	}
}

func anyHas(vs []Variant, metric string) bool {
	for _, v := range vs {
		if v.Summary.Metrics[metric] != 0 {
			return true
		}
	}
	return false
}

// WriteComparisonCSV writes one row per compared metric, one column per variant.
func WriteComparisonCSV(path string, vs []Variant) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	cw := csv.NewWriter(f)
	head := []string{"metric"}
	for _, v := range vs {
		head = append(head, v.Name)
	}
	_ = cw.Write(head)
	for _, row := range comparisonRows {
		rec := []string{row.metric}
		for _, v := range vs {
			rec = append(rec, strconv.FormatFloat(v.Summary.Metrics[row.metric], 'g', 8, 64))
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write comparison: %w", err)
	}
	return f.Close()
}

var comparisonPage = template.Must(template.New("c").Parse(PageHead("{{.Name}}: designs compared", `td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:600;margin:.5em 0}
.bad{font-weight:600}
`) + `<h1>{{.Name}}: designs compared</h1><p>{{.Description}}</p>
<table><caption>The same traffic through each design</caption>
<tr><th></th>{{range .Variants}}<th><a href="{{.Dir}}/report.html">{{.Name}}</a></th>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Label}}</td>{{range .Cells}}<td{{if .Bad}} class="bad"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table>
<h2>The designs</h2><ul>{{range .Variants}}<li><b>{{.Name}}</b>: {{.Description}} (<a href="{{.Dir}}/report.html">full report</a>)</li>{{end}}</ul>
</body></html>
`))

// WriteComparisonHTML writes a self-contained page with the variants side by side, linking
// to each variant's own report.
func WriteComparisonHTML(path string, sc *scenarios.Scenario, vs []Variant) error {
	type cell struct {
		Text string
		Bad  bool
	}
	type row struct {
		Label string
		Cells []cell
	}
	var rows []row
	for _, r := range comparisonRows {
		if !anyHas(vs, r.metric) {
			continue
		}
		rw := row{Label: r.label}
		for _, v := range vs {
			x := v.Summary.Metrics[r.metric]
			bad := x > 0 && (r.metric == "lost_total" || r.metric == "downstream_429_total" || r.metric == "dlq_total")
			rw.Cells = append(rw.Cells, cell{Text: r.format(x), Bad: bad})
		}
		rows = append(rows, rw)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write comparison page: %w", err)
	}
	data := map[string]any{"Name": sc.Name, "Description": sc.Description, "Variants": vs, "Rows": rows}
	if err := comparisonPage.Execute(f, data); err != nil {
		f.Close()
		return fmt.Errorf("write comparison page: %w", err)
	}
	return f.Close()
}
