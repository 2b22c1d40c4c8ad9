package reports

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
)

func compareSummary(m map[string]float64, perClient map[string]map[string]float64) *metrics.Summary {
	return &metrics.Summary{Scenario: "burst", Mode: "sim", Seed: 42, OfferedSeconds: 120,
		Metrics: m, PerClient: perClient}
}

func TestCompare(t *testing.T) {
	base := compareSummary(map[string]float64{
		"gateway_admitted_total": 1000, "gateway_throttled_total": 100, "completed_total": 1000,
		"offered_total": 2000, "e2e_seconds_p99": 2, "downstream_429_total": 0, "lost_total": 0,
		"dlq_total": 3, "downstream_utilization": 0.5, "queue_depth_max": 10,
	}, map[string]map[string]float64{"basic-tier.eu": {"rejected_total": 10}, "gone": {"completed_total": 1}})
	cur := compareSummary(map[string]float64{
		"gateway_admitted_total":  800, // 20% fewer admitted: worse
		"gateway_throttled_total": 104, // 4% more 429s: within 5%
		"completed_total":         1000,
		"offered_total":           3000, // neutral
		"e2e_seconds_p99":         1,    // halved: better
		"downstream_429_total":    1,    // from 0: worse beyond epsilon
		"lost_total":              -1,   // away from 0
		"dlq_total":               2.9,  // 3.3% better, within tolerance
		"downstream_utilization":  0.5,
		"queue_depth_max":         10,
	}, map[string]map[string]float64{"basic-tier.eu": {"rejected_total": 20}, "new": {"completed_total": 1}})
	c := Compare(base, cur, 0.05)
	want := []struct{ name, verdict string }{
		{"downstream_429_total", VerdictRegressed},
		{"gateway_admitted_total", VerdictRegressed},
		{"lost_total", VerdictRegressed},
		{"per_client.basic-tier.eu.rejected_total", VerdictRegressed},
		{"e2e_seconds_p99", VerdictImproved},
		{"dlq_total", VerdictWithinTolerance},
		{"gateway_throttled_total", VerdictWithinTolerance},
		{"offered_total", VerdictChanged},
		{"per_client.gone.completed_total", VerdictOnlyInBase},
		{"per_client.new.completed_total", VerdictOnlyInNew},
		{"completed_total", VerdictUnchanged},
		{"downstream_utilization", VerdictUnchanged},
		{"queue_depth_max", VerdictUnchanged},
	}
	if len(c.Changes) != len(want) {
		t.Fatalf("got %d changes, want %d: %+v", len(c.Changes), len(want), c.Changes)
	}
	for i, w := range want {
		if g := c.Changes[i]; g.Name != w.name || g.Verdict != w.verdict {
			t.Errorf("change %d = %s %s, want %s %s", i, g.Name, g.Verdict, w.name, w.verdict)
		}
	}
	if n := len(c.Regressions()); n != 4 {
		t.Errorf("%d regressions, want 4", n)
	}
	adm := c.Changes[1]
	if adm.Absolute != -200 || adm.Relative != -0.2 || adm.Direction != HigherIsBetter {
		t.Errorf("gateway_admitted_total change = %+v", adm)
	}
	if r := c.Changes[0].Relative; !math.IsInf(r, 1) {
		t.Errorf("relative change from 0 = %v, want +Inf", r)
	}
}

func TestCompareTolerance(t *testing.T) {
	base := compareSummary(map[string]float64{"rejected_total": 100}, nil)
	cur := compareSummary(map[string]float64{"rejected_total": 110}, nil)
	for _, tc := range []struct {
		tol  float64
		want string
	}{{0, VerdictRegressed}, {0.05, VerdictRegressed}, {0.1, VerdictWithinTolerance}, {0.5, VerdictWithinTolerance}} {
		if got := Compare(base, cur, tc.tol).Changes[0].Verdict; got != tc.want {
			t.Errorf("tolerance %v: %s, want %s", tc.tol, got, tc.want)
		}
	}
}

func TestMetricDirection(t *testing.T) {
	for name, want := range map[string]Direction{
		"gateway_throttled_total":                           LowerIsBetter,
		"completed_total":                                   HigherIsBetter,
		"attempts_total":                                    Neutral,
		"lost_total":                                        ZeroIsBetter,
		"per_priority.high.e2e_seconds_p99":                 LowerIsBetter,
		"per_client.basic-tier.completed_total":             HigherIsBetter,
		"per_client.a.b.queue_wait_seconds_mean":            LowerIsBetter,
		"alarm.throttling.seconds_after_event":              LowerIsBetter,
		"alarm.throttling.fired_total":                      Neutral,
		"alarm.throttling.first_fired_seconds":              Neutral,
		"something_new_total":                               Neutral,
		"per_client.completed_total.gateway_admitted_total": HigherIsBetter,
	} {
		if got := MetricDirection(name); got != want {
			t.Errorf("MetricDirection(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestComparisonWrite(t *testing.T) {
	base := compareSummary(map[string]float64{"gateway_admitted_total": 1000, "offered_total": 5, "e2e_seconds_p99": 0.5}, nil)
	cur := compareSummary(map[string]float64{"gateway_admitted_total": 800, "offered_total": 5, "e2e_seconds_p99": 0.25}, nil)
	cur.Scenario = "burst2"
	var b bytes.Buffer
	Compare(base, cur, 0.05).Write(&b)
	want := `compare burst2 (sim, seed 42) with base burst (sim, seed 42), tolerance 5.0%
  note: the runs are of different scenarios (burst, burst2)
  1 regressed · 1 improved · 0 within tolerance · 0 neutral changes · 1 unchanged
  VERDICT    METRIC                  BASE   NEW    CHANGE  RELATIVE  DIRECTION
  REGRESSED  gateway_admitted_total  1,000  800    -200    -20.0%    more is better
  improved   e2e_seconds_p99         500ms  250ms  -250ms  -50.0%    less is better
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	Compare(base, base, 0.05).Write(&b)
	if strings.Contains(b.String(), "VERDICT") || !strings.Contains(b.String(), "3 unchanged") {
		t.Errorf("identical runs:\n%s", b.String())
	}
}

func TestMetricLabel(t *testing.T) {
	for name, want := range map[string]string{
		"gateway_throttled_total":                   "attempts throttled by the gateway (429 Too Many Requests)",
		"per_client.a.b.e2e_seconds_p99":            "first attempt to success: 99th percentile",
		"per_priority.high.gateway_throttled_total": "attempts throttled by the gateway (429 Too Many Requests)",
		"cost.lambda_compute_usd":                   "AWS cost: Lambda compute",
		"cost.new_service_usd":                      "AWS cost: new service",
		"alarm.throttling.fired_total":              "times the alarm went into ALARM",
		"something_new_total":                       "",
	} {
		if got := MetricLabel(name); got != want {
			t.Errorf("MetricLabel(%q) = %q, want %q", name, got, want)
		}
	}
}
