package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// runVariants runs each design of a comparison scenario on the same traffic, each into its own
// directory with its full report, then writes the comparison: a table on stdout,
// comparison.html and comparison.csv, and a summary.json whose metrics are the variants'
// ("variant.NAME.METRIC"), so that `compare` works on comparison runs too, with the ledger's
// totals over every variant at the top level. A variant whose run fails does not stop the
// others (an interruption does); the exit status is the worst of the variants' (see
// worstVariant).
func runVariants(ctx context.Context, sc *scenarios.Scenario, mode string, f runFlags, dir string, wall time.Time, stdout, stderr io.Writer) error {
	var vs []reports.Variant
	var errs []variantError
	partial := false
	for i, v := range sc.Variants {
		vsc, vdir, err := variantSetup(sc, i, dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "throttlelab: %s, variant %d of %d: %s\n", sc.Name, i+1, len(sc.Variants), v.Name)
		out, err := runOne(ctx, vsc, mode, f, vdir, wall, stderr)
		if err != nil {
			errs = append(errs, variantError{v.Name, err})
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if err := verdict(out, out.sum, vdir); err != nil {
			errs = append(errs, variantError{v.Name, err})
		}
		vs = append(vs, reports.Variant{Name: v.Name, Description: v.Description, Dir: v.Name, Summary: out.sum})
		if out.partial {
			partial = true
			break
		}
	}
	if len(vs) == 0 {
		return worstVariant(errs)
	}
	if err := writeComparison(dir, sc, mode, vs, errs); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	fmt.Fprintf(stdout, "%s (%s): %d designs on the same traffic\n", sc.Name, mode, len(vs))
	reports.WriteComparison(stdout, vs)
	fmt.Fprintf(stdout, "  results     %s\n", dir)
	fmt.Fprintf(stdout, "  report      %s\n", filepath.Join(dir, "comparison.html"))
	if err := saveBaseline(f.saveBaseline, dir, partial, stdout); err != nil {
		return err
	}
	return worstVariant(errs)
}

// variantSetup returns variant i's scenario and its run directory, created in dir.
func variantSetup(sc *scenarios.Scenario, i int, dir string) (*scenarios.Scenario, string, error) {
	name := sc.Variants[i].Name
	vsc, err := sc.VariantScenario(i)
	if err != nil {
		return nil, "", &exitError{code: exitFailure, err: fmt.Errorf("variant %s: %w", name, err)}
	}
	vdir := filepath.Join(dir, name)
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return nil, "", &exitError{code: exitFailure, err: fmt.Errorf("create results directory: %w", err)}
	}
	return vsc, vdir, nil
}

// variantError is why a variant's run did not end well: a failed run or a failed verdict.
type variantError struct {
	name string
	err  error
}

// worstVariant is the exit status of a comparison run: 1 when any variant's run failed or
// its ledger does not balance, whatever the others' thresholds; else 99 when a variant's
// threshold failed; else nil. Its message names every variant that did not end well.
func worstVariant(errs []variantError) error {
	if len(errs) == 0 {
		return nil
	}
	code := exitThreshold
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = "variant " + e.name + ": " + e.err.Error()
		var ee *exitError
		if !errors.As(e.err, &ee) || ee.code != exitThreshold {
			code = exitFailure
		}
	}
	return &exitError{code: code, err: errors.New(strings.Join(msgs, "; "))}
}

// writeComparison writes the comparison of the variants that finished, vs; errs say which
// variants did not end well, in the summary's notes.
func writeComparison(dir string, sc *scenarios.Scenario, mode string, vs []reports.Variant, errs []variantError) error {
	sum := &metrics.Summary{Scenario: sc.Name, Mode: mode, Metrics: reports.VariantMetrics(vs),
		PerPriority: map[string]map[string]float64{}, PerClient: map[string]map[string]float64{},
		Thresholds: []metrics.ThresholdResult{}, Ledger: reports.VariantLedger(vs)}
	maps.Copy(sum.Metrics, reports.VariantTotals(vs))
	if sc.Seed != nil {
		sum.Seed = *sc.Seed
	}
	for _, v := range vs {
		sum.Notes = append(sum.Notes, fmt.Sprintf("variant %s: see %s/", v.Name, v.Dir))
	}
	for _, e := range errs {
		sum.Notes = append(sum.Notes, fmt.Sprintf("variant %s: %v", e.name, e.err))
	}
	if err := sum.WriteJSON(filepath.Join(dir, "summary.json")); err != nil {
		return err
	}
	if err := writeScenarioCopy(dir, sc); err != nil {
		return err
	}
	if err := reports.WriteComparisonCSV(filepath.Join(dir, "comparison.csv"), vs); err != nil {
		return err
	}
	return reports.WriteComparisonHTML(filepath.Join(dir, "comparison.html"), sc, vs)
}
