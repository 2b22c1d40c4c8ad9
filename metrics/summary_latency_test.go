package metrics

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLatencyGrid(t *testing.T) {
	g := LatencyGrid
	if len(g) != 128 || g[0] != 0 || g[50] != 0.5 || g[90] != 0.9 || g[99] != 0.99 || g[108] != 0.999 ||
		g[117] != 0.9999 || g[126] != 0.99999 || g[127] != 1 {
		t.Errorf("grid %v", g)
	}
	if !slices.IsSorted(g) {
		t.Error("the grid is not in order")
	}
}

// TestLatencyQuantiles records 1..1000 ms for client a and 10 requests of 2 s for client b, and
// checks the exported distribution against the summary's percentiles.
func TestLatencyQuantiles(t *testing.T) {
	r := newTestRecorder()
	for i := 1; i <= 1000; i++ {
		r.Completed(time.Second, 0, time.Duration(i)*time.Millisecond)
	}
	for range 10 {
		r.Completed(time.Second, 1, 2*time.Second)
	}
	s, _ := r.Finish(2*time.Second, nil)
	l := s.Latency
	if l == nil || !slices.Equal(l.Quantiles, LatencyGrid) || len(l.E2E) != len(LatencyGrid) {
		t.Fatalf("latency quantiles %+v", l)
	}
	at := func(v []float64, q float64) float64 { return v[slices.Index(LatencyGrid, q)] }
	for q, key := range map[float64]string{0.5: "e2e_seconds_p50", 0.9: "e2e_seconds_p90", 0.99: "e2e_seconds_p99", 1: "e2e_seconds_max"} {
		if got, want := at(l.E2E, q), s.Metrics[key]; got != want {
			t.Errorf("quantile %v: %v, want %s %v", q, got, key, want)
		}
	}
	if l.E2E[0] != 0.001 || !slices.IsSorted(l.E2E) {
		t.Errorf("all requests: min %v, in order %v", l.E2E[0], slices.IsSorted(l.E2E))
	}
	// Client a's 25th percentile is 250 ms, to the histogram's 3 significant digits.
	if got := at(l.PerClient["a"], 0.25); got < 0.25 || got > 0.2503 {
		t.Errorf("client a p25 = %v, want 250 ms", got)
	}
	if got := at(l.PerClient["b"], 0.01); got < 2 || got > 2.002 {
		t.Errorf("client b p1 = %v, want 2 s", got)
	}
	if _, ok := l.PerPriority["normal"]; ok || len(l.PerPriority) != 2 {
		t.Errorf("per priority %v, want high and batch only", keys(l.PerPriority))
	}
}

func TestLatencyQuantilesLeftOutWithoutCompletions(t *testing.T) {
	s, _ := newTestRecorder().Finish(time.Second, nil)
	if s.Latency != nil {
		t.Fatalf("latency quantiles %+v for a run without completions", s.Latency)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "latency_quantiles") {
		t.Error("summary.json has latency_quantiles for a run without completions")
	}
}

func keys(m map[string][]float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
