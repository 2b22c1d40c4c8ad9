package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
)

var compareCommand = &command{
	name:  "compare",
	args:  "BASE NEW [flags]",
	short: "regression check of a run against a baseline (exit 99 when a metric got worse)",
	long: `Compare the run NEW with the run BASE metric by metric, each in its own good direction
(fewer 429s, more completed work, shorter waits, lower cost), print what changed, regressions
first, and exit 99 when a metric got worse beyond the tolerance. BASE and NEW are run
directories (or baselines saved with run --save-baseline), or summary.json files.`,
	examples: `throttlelab run burst --save-baseline baselines/burst
throttlelab compare baselines/burst results/burst/20260105-093000-123 --tolerance 5%`,
	run: cmdCompare,
}

// cmdCompare compares a run with a base run metric by metric and fails (exit 99, as a failed
// threshold) when a metric moved in its bad direction by more than the tolerance.
func cmdCompare(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	tolFlag := fs.String("tolerance", "5%", "how much worse a metric may get, relative to the base: `TOL` as 5% or 0.05")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return cmdUsageErr(fs, "compare: name a base run directory and a new one")
	}
	tol, err := parseTolerance(*tolFlag)
	if err != nil {
		return cmdUsageErr(fs, "compare: --tolerance %q: %v", *tolFlag, err)
	}
	base, err := readRunSummary(pos[0])
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("compare: %w", err)}
	}
	cur, err := readRunSummary(pos[1])
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("compare: %w", err)}
	}
	c := reports.Compare(base, cur, tol)
	c.Write(stdout)
	if regs := c.Regressions(); len(regs) > 0 {
		names := make([]string, len(regs))
		for i, r := range regs {
			names[i] = r.Name
		}
		fmt.Fprintf(stdout, "  FAIL %d metrics regressed beyond %s: %s\n", len(regs), *tolFlag, strings.Join(names, ", "))
		return &exitError{code: exitThreshold, err: fmt.Errorf("%d metrics regressed", len(regs))}
	}
	return nil
}

// parseTolerance reads "5%" or "0.05" as 0.05. A bare number must be below 1, so that "5"
// (meant as 5%) is not taken for 500%.
func parseTolerance(s string) (float64, error) {
	num, isPct := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("want a percentage (5%%) or a fraction (0.05)")
	case v < 0:
		return 0, fmt.Errorf("must not be negative")
	case isPct:
		return v / 100, nil
	case v >= 1:
		return 0, fmt.Errorf("a fraction must be below 1; write %s%% for a percentage", num)
	}
	return v, nil
}

// readRunSummary reads DIR/summary.json, or the file itself when path names a file (a
// baseline kept as baselines/NAME/summary.json can be named either way).
func readRunSummary(path string) (*metrics.Summary, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", path, err)
	}
	if st.IsDir() {
		path = filepath.Join(path, "summary.json")
	}
	return metrics.ReadSummary(path)
}
