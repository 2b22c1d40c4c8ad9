package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/throttlelab/throttlelab/metrics"
)

// gridOf is a histogram's values at LatencyGrid, in seconds, as a summary carries them.
func gridOf(h *hdr.Histogram) []float64 {
	out := make([]float64, len(metrics.LatencyGrid))
	for i, q := range metrics.LatencyGrid {
		out[i] = float64(h.ValueAtQuantile(math.Round(q*1e7)/1e5)) / 1e6
	}
	return out
}

// TestMergeQuantilesOne: one distribution comes back as it was, plateaus included.
func TestMergeQuantilesOne(t *testing.T) {
	h := hdr.New(1, 1e12, 3)
	for _, v := range []int64{1000, 1000, 1000, 2000, 5000} {
		_ = h.RecordValue(v)
	}
	vals := gridOf(h)
	got := mergeQuantiles(metrics.LatencyGrid, []latencyDist{{vals, 5}})
	if !slices.Equal(got, vals) {
		t.Errorf("merged one distribution:\n got %v\nwant %v", got, vals)
	}
}

// TestMergeQuantilesMixture: two shards' quantiles merged agree with the quantiles of the
// pooled requests, within the 3 significant digits of the histograms and the grid's spacing.
func TestMergeQuantilesMixture(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, b, all := hdr.New(1, 1e12, 3), hdr.New(1, 1e12, 3), hdr.New(1, 1e12, 3)
	for range 20000 {
		v := int64(5000 + rng.ExpFloat64()*20000) // 5 ms + exp(20 ms)
		_ = a.RecordValue(v)
		_ = all.RecordValue(v)
	}
	for range 10000 {
		v := int64(50000 + rng.NormFloat64()*5000) // around 50 ms
		_ = b.RecordValue(v)
		_ = all.RecordValue(v)
	}
	got := mergeQuantiles(metrics.LatencyGrid, []latencyDist{{gridOf(a), 20000}, {gridOf(b), 10000}})
	want := gridOf(all)
	for i, q := range metrics.LatencyGrid {
		if q > 0.999 || q == 0 {
			continue // beyond a 1/1000 of 30,000 requests the tails are a handful of samples
		}
		if d := math.Abs(got[i]-want[i]) / want[i]; d > 0.03 {
			t.Errorf("quantile %g: merged %.5fs, pooled %.5fs (%.1f%% off)", q, got[i], want[i], 100*d)
		}
	}
	if got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
		t.Errorf("min %g/%g, max %g/%g: the extremes are exact", got[0], want[0], got[len(got)-1], want[len(want)-1])
	}
}
