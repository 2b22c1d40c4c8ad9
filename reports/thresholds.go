// Package reports turns a run's summary and series into what users read: the text summary,
// threshold verdicts, charts and the HTML report.
package reports

import (
	"fmt"
	"strings"

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
			out = append(out, metrics.ThresholdResult{Expr: t.Expr, Error: missingMetric(s, t.Metric)})
			continue
		}
		out = append(out, metrics.ThresholdResult{Expr: t.Expr, Value: v, OK: t.Holds(v)})
	}
	return out
}

// missingMetric explains why the summary has no metric name. An alarm's first_fired_seconds
// and seconds_after_event exist only once it fired, so a threshold on them fails when it did not.
func missingMetric(s *metrics.Summary, name string) string {
	if rest, ok := strings.CutPrefix(name, "alarm."); ok {
		if i := strings.LastIndexByte(rest, '.'); i > 0 {
			if fired, ok := s.Metrics["alarm."+rest[:i]+".fired_total"]; ok && fired == 0 {
				return fmt.Sprintf("alarm %q never fired, so the summary has no %q", rest[:i], name)
			}
		}
	}
	return fmt.Sprintf("the summary has no metric %q", name)
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
