package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/scenarios"
)

func TestPriorityOverloadServesHighFirst(t *testing.T) {
	sc, err := scenarios.LoadCatalog("priority")
	if err != nil {
		t.Fatal(err)
	}
	s := run(t, sc).Summary
	p99 := func(p string) float64 { return s.PerPriority[p]["e2e_seconds_p99"] }
	if !(p99("high") < p99("normal") && p99("normal") < p99("batch")) {
		t.Errorf("e2e p99 high %v, normal %v, batch %v: want high < normal < batch", p99("high"), p99("normal"), p99("batch"))
	}
	if s.Metrics["queue_deferred_total"] == 0 {
		t.Error("no message was deferred")
	}
	offered := s.Metrics["offered_total"]
	if s.Metrics["completed_total"] != offered {
		t.Errorf("completed %v of %v: the priority pattern processes everything eventually", s.Metrics["completed_total"], offered)
	}
}

const orchestratorOverload = `
name: test
duration: 3m
drain: 2m
mode: sim
clients: [{name: c, arrival: {shape: poisson, rate: 30/s}}]
queues: [{name: q, max_receive_count: 0}]
consumer:
  pattern: orchestrator
  pace: 20/s
  quotas: [{limit: 20, per: 1s, window: sliding}]
  breaker: {failures: 3, open_for: 10s, health_check: 5s}
  requeue_first: true
downstream:
  quotas: [{limit: 20, per: 1s, window: sliding}]
  latency: {dist: lognormal, median: 150ms, p99: 800ms}
`

func TestOrchestratorPacesToTheQuota(t *testing.T) {
	m := run(t, load(t, orchestratorOverload)).Summary.Metrics
	if m["downstream_429_total"] != 0 {
		t.Errorf("%v calls got 429", m["downstream_429_total"])
	}
	if u := m["downstream_utilization"]; u < 0.95 {
		t.Errorf("utilization %v, want ≥ 0.95", u)
	}
	if m["downstream_overgrant"] != 0 {
		t.Errorf("over-grant %v", m["downstream_overgrant"])
	}
}

func TestOrchestratorRidesOutAnOutage(t *testing.T) {
	s := run(t, load(t, orchestratorOverload+`
  outages: [{at: 60s, for: 30s, mode: error, status: 503}]
`)).Summary
	m := s.Metrics
	if m["breaker_opened_total"] < 1 {
		t.Error("the breaker never opened")
	}
	if n := m["downstream_5xx_total"]; n == 0 || n >= 100 {
		t.Errorf("%v 5xx calls, want some, in the tens at most", n)
	}
	if m["downstream_429_total"] != 0 {
		t.Errorf("%v calls got 429", m["downstream_429_total"])
	}
	if m["health_checks_total"] < 2 || m["queue_requeued_total"] == 0 {
		t.Errorf("health checks %v, re-queued %v", m["health_checks_total"], m["queue_requeued_total"])
	}
}

// Seed 002: "If the API allows 1 call per second, but each call takes 3 seconds to respond,
// our system will still send a new call every second" — every 1.025 s here, the window and the
// orchestrator's guard (model.DefaultOrchestratorGuard): never two in a second, 59 in a
// minute, whatever the latency.
func TestOrchestratorCallsEverySecondWhateverTheLatency(t *testing.T) {
	res := run(t, load(t, `
name: test
duration: 1m
drain: 10s
mode: sim
clients: [{name: c, arrival: {shape: constant, rate: 5/s}}]
queues: [{name: q, max_receive_count: 0}]
consumer: {pattern: orchestrator, pace: 1/s, quotas: [{limit: 1, per: 1s, window: sliding}]}
downstream:
  quotas: [{limit: 1, per: 1s, window: sliding}]
  latency: {dist: fixed, value: 3s}
  timeout: 10s
`))
	calls := res.Series.Column("downstream_calls")
	total := 0.0
	for sec := 0; sec < 60; sec++ {
		if calls[sec] > 1 {
			t.Fatalf("second %d: %v calls started, want at most 1 (calls %v)", sec, calls[sec], calls[:60])
		}
		total += calls[sec]
	}
	if want := math.Ceil(60 / (1 + model.DefaultOrchestratorGuard.Seconds())); total != want {
		t.Errorf("%v calls in the first minute, want %v: one every %v", total, want, time.Second+model.DefaultOrchestratorGuard)
	}
	if m := res.Summary.Metrics; m["downstream_429_total"] != 0 || m["downstream_seconds_p50"] < 2.99 {
		t.Errorf("429s %v, call latency p50 %v", m["downstream_429_total"], m["downstream_seconds_p50"])
	}
}

// Executions wait for their callback; one whose message waits longer than the task token's
// timeout fails with States.Timeout, and its late work is dropped. Nothing is lost.
func TestTaskTokensTimeOut(t *testing.T) {
	s := run(t, load(t, `
name: test
duration: 20s
drain: 5m
mode: sim
clients: [{name: c, arrival: {shape: constant, rate: 20/s}}]
queues: [{name: q, max_receive_count: 0}]
consumer:
  pattern: concurrency
  concurrency: 1
  task_token: {timeout: 10s}
downstream: {latency: {dist: fixed, value: 100ms}}
`)).Summary
	m := s.Metrics
	// One worker serves 10 a second of the 20 offered: the queue wait grows by half a second
	// every second, so work offered after about 20 s would wait over 10 s.
	if m["sfn_timeouts_total"] == 0 || float64(s.Ledger.Failed["task_timeout"]) != m["sfn_timeouts_total"] {
		t.Errorf("timeouts %v, ledger %v", m["sfn_timeouts_total"], s.Ledger.Failed)
	}
	if m["completed_total"]+m["failed_total"] != m["offered_total"] {
		t.Errorf("completed %v + failed %v != offered %v", m["completed_total"], m["failed_total"], m["offered_total"])
	}
	if m["e2e_seconds_max"] > 10.001 {
		t.Errorf("a callback after the timeout counted as completed: e2e max %v", m["e2e_seconds_max"])
	}
	if m["sfn_state_transitions_total"] != 2*m["offered_total"] {
		t.Errorf("transitions %v for %v executions", m["sfn_state_transitions_total"], m["offered_total"])
	}
}

// The catalog's comparison scenario shows what each design is for: the orchestrator gets no
// 429 and dead-letters nothing where the concurrency pattern does, and task tokens cost
// Step Functions transitions the others do not.
func TestCompareDesigns(t *testing.T) {
	sc, err := scenarios.LoadCatalog("compare-designs")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]float64{}
	for i, v := range sc.Variants {
		vsc, err := sc.VariantScenario(i)
		if err != nil {
			t.Fatal(err)
		}
		m[v.Name] = run(t, vsc).Summary.Metrics
	}
	if m["concurrency"]["downstream_429_total"] == 0 || m["orchestrator"]["downstream_429_total"] != 0 {
		t.Errorf("429s: concurrency %v, orchestrator %v", m["concurrency"]["downstream_429_total"], m["orchestrator"]["downstream_429_total"])
	}
	if m["orchestrator"]["dlq_total"] != 0 || m["orchestrator"]["completed_total"] != m["orchestrator"]["offered_total"] {
		t.Errorf("orchestrator: dead-lettered %v, completed %v of %v", m["orchestrator"]["dlq_total"], m["orchestrator"]["completed_total"], m["orchestrator"]["offered_total"])
	}
	if m["task-tokens"]["sfn_state_transitions_total"] != 2*m["task-tokens"]["offered_total"] || m["concurrency"]["sfn_state_transitions_total"] != 0 {
		t.Errorf("transitions: task tokens %v, concurrency %v", m["task-tokens"]["sfn_state_transitions_total"], m["concurrency"]["sfn_state_transitions_total"])
	}
}

// FIFO with the orchestrator: order holds within a group until an outage makes workers
// re-queue messages to the back of the queue, and the summary counts where it broke; a
// re-queue queue read first keeps it (seed 002's "almost guaranteed" ordering).
func TestFIFOOrderBrokenByRequeue(t *testing.T) {
	doc := `
name: test
duration: 30s
drain: 2m
mode: sim
clients: [{name: c, groups: 2, arrival: {shape: constant, rate: 10/s}}]
queues: [{name: q.fifo, fifo: true, max_receive_count: 0}]
consumer:
  pattern: orchestrator
  pace: 20/s
  breaker: {failures: 3, open_for: 2s, health_check: 1s}
downstream:
  latency: {dist: fixed, value: 200ms}
`
	calm := run(t, load(t, doc)).Summary.Metrics
	if calm["fifo_order_broken_total"] != 0 {
		t.Errorf("order broken %v times without any re-queue", calm["fifo_order_broken_total"])
	}
	outage := "  outages: [{at: 10s, for: 3s, mode: error}]\n"
	stormy := run(t, load(t, doc+outage)).Summary.Metrics
	if stormy["queue_requeued_total"] == 0 || stormy["fifo_order_broken_total"] == 0 {
		t.Errorf("re-queued %v, order broken %v: re-queuing to the back must break FIFO order", stormy["queue_requeued_total"], stormy["fifo_order_broken_total"])
	}
	first := strings.Replace(doc, "  breaker:", "  requeue_first: true\n  breaker:", 1)
	kept := run(t, load(t, first+outage)).Summary.Metrics
	if kept["queue_requeued_total"] == 0 || kept["fifo_order_broken_total"] != 0 {
		t.Errorf("with requeue_first: re-queued %v, order broken %v", kept["queue_requeued_total"], kept["fifo_order_broken_total"])
	}
}
