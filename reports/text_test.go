package reports

import (
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
)

// TestUtilizationWords: the summary line says "no quota" when successful calls used none of
// one (the API has none), and the percentage otherwise, 0% included when no call succeeded.
func TestUtilizationWords(t *testing.T) {
	for _, c := range []struct {
		m    map[string]float64
		want string
	}{
		{map[string]float64{"downstream_ok_total": 195792, "downstream_utilization": 0}, "no quota"},
		{map[string]float64{"downstream_ok_total": 500, "downstream_utilization": 0.62}, "62.0%"},
		{map[string]float64{"downstream_ok_total": 0, "downstream_utilization": 0}, "0.0%"},
	} {
		if got := utilization(c.m); got != c.want {
			t.Errorf("utilization(%v) = %q, want %q", c.m, got, c.want)
		}
	}
}

// TestWriteTextTarget: a target run's summary says what the target answered, by status, and
// prints no downstream line (nothing behind the target was emulated).
func TestWriteTextTarget(t *testing.T) {
	s := &metrics.Summary{Scenario: "t", Mode: "live", Target: "http://127.0.0.1:8080", Metrics: map[string]float64{
		"offered_total": 1500, "attempts_total": 1500, "gateway_admitted_total": 500, "gateway_throttled_total": 990,
		"gateway_quota_exceeded_total": 10, "gateway_backend_errors_total": 0, "completed_total": 500, "rejected_total": 1000}}
	var b strings.Builder
	WriteText(&b, s)
	out := b.String()
	if !strings.Contains(out, "  target      attempts 1,500 · 2xx 500 · 429 1,000 · 403 0 · 5xx, other or no answer 0\n") ||
		strings.Contains(out, "downstream") || strings.Contains(out, "  gateway ") {
		t.Errorf("target run's text summary:\n%s", out)
	}
	s.Target = ""
	b.Reset()
	WriteText(&b, s)
	if out := b.String(); !strings.Contains(out, "  gateway     attempts 1,500") || !strings.Contains(out, "  downstream  calls 0") {
		t.Errorf("a run without a target:\n%s", out)
	}
}
