package reports

import (
	"math"
	"slices"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
)

// goldenQuantiles returns latencies at metrics.LatencyGrid that pass through the given min,
// p50, p90, p99 and max, interpolated linearly on the nines axis between them.
func goldenQuantiles(lo, p50, p90, p99, hi float64) []float64 {
	knots := []struct{ y, v float64 }{{0, lo}, {nines(0.5), p50}, {1, p90}, {2, p99}, {5, hi}}
	out := make([]float64, len(metrics.LatencyGrid))
	for i, q := range metrics.LatencyGrid {
		y := 5.0
		if q < 1 {
			y = min(5, nines(q))
		}
		k := 1
		for k < len(knots)-1 && knots[k].y < y {
			k++
		}
		a, b := knots[k-1], knots[k]
		out[i] = a.v + (b.v-a.v)*(y-a.y)/(b.y-a.y)
	}
	return out
}

// TestLatencyCDFDrawsTheQuantiles draws 1,000 completed requests from the summary's quantiles
// and checks the line: every quantile that 1,000 requests resolve (0 to 0.999: 109 of them)
// and the maximum, on a nines axis labelled up to p99.9.
func TestLatencyCDFDrawsTheQuantiles(t *testing.T) {
	s := &metrics.Summary{Metrics: map[string]float64{"completed_total": 1000, "e2e_seconds_p50": 0.05,
		"e2e_seconds_p90": 0.2, "e2e_seconds_p99": 0.9, "e2e_seconds_max": 2},
		Latency: &metrics.LatencyQuantiles{Quantiles: metrics.LatencyGrid, E2E: goldenQuantiles(0.01, 0.05, 0.2, 0.9, 2)}}
	b, err := chartNamed(t, Input{Summary: s, Series: spikeSeries(10, 5)}, "latency-cdf").encode("svg")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, b)
	for _, want := range []string{"from the run's latency histograms (3 significant digits)", "min", "p50", "p90", "p99", "p99.9", "all requests"} {
		if !slices.Contains(doc.texts, want) {
			t.Errorf("the chart has no text %q; texts: %q", want, doc.texts)
		}
	}
	if slices.Contains(doc.texts, "p99.99") {
		t.Error("the axis names p99.99, which 1,000 requests do not resolve")
	}
	line := doc.stroked(t, "stroke:#4E79A7;stroke-width:1.5")
	if len(line.pts) != 110 {
		t.Fatalf("the line has %d points, want 110 (109 quantiles and the maximum)", len(line.pts))
	}
	// Its last two points, p99.9 and the maximum, are both at 3 nines: level.
	last, prev := line.pts[109], line.pts[108]
	if math.Abs(last[1]-prev[1]) > 0.01 || last[0] <= prev[0] {
		t.Errorf("the maximum %v is not level with p99.9 %v and right of it", last, prev)
	}
	for i := 1; i < len(line.pts); i++ {
		if line.pts[i][0] < line.pts[i-1][0]-0.01 || line.pts[i][1] < line.pts[i-1][1]-0.01 {
			t.Fatalf("the line turns back at point %d: %v after %v", i, line.pts[i], line.pts[i-1])
		}
	}
}

// TestLatencyCDFStepBoundWithoutQuantiles draws a summary written before latency_quantiles:
// the step bound through p50, p90, p99 and max, and a title that says so.
func TestLatencyCDFStepBoundWithoutQuantiles(t *testing.T) {
	s := goldenSummary()
	s.Latency = nil
	c := chartNamed(t, Input{Summary: s, Series: spikeSeries(10, 5)}, "latency-cdf")
	b, err := c.encode("svg")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, b)
	for _, want := range []string{"a step bound through the summary's p50, p90, p99 and max, not a measured CDF", "max"} {
		if !slices.Contains(doc.texts, want) {
			t.Errorf("the chart has no text %q; texts: %q", want, doc.texts)
		}
	}
	// A post-step line through 4 points has 7: each point, and a corner before each but the first.
	if n := len(doc.stroked(t, "stroke:#4E79A7;stroke-width:1.5").pts); n != 7 {
		t.Errorf("the step bound has %d points, want 7", n)
	}
}
