package model

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestWindowSlidingRingGrowsWithUse checks, at fixed instants, that a sliding window's log
// holds only the admissions of its current period: a large limit costs nothing until it is
// used, the ring doubles as admissions arrive and wraps around without losing order.
func TestWindowSlidingRingGrowsWithUse(t *testing.T) {
	ms := time.Millisecond
	w := mustWin(t, QuotaConfig{Limit: 12800, Per: time.Second, Window: "sliding"}, winEpoch).(*slidingWindow)
	type step struct {
		at      time.Duration
		calls   int
		n, ring int // kept instants and ring length after the calls
	}
	for i, s := range []step{
		{0, 0, 0, 0},               // never used: no ring
		{0, 1, 1, minSlidingRing},  // the first admission allocates the smallest ring
		{10 * ms, 15, 16, 16},      // full, not grown yet
		{20 * ms, 1, 17, 32},       // doubles
		{1000 * ms, 10, 26, 32},    // the call at 0 left (0 is not in (0, 1s]): 16+1-1+10
		{1015 * ms, 1, 12, 32},     // those at 10 ms left too: head wraps inside the ring
		{5000 * ms, 1, 1, 32},      // a quiet key keeps one instant
		{5000 * ms, 100, 101, 128}, // a burst grows it again
		{5500 * ms, 1000, 1101, 2048},
	} {
		for range s.calls {
			if !w.Allow(s.at) {
				t.Fatalf("step %d: Allow(%v) refused under the limit", i, s.at)
			}
		}
		if w.n != s.n || len(w.ring) != s.ring {
			t.Errorf("step %d at %v: %d instants in a ring of %d, want %d in %d", i, s.at, w.n, len(w.ring), s.n, s.ring)
		}
		if got := w.Count(s.at); got != int64(s.n) {
			t.Errorf("step %d: Count(%v) = %d, want %d", i, s.at, got, s.n)
		}
	}
}

// TestWindowSlidingRingCapsAtLimit fills a window whose limit is not a power of two: the ring
// stops at the limit, and the window then refuses until its oldest instant leaves.
func TestWindowSlidingRingCapsAtLimit(t *testing.T) {
	ms := time.Millisecond
	w := mustWin(t, QuotaConfig{Limit: 20, Per: time.Second, Window: "sliding"}, winEpoch).(*slidingWindow)
	for i := range 20 {
		if !w.Allow(time.Duration(i) * ms) {
			t.Fatalf("Allow %d refused", i)
		}
	}
	if len(w.ring) != 20 {
		t.Errorf("ring of %d, want 20 (the limit)", len(w.ring))
	}
	runWinSteps(t, w, []winStep{
		{500 * ms, false, 1000 * ms},
		{1000 * ms, true, 1000 * ms}, // the instant 0 leaves
		{1000 * ms, false, 1001 * ms},
		{1001 * ms, true, 1001 * ms},
		{3000 * ms, true, 3000 * ms}, // everything left: one kept
	})
	if w.n != 1 || len(w.ring) != 20 {
		t.Errorf("%d instants in a ring of %d, want 1 in 20", w.n, len(w.ring))
	}
}

// TestWindowSlidingMatchesNaiveLog drives the ring and a plain list of every admission (the
// definition of a sliding log) with the same random instants, some repeated, some earlier
// than the last: Allow, Free and Count agree at every step.
func TestWindowSlidingMatchesNaiveLog(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 30 {
		limit := int64(1 + rng.IntN(70))
		per := time.Duration(1+rng.IntN(1000)) * time.Millisecond
		w := mustWin(t, QuotaConfig{Limit: limit, Per: per, Window: "sliding"}, winEpoch)
		var log []time.Duration
		last, now := time.Duration(0), time.Duration(0)
		count := func(at time.Duration) (n int64) {
			for _, a := range log {
				if a > at-per {
					n++
				}
			}
			return n
		}
		for step := range 3000 {
			now += time.Duration(rng.IntN(int(3 * per / time.Duration(limit))))
			at := now
			if rng.IntN(10) == 0 {
				at -= per / 2 // an earlier instant counts as the latest admission
			}
			eff := max(at, last)
			wantFree := eff
			if count(eff) >= limit {
				wantFree = log[len(log)-int(limit)] + per
			}
			if got := w.Free(at); got != wantFree {
				t.Fatalf("round %d step %d: Free(%v) = %v, want %v", round, step, at, got, wantFree)
			}
			want := count(eff) < limit
			if got := w.Allow(at); got != want {
				t.Fatalf("round %d step %d: Allow(%v) = %v, want %v", round, step, at, got, want)
			}
			if want {
				log, last = append(log, eff), eff
			}
			if got, wantN := w.Count(at), count(eff); got != wantN {
				t.Fatalf("round %d step %d: Count(%v) = %d, want %d", round, step, at, got, wantN)
			}
		}
	}
}
