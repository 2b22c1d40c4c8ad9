package trace

import (
	"math"
	"math/rand/v2"
	"testing"
)

// directBurst is b(r) straight from its definition, in O(n²): t in nanoseconds, sorted.
func directBurst(t []int64, r float64) int64 {
	best := math.Inf(-1)
	for i := range t {
		for j := i; j < len(t); j++ {
			best = max(best, float64(j-i+1)-r*float64(t[j]-t[i])/1e9)
		}
	}
	return CeilBurst(best)
}

// randomTrace draws n sorted instants in milliseconds: quiet stretches, bursts, ties.
func randomTrace(rng *rand.Rand, n int) []int64 {
	t := make([]int64, n)
	at := int64(0)
	for i := range t {
		switch rng.IntN(10) {
		case 0:
			at += rng.Int64N(5000) // a quiet stretch
		case 1, 2:
			// the same millisecond
		default:
			at += rng.Int64N(40)
		}
		t[i] = at * 1e6
	}
	return t
}

func TestCurveEqualsTheDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	rates := []float64{0.5, 1, 7.25, 10, 33.3, 100, 250, 1000}
	for trial := range 40 {
		tr := randomTrace(rng, 1+rng.IntN(400))
		c := NewCurve(rates)
		for _, at := range tr {
			c.Add(at)
		}
		for k, p := range c.Points() {
			if want := directBurst(tr, rates[k]); p.Burst != want || p.Rate != rates[k] {
				t.Errorf("trial %d (%d requests), rate %g: burst %d, want %d", trial, len(tr), rates[k], p.Burst, want)
			}
		}
	}
}

func TestCurveExactCases(t *testing.T) {
	// Ten requests at once need a burst of ten at any rate; one request a second needs a
	// burst of one at 1/s, and three of them at 0.5/s need 3 − 0.5·2 = 2.
	cases := []struct {
		t    []int64
		r    float64
		want int64
	}{
		{make([]int64, 10), 1000, 10},
		{[]int64{0, 1e9, 2e9}, 1, 1},
		{[]int64{0, 1e9, 2e9}, 0.5, 2},
		{[]int64{0, 100e6, 200e6, 300e6}, 10, 1}, // exactly at the rate: 1e-9 forgives float dust
		{[]int64{0, 100e6, 200e6, 300e6}, 9.99, 2},
		{nil, 5, 0},
	}
	for _, c := range cases {
		cv := NewCurve([]float64{c.r})
		for _, at := range c.t {
			cv.Add(at)
		}
		if got := cv.Points()[0].Burst; got != c.want {
			t.Errorf("%v at %g/s: burst %d, want %d", c.t, c.r, got, c.want)
		}
	}
}

func TestDefaultRates(t *testing.T) {
	got := DefaultRates(2, 2000)
	if len(got) != 12 || got[0] != 2 || got[11] != 2000 || got[3] != 13.2 {
		t.Errorf("DefaultRates(2, 2000) = %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Errorf("not increasing: %v", got)
		}
	}
	if got := DefaultRates(5, 5); len(got) != 1 || got[0] != 5 {
		t.Errorf("DefaultRates(5, 5) = %v", got)
	}
}
