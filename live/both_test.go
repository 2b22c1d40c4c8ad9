package live

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
	"github.com/throttlelab/throttlelab/sweep"
)

// shortened loads a catalog scenario with fields set (a shorter duration, an earlier burst),
// so that a live run fits a test.
func shortened(t *testing.T, name string, set map[string]string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadCatalog(name)
	if err != nil {
		t.Fatal(err)
	}
	for path, v := range set {
		if err := sweep.Set(sc, path, v); err != nil {
			t.Fatal(err)
		}
	}
	if errs := sc.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	return sc
}

// The simulator and the live run of the same scenario agree: completed and 429 totals within
// 5 %, end-to-end p50 within 10 %. This is what makes the simulator trustworthy for capacity
// planning. The scenarios here are those whose figures are not at the mercy of a few
// milliseconds of scheduling: where most requests retry within tens of milliseconds of being
// throttled (usage-plans, backoff), the end-to-end p50 sits among the retries and a loaded
// machine moves it by more than 10 %.
func TestSimAndLiveAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	for name, set := range map[string]map[string]string{
		"steady": {"duration": "20s", "drain": "10s"},
		"load-leveling": {"duration": "40s", "drain": "2m", "clients[0].arrival.at": "10s",
			"clients[0].arrival.for": "10s"},
		"orchestrator-outage": {},
	} {
		t.Run(name, func(t *testing.T) {
			sc := shortened(t, name, set)
			simRes, err := sim.Run(context.Background(), sc, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			liveRes, err := Run(ctx, sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s, l := simRes.Summary.Metrics, liveRes.Summary.Metrics
			if l["lost_total"] != 0 {
				t.Fatalf("live lost %v", l["lost_total"])
			}
			for _, m := range []string{"completed_total", "gateway_429s", "downstream_429_total"} {
				sv, lv := total(s, m), total(l, m)
				t.Logf("%s: sim %v, live %v", m, sv, lv)
				if !agree(sv, lv, 0.05, 20) {
					t.Errorf("%s: sim %v, live %v: more than 5%% apart", m, sv, lv)
				}
			}
			sp, lp := s["e2e_seconds_p50"], l["e2e_seconds_p50"]
			t.Logf("e2e p50: sim %.4fs, live %.4fs", sp, lp)
			if !agree(sp, lp, 0.10, 0.002) {
				t.Errorf("e2e p50: sim %v, live %v: more than 10%% apart", sp, lp)
			}
		})
	}
}

// total reads a metric; "gateway_429s" is the gateway's 429s of both kinds.
func total(m map[string]float64, name string) float64 {
	if name == "gateway_429s" {
		return m["gateway_throttled_total"] + m["gateway_quota_exceeded_total"]
	}
	return m[name]
}

// agree reports whether a and b are within rel of each other, or within abs (small counts and
// latencies have an absolute floor: 20 requests, 2 ms).
func agree(a, b, rel, abs float64) bool {
	d := math.Abs(a - b)
	return d <= abs || d <= rel*math.Max(math.Abs(a), math.Abs(b))
}
