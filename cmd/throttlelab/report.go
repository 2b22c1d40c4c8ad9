package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/throttlelab/throttlelab/reports"
)

var reportCommand = &command{
	name:  "report",
	args:  "DIR",
	short: "re-render charts and report.html from a run directory",
	long: `Re-render the charts and report.html of a run directory from the files the run wrote
there (summary.json, series.csv, scenario.yaml), for instance after upgrading throttlelab.`,
	examples: "throttlelab report results/burst/20260105-093000-123",
	run:      cmdReport,
}

// cmdReport re-renders the charts and report.html of a run directory from the files the run
// wrote there (summary.json, series.csv, scenario.yaml).
func cmdReport(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdUsageErr(fs, "report: name one run directory")
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return &exitError{code: exitFailure, err: fmt.Errorf("report: %s is not a run directory", dir)}
	}
	if err := reports.RenderDir(dir); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("report %s: %w", dir, err)}
	}
	fmt.Fprintf(stdout, "report %s\n", filepath.Join(dir, "report.html"))
	return nil
}
