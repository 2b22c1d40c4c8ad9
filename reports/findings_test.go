package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// findingsInput is a run of offered requests that all completed, changed by the case.
func findingsInput(offered float64) Input {
	return Input{Summary: &metrics.Summary{OfferedSeconds: 120,
		Metrics: map[string]float64{"offered_total": offered, "attempts_total": offered,
			"completed_total": offered, "e2e_seconds_p50": 0.05, "e2e_seconds_p99": 0.2}}}
}

// findingsColumns builds a series of n seconds from columns given as functions of the second.
func findingsColumns(n int, cols map[string]func(sec int) float64) *metrics.Series {
	s := &metrics.Series{Columns: []string{"second"}}
	names := keysInOrder(cols)
	s.Columns = append(s.Columns, names...)
	for sec := range n {
		row := []float64{float64(sec)}
		for _, c := range names {
			row = append(row, cols[c](sec))
		}
		s.Rows = append(s.Rows, row)
	}
	return s
}

func findingsBetween(lo, hi int, in, out float64) func(int) float64 {
	return func(sec int) float64 {
		if sec >= lo && sec < hi {
			return in
		}
		return out
	}
}

func findingsQuotaScenario(qs ...scenarios.Quota) *scenarios.Scenario {
	return &scenarios.Scenario{Downstream: &scenarios.Downstream{Quotas: qs}}
}

func findingsTier(limit int64, per time.Duration, window string) scenarios.Quota {
	return scenarios.Quota{Limit: limit, Per: scenarios.Duration(per), Window: window}
}

func TestFindings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(in *Input)
		want  []string // substrings of the findings, in order
		not   []string // substrings no finding may contain
	}{
		{name: "healthy", setup: func(in *Input) {}, not: []string{""}},
		{name: "lost first", setup: func(in *Input) {
			in.Summary.Metrics["gateway_throttled_total"] = 5
			in.Summary.Metrics["attempts_total"] = 105
			in.Summary.Ledger = metrics.Ledger{Lost: 3, Verdict: "3 requests were offered but are neither ended nor found in flight"}
		}, want: []string{"LEDGER BROKEN: 3 requests were offered", "The gateway throttled 5 of 105"}},
		{name: "throttled during a burst", setup: func(in *Input) {
			in.Summary.Metrics["attempts_total"] = 100
			in.Summary.Metrics["gateway_throttled_total"] = 58
			in.Series = findingsColumns(60, map[string]func(int) float64{
				"attempts": findingsBetween(30, 35, 20, 0), "gateway_throttled": findingsBetween(30, 35, 11.6, 0)})
			in.Scenario = &scenarios.Scenario{Clients: []scenarios.Client{{Name: "p",
				Arrival: scenarios.Arrival{Shape: "burst", At: scenarios.DurationOf(30 * time.Second)}}}}
		}, want: []string{"The gateway throttled 58 of 100 attempts (58 %)",
			"Throttling peaked during the burst at 30 s (30 s to 35 s): the gateway refused 58 % of the attempts then."}},
		{name: "retries", setup: func(in *Input) { in.Summary.Metrics["attempts_total"] = 250 },
			want: []string{"Clients made 2.50 attempts per request"}},
		{name: "dead letters", setup: func(in *Input) {
			in.Summary.Metrics["dlq_total"] = 3
			in.Summary.Ledger.Failed = map[string]int64{"dead_lettered": 3}
			in.Series = findingsColumns(60, map[string]func(int) float64{"dlq": findingsBetween(45, 46, 3, 0)})
		}, want: []string{"3 % of requests were dead-lettered (3 messages moved to a DLQ, the first at 45 s)."}},
		{name: "queue drained after load stopped", setup: func(in *Input) {
			in.Series = findingsColumns(300, map[string]func(int) float64{
				"queue.orders.depth": func(s int) float64 {
					return max(0, min(float64(s)*806.6, 48394-float64(s-60)*315))
				},
				"queue.orders.oldest_age_seconds": findingsBetween(0, 215, 95, 0)})
		}, want: []string{`The queue "orders" reached 48,394 messages at 60 s and drained 95 s after load stopped; its oldest message had waited 95 s.`}},
		{name: "half the quota unused while work waited", setup: func(in *Input) {
			in.Summary.Metrics["downstream_utilization"] = 0.527
			in.Summary.Metrics["queue_oldest_age_seconds_max"] = 30
			in.Scenario = findingsQuotaScenario(findingsTier(20, time.Second, "sliding"))
		}, want: []string{"Half the downstream quota went unused (utilization 52.7 %) while work waited in the queue"}},
		{name: "demand below the quota", setup: func(in *Input) {
			in.Summary.Metrics["downstream_utilization"] = 0.25
			in.Scenario = findingsQuotaScenario(findingsTier(20, time.Second, "sliding"))
		}, want: []string{"The downstream quota was 25.0 % used: the offered load stayed below it."}},
		{name: "daily quota used up", setup: func(in *Input) {
			in.Summary.Metrics["downstream_429_total"] = 1204
			in.Summary.Metrics["downstream_utilization"] = 1
			in.Scenario = findingsQuotaScenario(findingsTier(10, time.Second, "sliding"), findingsTier(50000, 24*time.Hour, "fixed"))
			in.Series = findingsColumns(120, map[string]func(int) float64{
				"downstream_calls": func(int) float64 { return 500 },
				"downstream_ok":    findingsBetween(0, 100, 500, 0), "downstream_429": findingsBetween(100, 120, 500, 0)})
		}, want: []string{"The API refused 1,204 calls with 429: its quota of 50,000 calls per 24h (fixed window) was used up at 100 s",
			"The downstream quota was used to the last call (utilization 100.0 %)."}},
		{name: "calls faster than the quota", setup: func(in *Input) {
			in.Summary.Metrics["downstream_429_total"] = 1204
			in.Scenario = findingsQuotaScenario(findingsTier(20, time.Second, "sliding"), findingsTier(50000, 24*time.Hour, "fixed"))
			in.Series = findingsColumns(60, map[string]func(int) float64{
				"downstream_calls": findingsBetween(20, 30, 196, 8), "downstream_ok": findingsBetween(20, 30, 20, 8),
				"downstream_429": findingsBetween(20, 30, 176, 0)})
		}, want: []string{"The API refused 1,204 calls with 429: the consumer called faster than the quota allows (up to 196 calls a second against a quota of 20 calls per 1s (sliding window))."}},
		{name: "orchestrator idle between triggers", setup: func(in *Input) {
			in.Scenario = &scenarios.Scenario{Consumer: &scenarios.Consumer{Pattern: "orchestrator"}}
			in.Series = findingsColumns(10, map[string]func(int) float64{
				"queue.work.depth": func(int) float64 { return 5 }, "downstream_calls": findingsBetween(0, 4, 3, 0),
				"breaker_open": func(int) float64 { return 0 }})
		}, want: []string{"The orchestrator was idle 6 s between triggers while messages waited"}},
		{name: "slow tail", setup: func(in *Input) { in.Summary.Metrics["e2e_seconds_p99"] = 40 },
			want: []string{"1 % of completed requests took longer than 40s end to end, 800 times the median (50ms)."}},
		{name: "thresholds", setup: func(in *Input) {
			in.Summary.Thresholds = []metrics.ThresholdResult{{Expr: "a < 1", Value: 2}, {Expr: "b == 0", OK: true}}
		}, want: []string{"1 of 2 thresholds failed: a < 1 (was 2)."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := findingsInput(100)
			tc.setup(&in)
			got := Findings(in)
			all := strings.Join(got, "\n")
			at := 0
			for _, w := range tc.want {
				i := strings.Index(all[at:], w)
				if i < 0 {
					t.Errorf("no finding %q (in order); findings:\n%s", w, all)
					continue
				}
				at += i + len(w)
			}
			for _, n := range tc.not {
				if len(got) > 0 && strings.Contains(all, n) {
					t.Errorf("unexpected findings:\n%s", all)
				}
			}
		})
	}
}

func TestPctWords(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{{0.58, 0, "58 %"}, {0.03, 0, "3 %"}, {0.032, 0, "3.2 %"}, {0.0042, 0, "0.42 %"},
		{0.527, 1, "52.7 %"}, {1, 1, "100.0 %"}} {
		if got := pctWords(tc.v, tc.prec); got != tc.want {
			t.Errorf("pctWords(%v, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
}
