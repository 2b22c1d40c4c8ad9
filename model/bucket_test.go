package model

import (
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// The hand-written bucket decides as golang.org/x/time/rate does, over a dense random
// schedule, but for float rounding at the instant a token completes.
func TestRateBucketAgreesWithXTimeRate(t *testing.T) {
	epoch := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		rate  float64
		burst int
		gap   time.Duration // mean gap between requests
	}{{1000, 500, 300 * time.Microsecond}, {3, 1, 200 * time.Millisecond}, {2000, 5000, 100 * time.Microsecond}, {0.5, 10, time.Second}} {
		ours := newRateBucket(c.rate, c.burst, epoch)
		ref := rate.NewLimiter(rate.Limit(c.rate), c.burst)
		rng := rand.New(rand.NewPCG(1, 2))
		var now time.Duration
		var agree, oursN, refN int
		const n = 100_000
		for range n {
			now += time.Duration(rng.ExpFloat64() * float64(c.gap))
			a := ours.take(now)
			b := ref.AllowN(epoch.Add(now), 1)
			if a == b {
				agree++
			}
			if a {
				oursN++
			}
			if b {
				refN++
			}
		}
		if d := oursN - refN; d < -1 || d > 1 || agree < n-10 {
			t.Errorf("rate %v burst %d: admitted %d vs x/time/rate %d, %d of %d decisions agree", c.rate, c.burst, oursN, refN, agree, n)
		}
	}
}

func BenchmarkRateBucket(b *testing.B) {
	bk := newRateBucket(1000, 500, time.Time{})
	var now time.Duration
	for b.Loop() {
		now += 500 * time.Microsecond
		if ok, _ := bk.fits(now); ok {
			bk.take(now)
		}
	}
}
