package live

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

func load(t *testing.T, doc string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadBytes("test.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return sc
}

func runLive(t *testing.T, sc *scenarios.Scenario) *Result {
	t.Helper()
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc, Options{})
	if err != nil {
		t.Fatalf("live run: %v", err)
	}
	if lost := res.Summary.Metrics["lost_total"]; lost != 0 {
		t.Fatalf("lost_total = %v: %s (census %v)", lost, res.Summary.Ledger.Verdict, res.Summary.Ledger.InFlight)
	}
	return res
}

// Constant 3000/s for 10 s into a stage bucket of rate 1000, burst 500: real load over real
// sockets admits 10,500 ± 3% and loses nothing.
func TestLiveStageBucket(t *testing.T) {
	m := runLive(t, load(t, `
name: test
duration: 10s
drain: 5s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 3000/s}}]
gateway: {stage: {rate: 1000, burst: 500}, integration: direct}
`)).Summary.Metrics
	if got := m["gateway_admitted_total"]; math.Abs(got-10500) > 0.03*10500 {
		t.Errorf("admitted %v, want 10,500 ± 3%%", got)
	}
	if m["offered_total"] < 0.99*30000 {
		t.Errorf("offered %v of 30,000: the load generator fell behind", m["offered_total"])
	}
	t.Logf("offered %v admitted %v throttled %v", m["offered_total"], m["gateway_admitted_total"], m["gateway_throttled_total"])
}

// The orchestrator against a 20/s sliding-window fake API for 40 s: zero 429s, the API's own
// count of any one-second window never above 20, nothing lost.
func TestLiveOrchestratorHoldsTheQuota(t *testing.T) {
	m := runLive(t, load(t, `
name: test
duration: 40s
drain: 5s
mode: live
clients: [{name: c, arrival: {shape: poisson, rate: 30/s}}]
queues: [{name: q, max_receive_count: 0}]
consumer:
  pattern: orchestrator
  pace: 20/s
  quotas: [{limit: 20, per: 1s, window: sliding}]
downstream:
  quotas: [{limit: 20, per: 1s, window: sliding}]
  latency: {dist: lognormal, median: 150ms, p99: 800ms}
`)).Summary.Metrics
	if m["downstream_429_total"] != 0 {
		t.Errorf("%v downstream 429s", m["downstream_429_total"])
	}
	if m["downstream_overgrant"] > 0.001 || m["downstream_window_overgrant"] > 0.001 {
		t.Errorf("over-grant %v, worst window %v", m["downstream_overgrant"], m["downstream_window_overgrant"])
	}
	if m["downstream_utilization"] < 0.9 {
		t.Errorf("utilization %v", m["downstream_utilization"])
	}
	t.Logf("calls %v, utilization %.4f, in flight at end %v", m["downstream_calls_total"], m["downstream_utilization"], m["in_flight_at_end"])
}

// Clients retrying through a direct integration: every request ends, and the run ends as
// soon as the last one has (a request the gateway completed while a retry's answer was on
// its way once lingered in the request table and held the drain open to its limit).
func TestLiveRetriesEndPromptly(t *testing.T) {
	s := runLive(t, load(t, `
name: test
duration: 5s
drain: 20s
mode: live
clients:
  - name: c
    arrival: {shape: poisson, rate: 300/s}
    retry: {policy: full-jitter, base: 100ms, cap: 1s, max_attempts: 6}
gateway: {stage: {rate: 200, burst: 100}, integration: direct}
downstream: {latency: {dist: exponential, mean: 20ms}}
`)).Summary
	if s.Metrics["attempts_total"] <= s.Metrics["offered_total"] {
		t.Fatalf("no retries happened: attempts %v, offered %v", s.Metrics["attempts_total"], s.Metrics["offered_total"])
	}
	if s.EndedSeconds > 5+6 {
		t.Errorf("the run ended at %.1fs: the drain waited for requests that had already ended", s.EndedSeconds)
	}
}

// When the load generator cannot offer what the scenario asks for, the summary says so.
func TestLiveReportsShortfall(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	sc := load(t, `
name: test
duration: 3s
drain: 3s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 200/s}}]
gateway: {integration: direct}
downstream: {latency: {dist: fixed, value: 100ms}}
`)
	// Four workers waiting 100 ms each can offer 40 a second of the 200 asked for.
	res, err := Run(context.Background(), sc, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Metrics["load_shortfall_total"] < 300 || len(s.Notes) == 0 || !strings.Contains(strings.Join(s.Notes, " "), "could not keep up") {
		t.Errorf("shortfall %v, notes %q", s.Metrics["load_shortfall_total"], s.Notes)
	}
}

// Task tokens live: each request waits in an execution for its worker's callback; those whose
// message waits longer than the timeout fail with States.Timeout, their late work is dropped,
// and nothing is lost.
func TestLiveTaskTokens(t *testing.T) {
	m := runLive(t, load(t, `
name: test
duration: 6s
drain: 10s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 40/s}}]
queues: [{name: q, max_receive_count: 0}]
consumer:
  pattern: concurrency
  concurrency: 2
  task_token: {timeout: 2s}
downstream: {latency: {dist: fixed, value: 100ms}}
`)).Summary.Metrics
	// Two workers serve 20 a second of the 40 offered: the queue wait grows by half a second
	// a second, so work offered after about 4 s waits over 2 s.
	if m["sfn_timeouts_total"] == 0 || m["failed_total"] != m["sfn_timeouts_total"] {
		t.Errorf("timeouts %v, failed %v", m["sfn_timeouts_total"], m["failed_total"])
	}
	if m["completed_total"] == 0 || m["e2e_seconds_max"] > 2.01 {
		t.Errorf("completed %v, e2e max %v (a callback after the timeout counted)", m["completed_total"], m["e2e_seconds_max"])
	}
	if m["sfn_state_transitions_total"] != 2*m["offered_total"] {
		t.Errorf("transitions %v for %v executions", m["sfn_state_transitions_total"], m["offered_total"])
	}
}
