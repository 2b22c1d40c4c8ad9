package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// load decodes, defaults and validates a scenario written in the test.
func load(t testing.TB, doc string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadBytes("test.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return sc
}

func run(t testing.TB, sc *scenarios.Scenario) *Result {
	t.Helper()
	res, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if lost := res.Summary.Metrics["lost_total"]; lost != 0 {
		t.Fatalf("lost_total = %v: %s", lost, res.Summary.Ledger.Verdict)
	}
	return res
}

func TestStageBucketAdmitsBurstPlusRate(t *testing.T) {
	sc := load(t, `
name: test
duration: 10s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 3000/s}
gateway:
  stage: {rate: 1000, burst: 500}
  integration: direct
`)
	m := run(t, sc).Summary.Metrics
	// A full bucket of 500, then 1000 a second for 10 s.
	if got := m["gateway_admitted_total"]; math.Abs(got-10500) > 2 {
		t.Errorf("admitted %v, want 10500 ± 2", got)
	}
	if m["offered_total"] != 30000 || m["gateway_throttled_total"] != 30000-m["gateway_admitted_total"] {
		t.Errorf("offered %v throttled %v admitted %v", m["offered_total"], m["gateway_throttled_total"], m["gateway_admitted_total"])
	}
	if m["completed_total"] != m["gateway_admitted_total"] || m["rejected_total"] != m["gateway_throttled_total"] {
		t.Errorf("completed %v rejected %v", m["completed_total"], m["rejected_total"])
	}
}

func TestUsagePlanQuotaHoldsHoweverFast(t *testing.T) {
	for _, rate := range []string{"200/s", "5000/s"} {
		sc := load(t, `
name: test
duration: 20s
mode: sim
clients:
  - name: c
    api_key: k
    arrival: {shape: constant, rate: `+rate+`}
    retry: {policy: full-jitter, base: 10ms, cap: 100ms, max_attempts: 3}
gateway:
  api_key_required: true
  usage_plans:
    - {name: p, keys: [k], throttle: {rate: 100000, burst: 100000}, quota: {limit: 1000, period: day}}
  integration: direct
`)
		m := run(t, sc).Summary.Metrics
		if m["gateway_admitted_total"] != 1000 || m["completed_total"] != 1000 {
			t.Errorf("%s: admitted %v completed %v, want exactly 1000", rate, m["gateway_admitted_total"], m["completed_total"])
		}
		if m["gateway_quota_exceeded_total"] == 0 || m["gateway_throttled_total"] != 0 {
			t.Errorf("%s: quota exceeded %v throttled %v", rate, m["gateway_quota_exceeded_total"], m["gateway_throttled_total"])
		}
	}
}

func TestMissingKeyIsForbidden(t *testing.T) {
	sc := load(t, `
name: test
duration: 1s
mode: sim
clients:
  - {name: anon, arrival: {shape: constant, rate: 10/s}}
  - {name: stranger, api_key: nope, arrival: {shape: constant, rate: 10/s}}
gateway:
  api_key_required: true
  usage_plans: [{name: p, keys: [k]}]
`)
	s := run(t, sc).Summary
	if s.Metrics["gateway_forbidden_total"] != 20 || s.Ledger.Rejected["forbidden"] != 20 {
		t.Errorf("forbidden %v, ledger %v", s.Metrics["gateway_forbidden_total"], s.Ledger.Rejected)
	}
}

func TestSameSeedSameSummary(t *testing.T) {
	sc, err := scenarios.LoadCatalog("burst")
	if err != nil {
		t.Fatal(err)
	}
	a, b := run(t, sc), run(t, sc)
	ja, _ := json.Marshal(a.Summary)
	jb, _ := json.Marshal(b.Summary)
	if !bytes.Equal(ja, jb) {
		t.Fatal("two runs with the same seed differ")
	}
	seed := int64(43)
	c, err := Run(context.Background(), sc, Options{Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	jc, _ := json.Marshal(c.Summary)
	if bytes.Equal(ja, jc) {
		t.Fatal("a different seed gave the very same summary")
	}
}

func TestCatalogLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole catalog, a simulated day among it, takes minutes under -race: make test runs it")
	}
	for _, name := range scenarios.Catalog() {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.LoadCatalog(name)
			if err != nil {
				t.Fatal(err)
			}
			s := run(t, sc).Summary
			if s.Metrics["offered_total"] == 0 {
				t.Error("nothing offered")
			}
			// The catalog's thresholds are part of what each scenario shows.
			for _, th := range reports.Evaluate(s, sc.SLO) {
				if !th.OK {
					t.Errorf("threshold %s: %v %s", th.Expr, th.Value, th.Error)
				}
			}
			for i, v := range sc.Variants {
				vsc, err := sc.VariantScenario(i)
				if err != nil {
					t.Fatalf("variant %s: %v", v.Name, err)
				}
				run(t, vsc)
			}
		})
	}
}

func TestThrottledLambdaBehindProxyAnswers500(t *testing.T) {
	sc := load(t, `
name: test
duration: 10s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 200/s}
gateway: {integration: direct}
consumer: {pattern: concurrency, concurrency: 5}
downstream:
  latency: {dist: fixed, value: 100ms}
`)
	m := run(t, sc).Summary.Metrics
	// Five executions of 100 ms each serve at most 50 requests a second (a little fewer: the
	// client-to-gateway jitter makes some arrivals find all five busy); the rest find no free
	// concurrency and get API Gateway's 500.
	if got := m["completed_total"]; got > 500 || got < 0.95*500 {
		t.Errorf("completed %v, want just under 500", got)
	}
	if m["gateway_backend_errors_total"] != m["rejected_total"] || m["rejected_total"] < 1400 {
		t.Errorf("backend errors %v rejected %v", m["gateway_backend_errors_total"], m["rejected_total"])
	}
}

// TestRunEndsWhenIdle: a run whose requests have all ended before the drain is over ends then,
// as a live run does (steady, 10 s of load and up to 10 s of drain, ends about 10 s in, not
// at 20 s because a timer is set beyond it); one whose work outlasts the drain ends at the
// drain's end, with that work in flight.
func TestRunEndsWhenIdle(t *testing.T) {
	sc, err := scenarios.LoadCatalog("steady")
	if err != nil {
		t.Fatal(err)
	}
	d := scenarios.Duration(10e9)
	sc.Duration, sc.Drain = d, &d
	res := run(t, sc)
	if end := res.Summary.EndedSeconds; end < 10 || end > 11 {
		t.Errorf("steady 10 s + 10 s of drain ended at %v s, want when its last request ended (about 10 s)", end)
	}
	cut := load(t, `name: cut
duration: 2s
drain: 1s
clients:
  - {name: c, arrival: {shape: constant, rate: 10/s}}
gateway: {integration: direct}
downstream: {latency: {dist: fixed, value: 5s}}
`)
	res = run(t, cut)
	if end, inFlight := res.Summary.EndedSeconds, res.Summary.Metrics["in_flight_at_end"]; end != 3 || inFlight == 0 {
		t.Errorf("calls of 5 s with 1 s of drain: ended at %v s with %v in flight, want 3 s with some in flight", end, inFlight)
	}
}
