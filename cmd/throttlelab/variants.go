package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// runVariants runs each design of a comparison scenario on the same traffic, each into its own
// directory with its full report, then writes the comparison: a table on stdout,
// comparison.html and comparison.csv, and a summary.json whose metrics are the variants'
// ("variant.NAME.METRIC"), so that `compare` works on comparison runs too.
func runVariants(ctx context.Context, sc *scenarios.Scenario, mode string, f runFlags, dir string, wall time.Time, stdout, stderr io.Writer) error {
	var vs []reports.Variant
	var worst error
	partial := false
	for i, v := range sc.Variants {
		vsc, err := sc.VariantScenario(i)
		if err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("variant %s: %w", v.Name, err)}
		}
		vdir := filepath.Join(dir, v.Name)
		if err := os.MkdirAll(vdir, 0o755); err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("create results directory: %w", err)}
		}
		fmt.Fprintf(stderr, "throttlelab: %s, variant %d of %d: %s\n", sc.Name, i+1, len(sc.Variants), v.Name)
		out, err := runOne(ctx, vsc, mode, f, vdir, wall, stderr)
		if err != nil {
			return err
		}
		if err := verdict(out, out.sum, vdir); err != nil && worst == nil {
			worst = fmt.Errorf("variant %s: %w", v.Name, err)
		}
		vs = append(vs, reports.Variant{Name: v.Name, Description: v.Description, Dir: v.Name, Summary: out.sum})
		if out.partial {
			partial = true
			break
		}
	}
	if err := writeComparison(dir, sc, mode, vs); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	fmt.Fprintf(stdout, "%s (%s): %d designs on the same traffic\n", sc.Name, mode, len(vs))
	reports.WriteComparison(stdout, vs)
	fmt.Fprintf(stdout, "  results     %s\n", dir)
	fmt.Fprintf(stdout, "  report      %s\n", filepath.Join(dir, "comparison.html"))
	if err := saveBaseline(f.saveBaseline, dir, partial, stdout); err != nil {
		return err
	}
	return worst
}

func writeComparison(dir string, sc *scenarios.Scenario, mode string, vs []reports.Variant) error {
	sum := &metrics.Summary{Scenario: sc.Name, Mode: mode, Metrics: reports.VariantMetrics(vs),
		PerPriority: map[string]map[string]float64{}, PerClient: map[string]map[string]float64{},
		Thresholds: []metrics.ThresholdResult{}}
	if sc.Seed != nil {
		sum.Seed = *sc.Seed
	}
	for _, v := range vs {
		sum.Notes = append(sum.Notes, fmt.Sprintf("variant %s: see %s/", v.Name, v.Dir))
		sum.Ledger.Offered += v.Summary.Ledger.Offered
		sum.Ledger.Lost += v.Summary.Ledger.Lost
	}
	if err := sum.WriteJSON(filepath.Join(dir, "summary.json")); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "scenario.yaml"), sc.Source, 0o644); err != nil {
		return fmt.Errorf("write scenario copy: %w", err)
	}
	if err := reports.WriteComparisonCSV(filepath.Join(dir, "comparison.csv"), vs); err != nil {
		return err
	}
	return reports.WriteComparisonHTML(filepath.Join(dir, "comparison.html"), sc, vs)
}
