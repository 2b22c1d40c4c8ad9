package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/throttlelab/throttlelab/reports"
)

// cmdReport re-renders the charts and report.html of a run directory from the files the run
// wrote there (summary.json, series.csv, scenario.yaml).
func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("report: name one run directory")
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
