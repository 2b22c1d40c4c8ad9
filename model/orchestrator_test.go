package model

import (
	"testing"
	"time"
)

type orchLog struct {
	invokes []time.Duration
	checks  []time.Duration
}

func (l *orchLog) Invoke(now time.Duration, m Message, q int) { l.invokes = append(l.invokes, now) }
func (l *orchLog) HealthCheck(now time.Duration)              { l.checks = append(l.checks, now) }

func newOrch(t *testing.T, cfg OrchestratorConfig, epoch time.Time) (*Orchestrator, *Queue) {
	t.Helper()
	q, err := NewQueue(QueueConfig{Name: "q", VisibilityTimeout: 30 * time.Second}, QueueHooks{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Schedule == 0 {
		cfg.Schedule = time.Minute
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Minute
	}
	cfg.Epoch = epoch
	o, err := NewOrchestrator([]QueueAPI{q}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, q
}

// drive steps o at every instant it asks for until `until`.
func drive(o *Orchestrator, act OrchestratorActions, until time.Duration) {
	for now := time.Duration(0); now <= until; {
		next := o.Step(now, act)
		if next <= now {
			panic("orchestrator asked to be stepped in the past")
		}
		now = next
	}
}

func send(t *testing.T, q *Queue, n int) {
	for i := range n {
		if _, _, err := q.Send(0, uint64(i), SendOptions{Delay: -1}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOrchestratorPacesAndRestarts(t *testing.T) {
	o, q := newOrch(t, OrchestratorConfig{Pace: 2}, time.Time{})
	send(t, q, 1000)
	var log orchLog
	drive(o, &log, 6*time.Minute)
	// Two invokes a second from 0 until the run stops 5 s before its 5-minute timeout, then
	// none until the trigger at 5:00 restarts it.
	for i, at := range log.invokes[:10] {
		if want := time.Duration(i) * 500 * time.Millisecond; at != want {
			t.Fatalf("invoke %d at %v, want %v", i, at, want)
		}
	}
	var gapStart, gapEnd time.Duration
	for i := 1; i < len(log.invokes); i++ {
		if d := log.invokes[i] - log.invokes[i-1]; d > time.Second {
			gapStart, gapEnd = log.invokes[i-1], log.invokes[i]
		}
	}
	if gapStart != 295*time.Second-500*time.Millisecond || gapEnd != 5*time.Minute {
		t.Errorf("idle from %v to %v, want from 4:54.5 (last invoke before the 5 s margin) to 5:00", gapStart, gapEnd)
	}
	s := o.Stats(6 * time.Minute)
	if s.Runs != 2 || s.ThrottledTriggers == 0 {
		t.Errorf("runs %d, throttled triggers %d", s.Runs, s.ThrottledTriggers)
	}
}

// A daily tier exhausted before midnight stops polling; the orchestrator resumes at the UTC
// midnight that rolls the period over.
func TestOrchestratorDailyTierAcrossMidnight(t *testing.T) {
	epoch := time.Date(2026, 1, 5, 23, 58, 0, 0, time.UTC) // two minutes before midnight
	o, q := newOrch(t, OrchestratorConfig{Pace: 10, Quotas: []QuotaConfig{
		{Limit: 10, Per: time.Second, Window: "sliding"}, {Limit: 100, Per: 24 * time.Hour, Window: "fixed"}}}, epoch)
	send(t, q, 1000)
	var log orchLog
	drive(o, &log, 150*time.Second)
	if got := len(log.invokes); got != 200 {
		t.Fatalf("%d invokes, want 100 before midnight and 100 after", got)
	}
	if last := log.invokes[99]; last != 9900*time.Millisecond {
		t.Errorf("the 100th invoke at %v, want 9.9s", last)
	}
	if first := log.invokes[100]; first != 2*time.Minute {
		t.Errorf("first invoke of the new day at %v, want 2m0s (midnight)", first)
	}
	// Blocked from 9.9 s (the 100th invoke) plus the pace interval to midnight, and again
	// from 2:09.9 on.
	if s := o.Stats(150 * time.Second); s.BlockedTime != (120*time.Second-10*time.Second)+(150*time.Second-130*time.Second) {
		t.Errorf("blocked %v", s.BlockedTime)
	}
	if _, inFlight, _ := q.Counts(119 * time.Second); inFlight != 0 {
		t.Errorf("%d messages held while blocked: they must be released", inFlight)
	}
}

func TestOrchestratorBreakerStopsInvokes(t *testing.T) {
	o, q := newOrch(t, OrchestratorConfig{Pace: 10,
		Breaker: &BreakerConfig{Failures: 2, OpenFor: 10 * time.Second, HealthCheck: 5 * time.Second}}, time.Time{})
	send(t, q, 1000)
	var log orchLog
	o.Step(0, &log)
	o.WorkerDone(100*time.Millisecond, false, true)
	if opened, _ := o.WorkerDone(200*time.Millisecond, false, true); !opened {
		t.Fatal("two failures did not open the breaker")
	}
	n := len(log.invokes)
	now := 200 * time.Millisecond
	for now < 25*time.Second {
		now = o.Step(now, &log)
	}
	if len(log.invokes) != n {
		t.Errorf("%d invokes while open", len(log.invokes)-n)
	}
	want := []time.Duration{10200 * time.Millisecond, 15200 * time.Millisecond, 20200 * time.Millisecond}
	if len(log.checks) < 3 || log.checks[0] != want[0] || log.checks[1] != want[1] || log.checks[2] != want[2] {
		t.Fatalf("health checks at %v, want %v…", log.checks, want)
	}
	if !o.HealthResult(now, true) {
		t.Fatal("a healthy answer did not close the breaker")
	}
	o.Step(now, &log)
	if len(log.invokes) == n {
		t.Error("no invoke after the breaker closed")
	}
}
