package model

import (
	"errors"
	"testing"
	"time"
)

// winEpoch is a Monday, 10:30:00.25 UTC: not aligned to a second, a minute or a day.
var winEpoch = time.Date(2026, 1, 5, 10, 30, 0, 250_000_000, time.UTC)

func mustWin(t *testing.T, cfg QuotaConfig, epoch time.Time) Window {
	t.Helper()
	w, err := NewWindow(cfg, epoch)
	if err != nil {
		t.Fatalf("NewWindow(%+v): %v", cfg, err)
	}
	return w
}

// winStep is one call at a fixed instant with its expected answers.
type winStep struct {
	at    time.Duration
	allow bool          // expected Allow
	free  time.Duration // expected Free before the Allow
}

func runWinSteps(t *testing.T, w Window, steps []winStep) {
	t.Helper()
	for i, s := range steps {
		if got := w.Free(s.at); got != s.free {
			t.Errorf("winStep %d: Free(%v) = %v, want %v", i, s.at, got, s.free)
		}
		if got := w.Allow(s.at); got != s.allow {
			t.Errorf("winStep %d: Allow(%v) = %v, want %v", i, s.at, got, s.allow)
		}
	}
}

func TestWindowFixedAlignedToSeconds(t *testing.T) {
	// epoch is at .25 s: the whole second boundaries fall at now = 750ms, 1750ms, …
	w := mustWin(t, QuotaConfig{Limit: 2, Per: time.Second}, winEpoch)
	ms := time.Millisecond
	runWinSteps(t, w, []winStep{
		{0, true, 0},
		{100 * ms, true, 100 * ms},
		{200 * ms, false, 750 * ms},
		{749 * ms, false, 750 * ms},
		{750 * ms, true, 750 * ms},
		{751 * ms, true, 751 * ms},
		{752 * ms, false, 1750 * ms},
		{1750 * ms, true, 1750 * ms},
	})
	if got := w.Count(1750 * ms); got != 1 {
		t.Errorf("Count = %d, want 1", got)
	}
	if got := w.Count(2750 * ms); got != 0 {
		t.Errorf("Count in a later window = %d, want 0", got)
	}
}

// The fixed window admits 2×Limit within a span much shorter than Per when the span
// straddles a boundary: DESIGN.md's reason for counting over sliding windows.
func TestWindowFixedAdmitsDoubleAcrossBoundary(t *testing.T) {
	const limit = 100
	w := mustWin(t, QuotaConfig{Limit: limit, Per: time.Second}, winEpoch)
	boundary := 750 * time.Millisecond
	admitted := 0
	for i := range 2 * limit {
		at := boundary - 10*time.Millisecond + time.Duration(i)*100*time.Microsecond
		if w.Allow(at) {
			admitted++
		}
	}
	if admitted != 2*limit {
		t.Fatalf("admitted %d in 20ms across a boundary, want %d", admitted, 2*limit)
	}
	s := mustWin(t, QuotaConfig{Limit: limit, Per: time.Second, Window: "sliding"}, winEpoch)
	admitted = 0
	for i := range 2 * limit {
		if s.Allow(boundary - 10*time.Millisecond + time.Duration(i)*100*time.Microsecond) {
			admitted++
		}
	}
	if admitted != limit {
		t.Fatalf("sliding admitted %d, want %d", admitted, limit)
	}
}

// A day tier resets at UTC midnight whatever the epoch's time of day.
func TestWindowFixedDayAcrossUTCMidnight(t *testing.T) {
	epoch := time.Date(2026, 3, 9, 23, 59, 58, 0, time.UTC)
	w := mustWin(t, QuotaConfig{Limit: 3, Per: 24 * time.Hour}, epoch)
	s := time.Second
	runWinSteps(t, w, []winStep{
		{0, true, 0},
		{s / 2, true, s / 2},
		{s, true, s},
		{3 * s / 2, false, 2 * s},
		{2*s - 1, false, 2 * s},
		{2 * s, true, 2 * s}, // 2026-03-10T00:00:00Z
		{2 * s, true, 2 * s},
		{3 * s, true, 3 * s},
		{4 * s, false, 2*s + 24*time.Hour},
	})
	if got := w.Count(10 * time.Hour); got != 3 {
		t.Errorf("Count = %d, want 3", got)
	}
}

// The zero epoch stands for 0001-01-01T00:00:00Z, itself a UTC midnight.
func TestWindowFixedZeroEpoch(t *testing.T) {
	w := mustWin(t, QuotaConfig{Limit: 1, Per: 24 * time.Hour}, time.Time{})
	runWinSteps(t, w, []winStep{
		{0, true, 0},
		{time.Hour, false, 24 * time.Hour},
		{24 * time.Hour, true, 24 * time.Hour},
	})
}

func TestWindowSlidingTable(t *testing.T) {
	w := mustWin(t, QuotaConfig{Limit: 3, Per: time.Second, Window: "sliding"}, winEpoch)
	ms := time.Millisecond
	runWinSteps(t, w, []winStep{
		{0, true, 0},
		{100 * ms, true, 100 * ms},
		{100 * ms, true, 100 * ms},
		{500 * ms, false, 1000 * ms},
		{999 * ms, false, 1000 * ms},
		{1000 * ms, true, 1000 * ms}, // (0, 1000] no longer holds the event at 0
		{1000 * ms, false, 1100 * ms},
		{1100 * ms, true, 1100 * ms}, // both events at 100ms leave at once
		{1100 * ms, true, 1100 * ms},
		{1100 * ms, false, 2000 * ms},
	})
	if got := w.Count(1100 * ms); got != 3 {
		t.Errorf("Count(1.1s) = %d, want 3", got)
	}
	if got := w.Count(2050 * ms); got != 2 {
		t.Errorf("Count(2.05s) = %d, want 2", got)
	}
}

// dense returns n attempt instants over span, bunched so that some instants repeat.
func winDense(n int, span time.Duration) []time.Duration {
	at := make([]time.Duration, n)
	for i := range at {
		// a sawtooth of bursts: groups of 7 at one instant, spaced irregularly
		at[i] = time.Duration(i/7) * span / time.Duration(n/7+1)
		if i%13 == 0 {
			at[i] += span / time.Duration(3*n)
		}
	}
	for i := 1; i < n; i++ {
		at[i] = max(at[i], at[i-1])
	}
	return at
}

// winMaxInAnyWindow scans every interval (t−per, t] ending at an admission.
func winMaxInAnyWindow(admits []time.Duration, per time.Duration) int {
	best, lo := 0, 0
	for hi, t := range admits {
		for admits[lo] <= t-per {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

func TestWindowSlidingNeverExceedsLimitBruteForce(t *testing.T) {
	for _, tc := range []struct {
		limit int64
		per   time.Duration
	}{{1, time.Second}, {5, time.Second}, {64, 100 * time.Millisecond}, {1000, time.Minute}} {
		w := mustWin(t, QuotaConfig{Limit: tc.limit, Per: tc.per, Window: "sliding"}, winEpoch)
		var admits []time.Duration
		for _, at := range winDense(20000, 7*tc.per) {
			free := w.Free(at)
			ok := w.Allow(at)
			if ok != (free == at) {
				t.Fatalf("limit %d at %v: Allow %v but Free %v", tc.limit, at, ok, free)
			}
			if ok {
				admits = append(admits, at)
			}
		}
		if got := winMaxInAnyWindow(admits, tc.per); got != int(tc.limit) {
			t.Errorf("limit %d per %v: at most %d in a window, want exactly %d",
				tc.limit, tc.per, got, tc.limit)
		}
	}
}

func TestWindowSlidingApproxNeverExceedsLimit(t *testing.T) {
	const limit = maxExactSliding + 1
	per := time.Second
	w := mustWin(t, QuotaConfig{Limit: limit, Per: per, Window: "sliding"}, winEpoch)
	if _, ok := w.(*slidingApprox); !ok {
		t.Fatalf("limit %d: got %T, want the approximation", limit, w)
	}
	// 3 s of attempts, 1000 at each of 3000 instants: admissions come in lumps.
	var admits []time.Duration
	var counts []int
	for i := range 3000 {
		at := time.Duration(i) * time.Millisecond
		n := 0
		for range 10000 {
			if !w.Allow(at) {
				if f := w.Free(at); f <= at {
					t.Fatalf("Allow refused at %v but Free = %v", at, f)
				}
				break
			}
			n++
		}
		if n > 0 {
			admits = append(admits, at)
			counts = append(counts, n)
		}
	}
	lo, sum, total := 0, 0, 0
	for hi, at := range admits {
		sum += counts[hi]
		total += counts[hi]
		for admits[lo] <= at-per {
			sum -= counts[lo]
			lo++
		}
		if sum > limit {
			t.Fatalf("%d admitted in (%v, %v], limit %d", sum, at-per, at, limit)
		}
	}
	if total < 2*limit { // it forgets at most a sub-bucket late
		t.Errorf("admitted %d in 3 s, want at least %d", total, 2*limit)
	}
}

func TestWindowSlidingApproxFreeExact(t *testing.T) {
	w := newSlidingApprox(QuotaConfig{Limit: 10, Per: 1024 * time.Millisecond})
	for range 10 {
		w.Allow(5 * time.Millisecond) // bucket 5 (g = 1ms)
	}
	want := 6*time.Millisecond + 1024*time.Millisecond
	if got := w.Free(100 * time.Millisecond); got != want {
		t.Fatalf("Free = %v, want %v", got, want)
	}
	if w.Allow(want - 1) {
		t.Fatalf("Allow one ns before Free succeeded")
	}
	if !w.Allow(want) {
		t.Fatalf("Allow at Free refused")
	}
}

func TestWindowTokenBucketTable(t *testing.T) {
	// rate 10 per 1 s, burst 10, starts full.
	w := mustWin(t, QuotaConfig{Limit: 10, Per: time.Second, Window: "token-bucket"}, winEpoch)
	for i := range 10 {
		if !w.Allow(0) {
			t.Fatalf("Allow #%d at 0 refused: the bucket should start full", i)
		}
	}
	ms := time.Millisecond
	runWinSteps(t, w, []winStep{
		{0, false, 100 * ms},
		{50 * ms, false, 100 * ms},
		{100 * ms, true, 100 * ms},
		{100 * ms, false, 200 * ms},
		{1200 * ms, true, 1200 * ms},
	})
	if got := w.Count(1200 * ms); got != 1 {
		t.Errorf("Count = %d, want 1", got)
	}
}

// Free is exact for every window: Allow refuses just before it and admits at it.
func TestWindowFreeExact(t *testing.T) {
	for _, name := range []string{"fixed", "sliding", "token-bucket"} {
		for _, per := range []time.Duration{time.Second, 7 * time.Millisecond, 3 * time.Hour} {
			cfg := QuotaConfig{Limit: 3, Per: per, Window: name}
			w := mustWin(t, cfg, winEpoch)
			now := 5 * time.Millisecond
			for w.Allow(now) {
			}
			f := w.Free(now)
			probe := mustWin(t, cfg, winEpoch)
			for probe.Allow(now) {
			}
			if f <= now {
				t.Fatalf("%s/%v: Free = %v after refusal at %v", name, per, f, now)
			}
			if probe.Allow(f - 1) {
				t.Errorf("%s/%v: Allow(Free-1ns) succeeded", name, per)
			}
			if !w.Allow(f) {
				t.Errorf("%s/%v: Allow(Free) refused", name, per)
			}
		}
	}
}

func TestWindowRegistry(t *testing.T) {
	want := []string{"fixed", "sliding", "token-bucket"}
	got := WindowNames()
	for _, n := range want {
		found := false
		for _, g := range got {
			found = found || g == n
		}
		if !found {
			t.Errorf("WindowNames() = %v, missing %q", got, n)
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("RegisterWindow of a duplicate did not panic")
		}
	}()
	RegisterWindow("fixed", newFixedWindow)
}

func TestWindowConfigErrors(t *testing.T) {
	if _, err := NewWindow(QuotaConfig{Limit: 1, Per: time.Second, Window: "leaky"}, winEpoch); !errors.Is(err, ErrUnknownWindow) {
		t.Errorf("unknown window: err = %v, want ErrUnknownWindow", err)
	}
	for _, cfg := range []QuotaConfig{{}, {Limit: 0, Per: time.Second}, {Limit: 1, Per: 0}, {Limit: -1, Per: time.Second}} {
		if _, err := NewWindow(cfg, winEpoch); err == nil {
			t.Errorf("NewWindow(%+v) succeeded, want an error", cfg)
		}
	}
	if _, err := NewQuotas([]QuotaConfig{{Limit: 1, Per: time.Second}, {}}, winEpoch); err == nil {
		t.Errorf("NewQuotas with a bad tier succeeded")
	}
}

func TestQuotasAllOrNothing(t *testing.T) {
	q, err := NewQuotas([]QuotaConfig{
		{Limit: 2, Per: time.Second, Window: "sliding"},
		{Limit: 3, Per: 24 * time.Hour}, // fixed, resets at UTC midnight
	}, winEpoch)
	if err != nil {
		t.Fatal(err)
	}
	s := time.Second
	for i, c := range []struct {
		at   time.Duration
		ok   bool
		tier int
		free time.Duration
	}{
		{0, true, -1, 0},
		{0, true, -1, 0},
		{s / 2, false, 0, s},
		{s, true, -1, s},
		{s, false, 1, 13*time.Hour + 30*time.Minute - s/4},
		{2 * s, false, 1, 13*time.Hour + 30*time.Minute - s/4},
	} {
		if got := q.Free(c.at); got != c.free {
			t.Errorf("case %d: Free(%v) = %v, want %v", i, c.at, got, c.free)
		}
		ok, tier := q.Allow(c.at)
		if ok != c.ok || tier != c.tier {
			t.Errorf("case %d: Allow(%v) = %v, %d; want %v, %d", i, c.at, ok, tier, c.ok, c.tier)
		}
	}
	// A refusal by tier 0 recorded nothing in tier 1.
	if got := q.Tier(1).Count(2 * s); got != 3 {
		t.Errorf("tier 1 Count = %d, want 3", got)
	}
	if q.Len() != 2 {
		t.Errorf("Len = %d", q.Len())
	}
	var zero Quotas
	if ok, tier := zero.Allow(0); !ok || tier != -1 {
		t.Errorf("zero Quotas Allow = %v, %d", ok, tier)
	}
}

func TestWindowAllowDoesNotAllocate(t *testing.T) {
	for _, name := range []string{"fixed", "sliding", "token-bucket"} {
		w := mustWin(t, QuotaConfig{Limit: 1000, Per: time.Second, Window: name}, winEpoch)
		now := time.Duration(0)
		allocs := testing.AllocsPerRun(1000, func() {
			now += time.Millisecond
			w.Allow(now)
			w.Free(now)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Allow+Free", name, allocs)
		}
	}
}
