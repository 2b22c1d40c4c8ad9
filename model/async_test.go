package model

import (
	"testing"
	"time"
)

func TestAsyncThrottleRetryDelay(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{-1, time.Second}, {0, time.Second},
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second},
		{8, 128 * time.Second}, {9, 256 * time.Second}, {10, 5 * time.Minute},
		{11, 5 * time.Minute}, {1 << 40, 5 * time.Minute},
	} {
		if got := ThrottleRetryDelay(tc.n); got != tc.want {
			t.Errorf("ThrottleRetryDelay(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	for n, want := range map[int]time.Duration{0: time.Minute, 1: time.Minute, 2: 2 * time.Minute, 3: 2 * time.Minute} {
		if got := ErrorRetryDelay(n); got != want {
			t.Errorf("ErrorRetryDelay(%d) = %v, want %v", n, got, want)
		}
	}
}

func newAsync(t *testing.T, cfg AsyncConfig) *AsyncQueue {
	t.Helper()
	q, err := NewAsyncQueue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// An event throttled at every attempt is retried at 1s, 3s, 7s, … 511s, then every 5
// minutes, and dropped when the next attempt would be past 6 hours.
func TestAsyncThrottledUntilMaxAge(t *testing.T) {
	q := newAsync(t, AsyncConfig{})
	q.Submit(0, 7)
	var (
		buf      []AsyncEvent
		attempts []time.Duration
	)
	for {
		at, ok := q.NextDue()
		if !ok {
			break
		}
		buf = q.Due(at, buf[:0])
		if len(buf) != 1 {
			t.Fatalf("Due(%v) returned %d events", at, len(buf))
		}
		attempts = append(attempts, at)
		q.Throttled(at, buf[0])
	}
	const s = time.Second
	head := []time.Duration{0, 1 * s, 3 * s, 7 * s, 15 * s, 31 * s, 63 * s, 127 * s, 255 * s, 511 * s, 811 * s}
	for i, want := range head {
		if attempts[i] != want {
			t.Errorf("attempt %d at %v, want %v", i, attempts[i], want)
		}
	}
	// 511s + 70×300s = 21511s ≤ 6h = 21600s; the next would be 21811s.
	if n, last := len(attempts), attempts[len(attempts)-1]; n != 80 || last != 21511*s {
		t.Errorf("%d attempts, last at %v; want 80, last at 21511s", n, last)
	}
	if q.Dropped() != 1 || q.Retries() != 79 || q.Len() != 0 || q.DeadLettered() != 0 {
		t.Errorf("dropped %d retries %d len %d dead %d, want 1 79 0 0",
			q.Dropped(), q.Retries(), q.Len(), q.DeadLettered())
	}
}

// The age limit is inclusive: an attempt at exactly Enqueued+MaxEventAge still happens.
func TestAsyncExpiryAtMaxEventAge(t *testing.T) {
	q := newAsync(t, AsyncConfig{})
	const h6 = 6 * time.Hour
	a, b := q.Submit(0, 1), q.Submit(0, 2)
	q.Due(0, nil)
	if !q.Throttled(h6-time.Second, a) { // first throttle: +1s lands on 6h exactly
		t.Error("retry at exactly 6h refused")
	}
	if q.Throttled(h6-time.Second+1, b) { // 1ns later: past 6h
		t.Error("retry at 6h+1ns accepted")
	}
	got := q.Due(h6, nil)
	if len(got) != 1 || got[0].ID != a.ID || got[0].Throttles != 1 || got[0].Due != h6 {
		t.Fatalf("Due(6h) = %+v", got)
	}
	if q.Throttled(h6, got[0]) || q.Dropped() != 2 {
		t.Errorf("retry after 6h accepted, or dropped %d != 2", q.Dropped())
	}
}

// An event whose age limit passed while it waited for a late Due is dropped there.
func TestAsyncDueDropsAgedOut(t *testing.T) {
	q := newAsync(t, AsyncConfig{MaxEventAge: time.Minute})
	q.Submit(0, 1)
	q.Submit(30*time.Second, 2)
	got := q.Due(time.Minute+time.Second, nil)
	if len(got) != 1 || got[0].Payload != 2 || q.Dropped() != 1 {
		t.Errorf("Due = %+v, dropped %d; want only payload 2, 1 dropped", got, q.Dropped())
	}
}

func TestAsyncFunctionErrors(t *testing.T) {
	q := newAsync(t, AsyncConfig{})
	q.Submit(0, 9)
	ev := q.Due(0, nil)[0]
	for i, tc := range []struct {
		failAt, due time.Duration
		retry       bool
	}{
		{10 * time.Second, 70 * time.Second, true},  // 1 min after the first failure
		{80 * time.Second, 200 * time.Second, true}, // 2 min after the second
		{230 * time.Second, 0, false},               // the third: dead-lettered
	} {
		if got := q.Failed(tc.failAt, ev); got != tc.retry {
			t.Fatalf("failure %d: retry %v, want %v", i+1, got, tc.retry)
		}
		if !tc.retry {
			break
		}
		if got := q.Due(tc.due-1, nil); len(got) != 0 {
			t.Fatalf("failure %d: due early: %+v", i+1, got)
		}
		ev = q.Due(tc.due, nil)[0]
		if ev.Errors != i+1 || ev.Due != tc.due {
			t.Fatalf("failure %d: event %+v", i+1, ev)
		}
	}
	if q.DeadLettered() != 1 || q.Retries() != 2 || q.Dropped() != 0 || q.Len() != 0 {
		t.Errorf("dead %d retries %d dropped %d len %d, want 1 2 0 0",
			q.DeadLettered(), q.Retries(), q.Dropped(), q.Len())
	}
	// MaxRetries -1: none. MaxEventAge bounds error retries too.
	q = newAsync(t, AsyncConfig{MaxRetries: -1})
	if q.Failed(0, q.Submit(0, 1)) || q.DeadLettered() != 1 {
		t.Error("MaxRetries -1 retried a function error")
	}
	q = newAsync(t, AsyncConfig{MaxEventAge: 90 * time.Second, MaxRetries: 1})
	if q.Failed(31*time.Second, q.Submit(0, 1)) || q.Dropped() != 1 {
		t.Error("an error retry past the age limit was kept")
	}
}

func TestAsyncDueOrder(t *testing.T) {
	q := newAsync(t, AsyncConfig{})
	a, b := q.Submit(0, 'a'), q.Submit(0, 'b')
	if got := q.Due(0, nil); len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("Due(0) = %+v", got)
	}
	q.Throttled(0, b) // both due at 1s: b throttled first, a submitted first
	q.Throttled(0, a)
	q.Submit(500*time.Millisecond, 'e')
	q.Submit(time.Second, 'd')
	q.Submit(2*time.Second, 'f')
	if at, ok := q.NextDue(); !ok || at != 500*time.Millisecond || q.Len() != 5 {
		t.Errorf("NextDue = %v %v, Len %d", at, ok, q.Len())
	}
	var order []byte
	for _, ev := range q.Due(time.Second, nil) {
		order = append(order, byte(ev.Payload))
	}
	if string(order) != "eabd" {
		t.Errorf("Due(1s) order %q, want %q", order, "eabd")
	}
	if _, ok := newAsync(t, AsyncConfig{}).NextDue(); ok {
		t.Error("NextDue on an empty queue")
	}
}

func TestAsyncConfig(t *testing.T) {
	for _, cfg := range []AsyncConfig{
		{MaxEventAge: 59 * time.Second}, {MaxEventAge: 6*time.Hour + 1}, {MaxEventAge: -time.Second},
		{MaxRetries: 3}, {MaxRetries: -2},
	} {
		if _, err := NewAsyncQueue(cfg); err == nil {
			t.Errorf("NewAsyncQueue(%+v): no error", cfg)
		}
	}
	for _, tc := range []struct {
		cfg     AsyncConfig
		age     time.Duration
		retries int
	}{
		{AsyncConfig{}, 6 * time.Hour, 2},
		{AsyncConfig{MaxEventAge: time.Minute, MaxRetries: -1}, time.Minute, 0},
		{AsyncConfig{MaxEventAge: time.Hour, MaxRetries: 1}, time.Hour, 1},
	} {
		q := newAsync(t, tc.cfg)
		if q.MaxEventAge() != tc.age || q.MaxRetries() != tc.retries {
			t.Errorf("%+v: age %v retries %d, want %v %d", tc.cfg, q.MaxEventAge(), q.MaxRetries(), tc.age, tc.retries)
		}
	}
}

func TestAsyncSteadyStateAllocatesNothing(t *testing.T) {
	q := newAsync(t, AsyncConfig{MaxEventAge: time.Minute})
	buf := make([]AsyncEvent, 0, 64)
	now := time.Duration(0)
	step := func() {
		for range 8 {
			q.Submit(now, 1)
		}
		buf = q.Due(now, buf[:0])
		for i, ev := range buf {
			if i%2 == 0 {
				q.Throttled(now, ev)
			} else {
				q.Failed(now, ev)
			}
		}
		now += time.Second
	}
	for range 1000 { // warm up: the heap reaches its working size
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("%v allocations per step, want 0", n)
	}
}
