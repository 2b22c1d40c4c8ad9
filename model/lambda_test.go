package model

import (
	"testing"
	"time"
)

func TestPool(t *testing.T) {
	p := NewPool(2)
	for i, tc := range []struct {
		acquire   bool // else release
		ok        bool
		inUse     int
		throttles int64
	}{
		{true, true, 1, 0},
		{true, true, 2, 0},
		{true, false, 2, 1},
		{true, false, 2, 2},
		{false, true, 1, 2},
		{true, true, 2, 2},
		{false, true, 1, 2},
		{false, true, 0, 2},
	} {
		now := time.Duration(i) * time.Second
		ok := true
		if tc.acquire {
			ok = p.TryAcquire(now)
		} else {
			p.Release(now)
		}
		if ok != tc.ok || p.InUse() != tc.inUse || p.Throttles() != tc.throttles {
			t.Errorf("step %d: ok %v inUse %d throttles %d, want %v %d %d", i, ok, p.InUse(), p.Throttles(), tc.ok, tc.inUse, tc.throttles)
		}
	}
	if p.Limit() != 2 {
		t.Errorf("Limit = %d", p.Limit())
	}
}

func TestPoolZeroValueThrottles(t *testing.T) {
	var p Pool
	if p.TryAcquire(0) || p.Throttles() != 1 || NewPool(-3).Limit() != 0 {
		t.Error("a pool of limit 0 must throttle every acquisition")
	}
}

func TestPoolReleaseWithoutAcquirePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	NewPool(1).Release(0)
}

type rampStep struct {
	at      time.Duration
	backlog bool
	want    int
}

func runRamp(t *testing.T, r *PollerRamp, steps []rampStep) {
	t.Helper()
	for _, st := range steps {
		if got := r.Allowed(st.at, st.backlog); got != st.want {
			t.Errorf("Allowed(%v, %v) = %d, want %d", st.at, st.backlog, got, st.want)
		}
	}
}

// 5 batches, then 300 more per minute of backlog (one per 200ms), up to the limit.
func TestPollerRampScalesUp(t *testing.T) {
	runRamp(t, NewPollerRamp(1000), []rampStep{
		{0, false, 5},
		{10 * time.Second, true, 5}, // backlog appears: growth starts here
		{10*time.Second + 199*time.Millisecond, true, 5},
		{10*time.Second + 200*time.Millisecond, true, 6},
		{40 * time.Second, true, 155},
		{70 * time.Second, true, 305},
		{130 * time.Second, true, 605},
		{250 * time.Second, true, 1000}, // 1205 capped at the limit
		{time.Hour, true, 1000},
	})
}

func TestPollerRampCeiling(t *testing.T) {
	runRamp(t, NewPollerRamp(0), []rampStep{
		{0, true, 5},
		{4 * time.Minute, true, 1205},
		{5 * time.Minute, true, 1250}, // the mapping's ceiling
		{1000 * time.Hour, true, 1250},
	})
	runRamp(t, NewPollerRamp(3), []rampStep{{0, true, 3}, {time.Minute, true, 3}})
}

// A lull shorter than a minute holds the level (and does not grow it); a minute without
// backlog returns the ramp to 5.
func TestPollerRampScalesDown(t *testing.T) {
	runRamp(t, NewPollerRamp(0), []rampStep{
		{0, true, 5},
		{time.Minute, true, 305},
		{time.Minute + 30*time.Second, false, 305}, // no growth over the lull
		{time.Minute + 50*time.Second, true, 305},  // nor over its end
		{2 * time.Minute, true, 355},
		{2*time.Minute + 59*time.Second, false, 355},
		{3 * time.Minute, false, 5}, // a minute since the last backlog at 2m
		{4 * time.Minute, true, 5},
		{5 * time.Minute, true, 305},
	})
}

func TestPollerRampTimeNeverGoesBack(t *testing.T) {
	runRamp(t, NewPollerRamp(0), []rampStep{
		{time.Minute, true, 5},
		{2 * time.Minute, true, 305},
		{90 * time.Second, true, 305},
	})
}
