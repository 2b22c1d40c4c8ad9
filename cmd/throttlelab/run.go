package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

type runFlags struct {
	mode         string
	seed         int64
	out          string
	env          string
	awsEndpoint  string
	allowRealAWS bool
	quiet        bool
	set          map[string]bool
	abort        <-chan struct{} // closed by a second signal: stop at once
}

// parseInterleaved parses flags that may come before or after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.mode, "mode", "", "sim, live or both (default: the scenario's mode)")
	fs.Int64Var(&f.seed, "seed", 0, "seed of the simulation (default: the scenario's seed)")
	fs.StringVar(&f.out, "out", "", "write the run's files into this directory (default results/NAME/RUN-ID)")
	fs.StringVar(&f.env, "env", "embedded", "live environment: embedded, containers or endpoint")
	fs.StringVar(&f.awsEndpoint, "aws-endpoint", "", "SQS/DynamoDB endpoint of --env endpoint (LocalStack, an emulator, or real AWS)")
	fs.BoolVar(&f.allowRealAWS, "allow-real-aws", false, "allow --aws-endpoint to be real AWS (load there costs money)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("run: name one scenario file or catalog name")
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if f.set["mode"] && !oneOf(f.mode, "sim", "live", "both") {
		return usageErr("run: --mode %q: want sim, live or both", f.mode)
	}
	sc, err := scenarios.Resolve(pos[0])
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	return runScenario(sc, f, stdout, stderr)
}

func runScenario(sc *scenarios.Scenario, f runFlags, stdout, stderr io.Writer) error {
	mode := sc.Mode
	if f.set["mode"] {
		mode = f.mode
	}
	ctx, abort, stop := interrupts(stderr)
	defer stop()
	f.abort = abort
	wall := time.Now()
	dir, err := outDir(sc.Name, f.out, wall)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if len(sc.Variants) > 0 {
		return runVariants(ctx, sc, mode, f, dir, wall, stdout, stderr)
	}
	out, err := runOne(ctx, sc, mode, f, dir, wall, stderr)
	if err != nil {
		return err
	}
	reports.WriteText(stdout, out.sum)
	reports.WriteCost(stdout, out.sum)
	fmt.Fprintf(stdout, "  results     %s\n", dir)
	fmt.Fprintf(stdout, "  report      %s\n", filepath.Join(dir, "report.html"))
	return verdict(out, out.sum, dir)
}

// runOne runs sc in mode and writes its files into dir.
func runOne(ctx context.Context, sc *scenarios.Scenario, mode string, f runFlags, dir string, wall time.Time, stderr io.Writer) (*outcome, error) {
	results := ""
	if mode != "sim" {
		results = filepath.Join(dir, "results.bin")
	}
	out, err := execute(ctx, sc, mode, f, results, stderr)
	if err != nil {
		return nil, &exitError{code: exitFailure, err: err}
	}
	sum := out.sum
	finishSummary(sc, sum, out.ser)
	sum.Thresholds = reports.Evaluate(sum, sc.SLO)
	if err := writeRun(dir, sc, out, wall); err != nil {
		return nil, &exitError{code: exitFailure, err: err}
	}
	if err := reports.WriteJUnit(filepath.Join(dir, "junit.xml"), sum); err != nil {
		return nil, &exitError{code: exitFailure, err: err}
	}
	return out, nil
}

// verdict is the exit status of a finished run. A run that could not be carried out to its
// end (partial) or whose ledger does not balance (in mode both, either ledger) fails (1),
// whatever its thresholds: they judge a sound run only (99 when any failed).
func verdict(out *outcome, sum *metrics.Summary, dir string) error {
	if out.partial {
		return &exitError{code: exitFailure, err: fmt.Errorf("%w (partial report in %s)", out.partialBy, dir)}
	}
	if sum.Ledger.Lost != 0 {
		return &exitError{code: exitFailure, err: errors.New(sum.Ledger.Verdict)}
	}
	if sum.Sim != nil && sum.Sim.Ledger.Lost != 0 {
		return &exitError{code: exitFailure, err: errors.New("simulation: " + sum.Sim.Ledger.Verdict)}
	}
	if n := reports.Failed(sum.Thresholds); n > 0 {
		return &exitError{code: exitThreshold, err: fmt.Errorf("%d thresholds failed", n)}
	}
	return nil
}

func outDir(name, out string, wall time.Time) (string, error) {
	dir := out
	if dir == "" {
		dir = filepath.Join("results", name, wall.UTC().Format("20060102-150405.000"))
		dir = strings.Replace(dir, ".", "-", 1)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create results directory: %w", err)
	}
	return dir, nil
}

// runInfo is run.json: what depends on the wall clock, kept out of summary.json.
type runInfo struct {
	Scenario    string    `json:"scenario"`
	File        string    `json:"file"`
	StartedAt   time.Time `json:"started_at"`
	WallSeconds float64   `json:"wall_seconds"`
}

func writeRun(dir string, sc *scenarios.Scenario, res *outcome, wall time.Time) error {
	if err := res.sum.WriteJSON(filepath.Join(dir, "summary.json")); err != nil {
		return err
	}
	if err := res.ser.WriteFile(filepath.Join(dir, "series.csv")); err != nil {
		return err
	}
	if res.simSer != nil {
		if err := res.simSer.WriteFile(filepath.Join(dir, "series-sim.csv")); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "scenario.yaml"), sc.Source, 0o644); err != nil {
		return fmt.Errorf("write scenario copy: %w", err)
	}
	in := reports.Input{Scenario: sc, Summary: res.sum, Series: res.ser, SimSeries: res.simSer,
		Alarms: reports.EvaluateAlarms(sc.Alarms, res.ser)}
	if err := reports.Render(dir, in); err != nil {
		return err
	}
	info := runInfo{Scenario: sc.Name, File: sc.File, StartedAt: wall.UTC(), WallSeconds: time.Since(wall).Seconds()}
	b, _ := json.MarshalIndent(info, "", "  ")
	return os.WriteFile(filepath.Join(dir, "run.json"), append(b, '\n'), 0o644)
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}
