package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
)

// TestCatalogRunsWriteKnownMetrics runs every catalog scenario (each design of a comparison)
// in the simulator and finishes its summary as run does, then holds the summary to the one list
// of metric names (metrics.Known and its families): every metric it holds, run-wide, per client
// and per priority, and every series, is a name validate accepts for that scenario; and every
// metric the list says such a run writes is there.
func TestCatalogRunsWriteKnownMetrics(t *testing.T) {
	for _, name := range scenarios.Catalog() {
		sc, err := scenarios.LoadCatalog(name)
		if err != nil {
			t.Fatal(err)
		}
		designs := []*scenarios.Scenario{sc}
		if len(sc.Variants) > 0 {
			designs = nil
			for i := range sc.Variants {
				vsc, err := sc.VariantScenario(i)
				if err != nil {
					t.Fatal(err)
				}
				designs = append(designs, vsc)
			}
		}
		for i, ds := range designs {
			res, err := sim.Run(context.Background(), ds, sim.Options{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			finishSummary(ds, res.Summary, res.Series)
			label := fmt.Sprintf("%s (design %d)", name, i)
			checkWritten(t, label, ds, res.Summary, res.Series)
			checkExpected(t, label, ds, res.Summary)
		}
	}
}

// checkWritten: every name the run wrote passes validate's check.
func checkWritten(t *testing.T, label string, sc *scenarios.Scenario, s *metrics.Summary, ser *metrics.Series) {
	t.Helper()
	var names []string
	for n := range s.Metrics {
		names = append(names, n)
	}
	for prefix, groups := range map[string]map[string]map[string]float64{"per_client.": s.PerClient, "per_priority.": s.PerPriority} {
		for g, m := range groups {
			for n := range m {
				names = append(names, prefix+g+"."+n)
			}
		}
	}
	for _, n := range names {
		if err := sc.CheckSummaryMetric(n); err != nil {
			t.Errorf("%s wrote %s, which validate refuses: %v", label, n, err)
		}
	}
	for _, c := range ser.Columns[1:] {
		if err := sc.CheckSeries(c); err != nil {
			t.Errorf("%s wrote the series %s, which validate refuses: %v", label, c, err)
		}
	}
}

// checkExpected: every metric the list says the run writes, it wrote.
func checkExpected(t *testing.T, label string, sc *scenarios.Scenario, s *metrics.Summary) {
	t.Helper()
	want := map[string]bool{}
	for _, k := range metrics.Known {
		if k.When != metrics.Sometimes && sc.CheckSummaryMetric(k.Name) == nil {
			want[k.Name] = true
		}
		for _, c := range sc.Clients {
			if k.PerGroup {
				want["per_client."+c.Name+"."+k.Name] = true
				want["per_priority."+c.Priority+"."+k.Name] = true
			}
		}
	}
	for _, a := range sc.Alarms {
		want["alarm."+metrics.SafeName(a.Name)+".fired_total"] = true
	}
	for _, item := range metrics.CostItems {
		want["cost."+item.Name+"_usd"] = true
	}
	for n := range want {
		if _, ok := s.Lookup(n); !ok {
			t.Errorf("%s did not write %s, which the list says it writes", label, n)
		}
	}
}
