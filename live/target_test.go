package live

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
	"github.com/throttlelab/throttlelab/scenarios"
)

// startService serves sc's downstream section as a fake API on 127.0.0.1 for the test, as
// `throttlelab fakeapi --scenario` does, and returns its URL.
func startService(t *testing.T, sc *scenarios.Scenario) string {
	t.Helper()
	cfg, err := fakeapi.ScenarioConfig(sc, time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fakeapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Wait() })
	return "http://" + addr.String()
}

// serviceStats reads a fake API's own counts over HTTP.
func serviceStats(t *testing.T, url string) fakeapi.Stats {
	t.Helper()
	resp, err := http.Get(url + fakeapi.AdminPrefix + "stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st fakeapi.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// quotaAllows is how many of client 0's arrivals the scenario's downstream model admits,
// each arriving at its instant: what a target with those quotas can complete.
func quotaAllows(t *testing.T, sc *scenarios.Scenario) int {
	t.Helper()
	cfg, err := pipeline.APIConfig(sc.Downstream, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	api, err := model.NewAPI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	arr, err := model.NewArrival(pipeline.ArrivalConfig(sc.Clients[0].Arrival), sc.Duration.D(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rng, n := rand.New(rand.NewPCG(1, 2)), 0
	for k := uint64(0); ; k++ {
		at, ok := arr.Next(k)
		if !ok {
			return n
		}
		if api.Handle(at, sc.Clients[0].APIKey, rng).Outcome == model.CallOK {
			n++
		}
	}
}

func liveRun(t *testing.T, sc *scenarios.Scenario, opts Options) *Result {
	t.Helper()
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc, opts)
	if err != nil {
		t.Fatalf("live run: %v", err)
	}
	if l := res.Summary.Ledger; l.Lost != 0 {
		t.Fatalf("lost %d: %s (census %v)", l.Lost, l.Verdict, l.InFlight)
	}
	return res
}

// The target of issue 14's first acceptance check: a fake API with a 100/s sliding quota.
const targetScenario = `
name: target
duration: 5s
drain: 2s
mode: live
clients:
  - {name: shop, path: /orders, api_key: k1, arrival: {shape: constant, rate: 300/s}}
downstream:
  quotas: [{limit: 100, per: 1s, window: sliding}]
`

// TestTargetQuota: 300/s for 5 s without retries at a target that allows 100/s over a
// sliding second: 1,500 offered, completed within 2% of what the quota allows, every other
// request rejected with 429, nothing lost; the target's own count agrees.
func TestTargetQuota(t *testing.T) {
	sc := load(t, targetScenario)
	url := startService(t, sc)
	want := quotaAllows(t, sc)
	res := liveRun(t, sc, Options{Target: url})
	m, l := res.Summary.Metrics, res.Summary.Ledger
	t.Logf("offered %d, completed %d (the quota allows %d), rejected %v, attempts %v", l.Offered, l.Completed, want, l.Rejected, m["attempts_total"])
	if l.Offered != 1500 {
		t.Errorf("offered %d, want 1,500", l.Offered)
	}
	if d := math.Abs(float64(l.Completed-int64(want))) / float64(want); d > 0.02 {
		t.Errorf("completed %d, the quota allows %d: %.1f%% off", l.Completed, want, 100*d)
	}
	if l.Rejected["throttled"] != l.Offered-l.Completed || m["gateway_throttled_total"] != float64(l.Rejected["throttled"]) {
		t.Errorf("rejected %v (429s %v): want every request not completed rejected as throttled", l.Rejected, m["gateway_throttled_total"])
	}
	if st := serviceStats(t, url); st.Calls["ok"] != l.Completed || st.Calls["throttled"] != l.Rejected["throttled"] {
		t.Errorf("the target counted %v; the run completed %d and was throttled %d times", st.Calls, l.Completed, l.Rejected["throttled"])
	}
	if got := sumOf(res.Series.Column("offered")); got != 1500 {
		t.Errorf("offered per second adds up to %v", got)
	}
}

func sumOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// TestTargetRetries: a target's 429s are retried by the client's policy; every attempt is
// counted once, as the target counted it, and each request ends once: completed, or
// rejected after its last attempt. The run serves its metrics endpoint meanwhile.
func TestTargetRetries(t *testing.T) {
	sc := load(t, `
name: retries
duration: 2s
drain: 8s
mode: live
clients:
  - name: c
    arrival: {shape: constant, rate: 50/s}
    retry: {policy: exponential, base: 50ms, cap: 200ms, max_attempts: 3}
downstream:
  quotas: [{limit: 20, per: 1s, window: sliding}]
`)
	url := startService(t, sc)
	served := ""
	res := liveRun(t, sc, Options{Target: url, MetricsAddr: "127.0.0.1:0", MetricsServing: func(u string) { served = u }})
	m, l := res.Summary.Metrics, res.Summary.Ledger
	st := serviceStats(t, url)
	if served == "" {
		t.Error("a target run served no metrics endpoint")
	}
	t.Logf("offered %d completed %d rejected %v attempts %v; the target: %v", l.Offered, l.Completed, l.Rejected, m["attempts_total"], st.Calls)
	if l.Offered != 100 || m["attempts_total"] <= 100 || m["attempts_total"] > 300 {
		t.Errorf("offered %d, attempts %v: want 100 requests with retries, at most 3 attempts each", l.Offered, m["attempts_total"])
	}
	if calls := float64(st.Calls["ok"] + st.Calls["throttled"]); calls != m["attempts_total"] {
		t.Errorf("the target answered %v attempts, the run counted %v", calls, m["attempts_total"])
	}
	if l.Completed+l.Rejected["throttled"] != l.Offered {
		t.Errorf("completed %d + rejected %v != offered %d", l.Completed, l.Rejected, l.Offered)
	}
}

// TestShardStartLate: a run ready after its --start-at has passed (by more than a second)
// refuses to start: its seconds would not be the other shards'.
func TestShardStartLate(t *testing.T) {
	sc := load(t, targetScenario)
	_, err := Run(context.Background(), sc, Options{Target: "http://127.0.0.1:1", StartAt: time.Now().Add(-3 * time.Second)})
	if err == nil || !strings.Contains(err.Error(), "would not line up") {
		t.Errorf("a start 3 s past: %v", err)
	}
}

// TestShardGateway: a shard of a run through the emulated gateway offers its third of the
// arrivals, starting at --start-at, and says that its gateway was its own.
func TestShardGateway(t *testing.T) {
	sc := load(t, `
name: shard
duration: 2s
drain: 2s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 150/s}}]
gateway: {stage: {rate: 1000, burst: 100}}
`)
	start := time.Now().Add(500 * time.Millisecond)
	res := liveRun(t, sc, Options{Shard: model.Shard{I: 1, N: 3}, StartAt: start})
	if l := res.Summary.Ledger; l.Offered != 100 || l.Completed != 100 {
		t.Errorf("shard 1/3 of 300 arrivals: offered %d, completed %d; want 100", l.Offered, l.Completed)
	}
	if time.Since(start) < 1900*time.Millisecond { // its last arrival is due 1.99 s after the start
		t.Error("the load did not wait for --start-at")
	}
	if !hasNote(res.Summary.Notes, "shard 1/3: this run offered its 1/3") || !hasNote(res.Summary.Notes, "emulated a gateway, queues and consumer of its own") {
		t.Errorf("notes %q", res.Summary.Notes)
	}
}

// TestTargetRefuses: a target that refuses connections is the target's failure, not the
// harness's: the run ends normally, each request rejected as a backend error, and says so.
func TestTargetRefuses(t *testing.T) {
	sc := load(t, `
name: refused
duration: 1s
drain: 2s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 20/s}}]
`)
	res := liveRun(t, sc, Options{Target: "http://127.0.0.1:1"})
	l := res.Summary.Ledger
	if l.Offered != 20 || l.Rejected["backend_error"] != 20 || res.Summary.Metrics["load_errors_total"] != 0 {
		t.Errorf("ledger %+v, load errors %v", l, res.Summary.Metrics["load_errors_total"])
	}
	if !hasNote(res.Summary.Notes, "20 attempts got no answer from the target") {
		t.Errorf("notes %q", res.Summary.Notes)
	}
}
