// Package reports turns a run's summary and series into what users read: the text summary,
// threshold verdicts, charts and the HTML report.
package reports

import (
	"fmt"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Evaluate checks every `slo:` entry against the summary, in order. A threshold naming a
// metric the summary does not have fails, with an error saying so.
func Evaluate(s *metrics.Summary, slo []string) []metrics.ThresholdResult {
	out := make([]metrics.ThresholdResult, 0, len(slo))
	for _, expr := range slo {
		t, err := scenarios.ParseThreshold(expr)
		if err != nil {
			out = append(out, metrics.ThresholdResult{Expr: expr, Error: err.Error()})
			continue
		}
		v, ok := s.Lookup(t.Metric)
		if !ok {
			out = append(out, metrics.ThresholdResult{Expr: t.Expr,
				Error: fmt.Sprintf("the summary has no metric %q", t.Metric)})
			continue
		}
		out = append(out, metrics.ThresholdResult{Expr: t.Expr, Value: v, OK: t.Holds(v)})
	}
	return out
}

// Failed counts the thresholds that did not hold.
func Failed(rs []metrics.ThresholdResult) int {
	n := 0
	for _, r := range rs {
		if !r.OK {
			n++
		}
	}
	return n
}
