package main

import (
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// TestMergeSummaries: counters add up, maxima take the largest, means are weighted by their
// counts, percentiles without quantiles are the largest shard's (and said so), the cost and
// alarm metrics are left to be computed again, the ledger is summed and judged.
func TestMergeSummaries(t *testing.T) {
	sc, err := scenarios.LoadBytes("m.yaml", []byte("name: m\nduration: 10s\nclients: [{name: a, arrival: {shape: constant, rate: 1/s}}]\n"+
		"downstream: {quotas: [{limit: 10, per: 1s}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	shard := func(offered, completed int64, mean, p99, depth float64) *metrics.Summary {
		return &metrics.Summary{Scenario: "m", Mode: "live", EndedSeconds: 10, Metrics: map[string]float64{
			"offered_total": float64(offered), "completed_total": float64(completed), "e2e_seconds_mean": mean,
			"e2e_seconds_p99": p99, "queue_depth_max": depth, "in_flight_at_end": 1, "downstream_admitted_total": 50,
			"downstream_utilization": 0.4, "cost_usd_total": 3, "alarm.x.fired_total": 1},
			PerClient: map[string]map[string]float64{"a": {"offered_total": float64(offered), "completed_total": float64(completed), "e2e_seconds_mean": mean}},
			Ledger: metrics.Ledger{Offered: offered, Completed: completed, Rejected: map[string]int64{"throttled": offered - completed - 1},
				InFlight: map[string]int64{"retry_wait": 1}}}
	}
	s := mergeSummaries(sc, []*metrics.Summary{shard(100, 60, 1, 2, 5), shard(50, 20, 3, 7, 9)})
	m := s.Metrics
	want := map[string]float64{"offered_total": 150, "completed_total": 80, "e2e_seconds_mean": (60*1 + 20*3) / 80.0,
		"e2e_seconds_p99": 7, "queue_depth_max": 9, "in_flight_at_end": 2, "downstream_utilization": 0.8,
		"downstream_admitted_total": 100, "downstream_overgrant": 0} // 100 admitted ≤ 10 + 10·10 s
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	for _, k := range []string{"cost_usd_total", "alarm.x.fired_total"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s merged: it is computed again on the merged run", k)
		}
	}
	if c := s.PerClient["a"]; c["offered_total"] != 150 || c["e2e_seconds_mean"] != 1.5 {
		t.Errorf("per client %v", c)
	}
	if l := s.Ledger; l.Offered != 150 || l.Rejected["throttled"] != 68 || l.InFlight["retry_wait"] != 2 || l.Lost != 0 || l.Verdict != "every request is accounted for" {
		t.Errorf("ledger %+v", l)
	}
	if len(s.Notes) == 0 {
		t.Error("no note that e2e_seconds_p99 is an upper bound")
	}
}

// TestMergeSeries: counters and gauges add up, per-second percentiles take the largest, a
// shard that started a second later is shifted.
func TestMergeSeries(t *testing.T) {
	cols := []string{"second", "offered", "e2e_seconds_p99", "queue.q.oldest_age_seconds", "in_flight"}
	a := &metrics.Series{Columns: cols, Rows: [][]float64{{0, 10, 0.5, 2, 3}, {1, 10, 0.7, 1, 0}}}
	b := &metrics.Series{Columns: cols, Rows: [][]float64{{0, 5, 0.9, 1, 1}}}
	got, err := mergeSeries([]*metrics.Series{a, b}, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0, 10, 0.5, 2, 3}, {1, 15, 0.9, 1, 1}}
	for k := range want {
		for j := range want[k] {
			if got.Rows[k][j] != want[k][j] {
				t.Errorf("row %d: %v, want %v", k, got.Rows[k], want[k])
				break
			}
		}
	}
	c := &metrics.Series{Columns: cols[:3]}
	if _, err := mergeSeries([]*metrics.Series{a, c}, []int{0, 0}); err == nil {
		t.Error("series of different columns merged")
	}
}
