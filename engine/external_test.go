package engine

import (
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// retryPort records the retries an external run's engine asks its client port for.
type retryPort struct{ retries [][3]int }

func (p *retryPort) Answer(uint64, Answer) {}
func (p *retryPort) Retry(ref uint64, c, n int) {
	p.retries = append(p.retries, [3]int{int(ref), c, n})
}

const externalScenario = `name: ext
duration: 2s
drain: 5s
clients:
  - name: a
    arrival: {shape: constant, rate: 2/s}
    retry: {policy: exponential, base: 100ms, cap: 100ms, max_attempts: 2}
gateway:
  stage: {rate: 1/s, burst: 1}
queues: [{name: q}]
consumer: {pattern: concurrency, concurrency: 2}
`

// TestExternalLedger: in an external run the client's view decides: a 2xx completes the
// request from its first attempt, a 429 goes through the retry policy, a 403 retried and
// refused again is rejected as forbidden, and the sections the target replaces are absent.
func TestExternalLedger(t *testing.T) {
	sc, err := scenarios.LoadBytes("ext.yaml", []byte(externalScenario))
	if err != nil {
		t.Fatal(err)
	}
	port := &retryPort{}
	e, err := New(ForTarget(sc), Options{Ports: Ports{Client: port}, External: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.Pipeline().Gateway != nil || len(e.Queues()) != 0 || sc.Gateway == nil {
		t.Fatal("ForTarget must drop the gateway and queues from the engine's copy only")
	}
	ms := time.Millisecond
	ok := e.Arrive(10*ms, 0, 0)
	e.Heard(40*ms, ok, 1, Heard{Sent: 10 * ms, Status: 200})
	thr := e.Arrive(500*ms, 0, 1)
	e.Heard(510*ms, thr, 1, Heard{Status: 429})
	e.Heard(511*ms, thr, 1, Heard{Status: 429}) // a stray: counted once
	e.RunUntil(700 * ms)
	if len(port.retries) != 1 || port.retries[0] != [3]int{int(thr), 0, 2} {
		t.Fatalf("retries asked: %v; want attempt 2 of the throttled request", port.retries)
	}
	e.Heard(720*ms, thr, 2, Heard{Sent: 610 * ms, Status: 403})
	late := e.Arrive(1900*ms, 0, 2)                                 // waiting for its retry at the end
	e.Heard(1950*ms, late, 1, Heard{Status: 0, TargetFailed: true}) // refused by the target
	sum, ser := e.Finish()
	l := sum.Ledger
	if l.Offered != 3 || l.Completed != 1 || l.Rejected["forbidden"] != 1 || l.InFlight["retry_wait"] != 1 || l.Lost != 0 {
		t.Errorf("ledger %+v", l)
	}
	m := sum.Metrics
	if m["load_errors_total"] != 0 {
		t.Errorf("a target's refusal counted as %v load errors", m["load_errors_total"])
	}
	if m["attempts_total"] != 4 || m["gateway_throttled_total"] != 1 || m["gateway_forbidden_total"] != 1 || m["gateway_backend_errors_total"] != 1 {
		t.Errorf("attempts %v, throttled %v, forbidden %v, backend errors %v", m["attempts_total"],
			m["gateway_throttled_total"], m["gateway_forbidden_total"], m["gateway_backend_errors_total"])
	}
	if got := m["e2e_seconds_max"]; got < 0.029 || got > 0.031 {
		t.Errorf("e2e of the completed request %gs, want 30ms (from its first attempt's send)", got)
	}
	if off := ser.Column("offered"); len(off) != 2 || off[0] != 2 || off[1] != 1 {
		t.Errorf("offered per second %v, want [2 1]: each request in the second its first attempt was sent", off)
	}
	if ser.Has("queue.q.depth") {
		t.Error("an external run has no queue series")
	}
}

func TestHeardOutcome(t *testing.T) {
	for _, tt := range []struct {
		h    Heard
		want string
	}{
		{Heard{Status: 204}, ""},
		{Heard{Status: 429}, "throttled"},
		{Heard{Status: 429, QuotaExceeded: true}, "quota_exceeded"},
		{Heard{Status: 403}, "forbidden"},
		{Heard{Status: 502}, "backend_error"},
		{Heard{Status: 404}, "backend_error"},
		{Heard{Status: 0, TargetFailed: true}, "backend_error"},
		{Heard{Status: 0}, "load_error"},
	} {
		g, why := tt.h.outcome()
		got := why.String()
		if g == 0 {
			got = ""
		}
		if got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.h, got, tt.want)
		}
	}
}
