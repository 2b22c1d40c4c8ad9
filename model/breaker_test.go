package model

import (
	"testing"
	"time"
)

type breakerOp uint8

const (
	bNone breakerOp = iota
	bSuccess
	bFailure
	bSent
	bHealthy
	bUnhealthy
)

type breakerStep struct {
	at       time.Duration
	op       breakerOp
	want     bool // Failure's opened, HealthResult's closed
	state    BreakerState
	next     time.Duration // NextHealthCheck; -1: none (closed)
	count    int           // ConsecutiveFailures after the step
	openTime time.Duration
}

func TestBreakerTransitions(t *testing.T) {
	b, err := NewBreaker(BreakerConfig{Failures: 3, OpenFor: 30 * time.Second, HealthCheck: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const s = time.Second
	for i, st := range []breakerStep{
		{0, bFailure, false, BreakerClosed, -1, 1, 0},
		{1 * s, bFailure, false, BreakerClosed, -1, 2, 0},
		{2 * s, bSuccess, false, BreakerClosed, -1, 0, 0}, // a success in between resets
		{3 * s, bFailure, false, BreakerClosed, -1, 1, 0},
		{4 * s, bFailure, false, BreakerClosed, -1, 2, 0},
		{5 * s, bFailure, true, BreakerOpen, 35 * s, 0, 0},  // the 3rd consecutive opens it
		{6 * s, bFailure, false, BreakerOpen, 35 * s, 0, s}, // counts nothing while open
		{7 * s, bSuccess, false, BreakerOpen, 35 * s, 0, 2 * s},
		{35*s - 1, bNone, false, BreakerOpen, 35 * s, 0, 30*s - 1},
		{35 * s, bNone, false, BreakerProbing, 35 * s, 0, 30 * s}, // OpenFor has passed
		{35 * s, bSent, false, BreakerProbing, 45 * s, 0, 30 * s},
		{36 * s, bUnhealthy, false, BreakerProbing, 45 * s, 0, 31 * s}, // stays open
		{47 * s, bSent, false, BreakerProbing, 57 * s, 0, 42 * s},      // sent late: next from then
		{48 * s, bUnhealthy, false, BreakerProbing, 57 * s, 0, 43 * s},
		{57 * s, bSent, false, BreakerProbing, 67 * s, 0, 52 * s},
		{58 * s, bHealthy, true, BreakerClosed, -1, 0, 53 * s}, // healthy closes it
		{59 * s, bHealthy, false, BreakerClosed, -1, 0, 53 * s},
		{59 * s, bSent, false, BreakerClosed, -1, 0, 53 * s},
		{60 * s, bFailure, false, BreakerClosed, -1, 1, 53 * s},
		{100 * s, bNone, false, BreakerClosed, -1, 1, 53 * s},
		{101 * s, bFailure, false, BreakerClosed, -1, 2, 53 * s},
		{102 * s, bFailure, true, BreakerOpen, 132 * s, 0, 53 * s},
		{112 * s, bNone, false, BreakerOpen, 132 * s, 0, 63 * s},
	} {
		checkBreakerStep(t, b, i, st)
	}
	if b.Opened() != 2 || b.HealthChecks() != 3 {
		t.Errorf("Opened %d HealthChecks %d, want 2 3", b.Opened(), b.HealthChecks())
	}
}

func checkBreakerStep(t *testing.T, b *Breaker, i int, st breakerStep) {
	t.Helper()
	got := false
	switch st.op {
	case bSuccess:
		b.Success(st.at)
	case bFailure:
		got = b.Failure(st.at)
	case bSent:
		b.HealthCheckSent(st.at)
	case bHealthy, bUnhealthy:
		got = b.HealthResult(st.at, st.op == bHealthy)
	}
	next, ok := b.NextHealthCheck(st.at)
	if !ok {
		next = -1
	}
	if got != st.want || b.State(st.at) != st.state || next != st.next ||
		b.ConsecutiveFailures() != st.count || b.OpenTime(st.at) != st.openTime {
		t.Errorf("step %d at %v: got %v %v next %v count %d open %v, want %v %v %v %d %v", i, st.at,
			got, b.State(st.at), next, b.ConsecutiveFailures(), b.OpenTime(st.at),
			st.want, st.state, st.next, st.count, st.openTime)
	}
}

func TestBreakerHealthyAnswerWhileOpenCloses(t *testing.T) {
	b, _ := NewBreaker(BreakerConfig{Failures: 1, OpenFor: time.Minute, HealthCheck: time.Second})
	if !b.Failure(10 * time.Second) {
		t.Fatal("Failures 1: the first failure must open it")
	}
	// A healthy answer closes it whenever it comes: the breaker does not police who asked.
	if !b.HealthResult(20*time.Second, true) || b.State(20*time.Second) != BreakerClosed {
		t.Error("healthy answer did not close the breaker")
	}
	if got := b.OpenTime(time.Hour); got != 10*time.Second {
		t.Errorf("OpenTime = %v, want 10s", got)
	}
}

func TestBreakerConfig(t *testing.T) {
	for _, cfg := range []BreakerConfig{
		{Failures: 0},
		{Failures: -1},
		{Failures: 1, OpenFor: -time.Second},
		{Failures: 1, HealthCheck: -time.Second},
	} {
		if _, err := NewBreaker(cfg); err == nil {
			t.Errorf("NewBreaker(%+v): no error", cfg)
		}
	}
	b, err := NewBreaker(BreakerConfig{Failures: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := BreakerConfig{Failures: 2, OpenFor: DefaultBreakerOpenFor, HealthCheck: DefaultBreakerHealthCheck}
	if b.Config() != want {
		t.Errorf("Config = %+v, want %+v", b.Config(), want)
	}
}

func TestBreakerZeroValue(t *testing.T) {
	var b Breaker
	if b.State(0) != BreakerClosed || !b.Failure(time.Second) || b.State(time.Second) != BreakerProbing {
		t.Error("the zero value must open at the first failure and probe at once")
	}
	b.HealthCheckSent(time.Second)
	if at, ok := b.NextHealthCheck(time.Second); !ok || at != time.Second {
		t.Errorf("NextHealthCheck = %v %v, want 1s true", at, ok)
	}
}

func TestBreakerStateString(t *testing.T) {
	for s, want := range map[BreakerState]string{
		BreakerClosed: "closed", BreakerOpen: "open", BreakerProbing: "probing", 7: "BreakerState(7)",
	} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}
