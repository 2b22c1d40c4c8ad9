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

	"github.com/throttlelab/throttlelab/envs"
	"github.com/throttlelab/throttlelab/live"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

type runFlags struct {
	mode           string
	seed           int64
	out            string
	env            string
	awsEndpoint    string
	sqsEndpoint    string
	dynamoEndpoint string
	allowRealAWS   bool
	metricsAddr    string // serve the live run's metrics to Prometheus here
	allowRemoteMet bool
	quiet          bool
	saveBaseline   string
	sets           listFlag
	set            map[string]bool
	notes          []string        // what --set changed that the run's summary should say
	abort          <-chan struct{} // closed by a second signal: stop at once
	backendTimeout time.Duration   // live: how long a backend may not answer
	gatewayAddr    string          // live: the gateway's loopback address (empty: a free port)
	// --target, --shard, --start-at (target.go)
	target, shardSpec, startAt string
	allowRemote                bool
	shard                      model.Shard
	startTime                  time.Time
}

var runCommand = &command{
	name:  "run",
	args:  "FILE|NAME [flags]",
	short: "run a scenario in the simulator, live on 127.0.0.1, or both",
	long: `Run a scenario (a file, or a NAME of the embedded catalog: throttlelab list) and write its
summary.json, series.csv, junit.xml, charts and report.html into a run directory, then print
a short summary. --set changes a field for this run (the path syntax of sweep --set); the
run directory's scenario.yaml records the values run. Exit 0 when every threshold held,
1 when the run could not be carried out, 99 when a threshold failed.`,
	examples: `throttlelab run burst
throttlelab run burst --set duration=30s --set clients[0].arrival.peak=8000/s --out /tmp/burst
throttlelab run burst --save-baseline baselines/burst
throttlelab run steady --mode live --set duration=10s
throttlelab run load-leveling --mode live --metrics-addr 127.0.0.1:9464
throttlelab run orchestrator --mode live --env endpoint --sqs-endpoint http://127.0.0.1:9324 --dynamodb-endpoint http://127.0.0.1:8000
throttlelab run steady --mode both --target http://127.0.0.1:8080
throttlelab run steady --mode live --target https://abc123.execute-api.us-east-1.amazonaws.com/prod --allow-remote-target
throttlelab run steady --mode live --target http://127.0.0.1:8080 --shard 0/2 --start-at 2026-01-05T09:30:00Z`,
	run: cmdRun,
}

func defineRunFlags(fs *flag.FlagSet, f *runFlags) {
	fs.StringVar(&f.mode, "mode", "", "run in `MODE`: sim, live or both (default: the scenario's mode)")
	fs.Int64Var(&f.seed, "seed", 0, "`N` seeds the simulation and the live run's randomness (default: the scenario's seed)")
	fs.Var(&f.sets, "set", "set a field for this run, `PATH=VALUE` as in sweep: duration=20s, clients[0].arrival.rate=50/s (repeatable)")
	fs.StringVar(&f.out, "out", "", "write the run's files into `DIR` (default results/NAME/RUN-ID)")
	fs.StringVar(&f.saveBaseline, "save-baseline", "", "also copy summary.json and scenario.yaml into `DIR`, a baseline for compare to commit")
	fs.StringVar(&f.env, "env", envs.Embedded, "live `ENV`ironment: embedded, containers or endpoint")
	fs.StringVar(&f.awsEndpoint, "aws-endpoint", "", "--env endpoint: the SQS and DynamoDB endpoint `URL` (LocalStack, an emulator, or real AWS)")
	fs.StringVar(&f.sqsEndpoint, "sqs-endpoint", "", "--env endpoint: the SQS endpoint `URL`, overriding --aws-endpoint for SQS")
	fs.StringVar(&f.dynamoEndpoint, "dynamodb-endpoint", "", "--env endpoint: the DynamoDB endpoint `URL`, overriding --aws-endpoint for DynamoDB")
	fs.BoolVar(&f.allowRealAWS, "allow-real-aws", false, "allow the endpoints to be real AWS (load there costs money)")
	fs.DurationVar(&f.backendTimeout, "backend-timeout", live.DefaultBackendTimeout, "live: a backend (SQS, DynamoDB, the fake API) that does not answer for `DURATION` has failed: the run ends with a partial report, naming it")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve the live run's metrics to Prometheus at http://`ADDR`/metrics while it runs (127.0.0.1:PORT; docs/metrics.md)")
	fs.BoolVar(&f.allowRemoteMet, "allow-remote-metrics", false, "let --metrics-addr bind an address that is not loopback (the network can read the metrics)")
	fs.StringVar(&f.gatewayAddr, "gateway-addr", "", "live: the gateway listens on `HOST:PORT`, a loopback address (default: a free port of 127.0.0.1); other clients sent there are refused (403) and counted as gateway_foreign_total")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr (a bar on a terminal; elsewhere a status line every 30 s of a long run)")
	defineTargetFlags(fs, f)
}

func cmdRun(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var f runFlags
	defineRunFlags(fs, &f)
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdUsageErr(fs, "run: name one scenario file or catalog name")
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if err := checkRunFlags(fs, f); err != nil {
		return err
	}
	if err := checkTargetFlags(fs, &f); err != nil {
		return err
	}
	sc, err := scenarios.Resolve(pos[0])
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	printWarnings(stderr, sc)
	if sc, f.notes, err = applySets(fs, sc, f.sets); err != nil {
		return err
	}
	if f.metricsAddr != "" && (sc.Mode == "sim" && !f.set["mode"] || f.mode == "sim") {
		return cmdUsageErr(fs, "run: --metrics-addr serves a live run's metrics, and %s runs in mode sim "+
			"(virtual time has nothing to scrape: a day passes in seconds); add --mode live or --mode both", sc.Name)
	}
	if err := checkTarget(fs, sc, runMode(sc, f), f, stderr); err != nil {
		return err
	}
	return runScenario(sc, f, stdout, stderr)
}

// checkRunFlags checks the flags that depend on one another.
func checkRunFlags(fs *flag.FlagSet, f runFlags) error {
	if f.set["mode"] && !oneOf(f.mode, "sim", "live", "both") {
		return cmdUsageErr(fs, "run: --mode %q: want sim, live or both", f.mode)
	}
	if !oneOf(f.env, envs.Kinds...) {
		return cmdUsageErr(fs, "run: --env %q: want one of %s", f.env, strings.Join(envs.Kinds, ", "))
	}
	if err := checkMetricsFlags(f); err != nil {
		return cmdUsageErr(fs, "run: %v", err)
	}
	if f.env != envs.Endpoint {
		for _, name := range []string{"aws-endpoint", "sqs-endpoint", "dynamodb-endpoint"} {
			if f.set[name] {
				return cmdUsageErr(fs, "run: --%s goes with --env endpoint", name)
			}
		}
	}
	return nil
}

// checkMetricsFlags checks --metrics-addr before anything runs: no listener, no lookup.
func checkMetricsFlags(f runFlags) error {
	if f.metricsAddr == "" {
		if f.allowRemoteMet {
			return errors.New("--allow-remote-metrics goes with --metrics-addr")
		}
		return nil
	}
	return live.CheckMetricsAddr(f.metricsAddr, f.allowRemoteMet)
}

// runMode is the mode a run goes in: --mode, else the scenario's.
func runMode(sc *scenarios.Scenario, f runFlags) string {
	if f.set["mode"] {
		return f.mode
	}
	return sc.Mode
}

func runScenario(sc *scenarios.Scenario, f runFlags, stdout, stderr io.Writer) error {
	mode := runMode(sc, f)
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
	if err := saveBaseline(f.saveBaseline, dir, out.partial, stdout); err != nil {
		return err
	}
	return shardVerdict(verdict(out, out.sum, dir), f, stderr)
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
	sum.Notes = append(sum.Notes, f.notes...)
	out.alarms = finishSummary(sc, sum, out.ser)
	if err := writeRun(dir, sc, out, wall, f); err != nil {
		return nil, &exitError{code: exitFailure, err: err}
	}
	if err := reports.WriteJUnit(filepath.Join(dir, "junit.xml"), sum, reports.JUnitWallTime(wall, time.Since(wall))); err != nil {
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

// runInfo is run.json: what depends on the wall clock, kept out of summary.json, and the
// command line's changes to the scenario.
type runInfo struct {
	Scenario    string    `json:"scenario"`
	File        string    `json:"file"`
	Set         []string  `json:"set,omitempty"` // the run's --set PATH=VALUE flags, in order
	StartedAt   time.Time `json:"started_at"`
	WallSeconds float64   `json:"wall_seconds"`
	// Target, Shard and LoadStartAt are --target, --shard and --start-at (merge reads them).
	Target      string     `json:"target,omitempty"`
	Shard       string     `json:"shard,omitempty"`
	LoadStartAt *time.Time `json:"load_start_at,omitempty"`
	// Partial says the run did not go to its end (interrupted, or a backend failed).
	Partial bool `json:"partial,omitempty"`
}

func writeRun(dir string, sc *scenarios.Scenario, res *outcome, wall time.Time, f runFlags) error {
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
	if err := writeScenarioCopy(dir, sc); err != nil {
		return err
	}
	in := reports.Input{Scenario: sc, Summary: res.sum, Series: res.ser, SimSeries: res.simSer,
		Alarms: res.alarms}
	if err := reports.Render(dir, in); err != nil {
		return err
	}
	info := runInfo{Scenario: sc.Name, File: sc.File, Set: f.sets, StartedAt: wall.UTC(), WallSeconds: time.Since(wall).Seconds(),
		Target: f.target, Shard: f.shard.String(), Partial: res.partial}
	if !f.startTime.IsZero() {
		t := f.startTime.UTC()
		info.LoadStartAt = &t
	}
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

// writeScenarioCopy writes dir/scenario.yaml: the scenario the run ran, a replayed trace
// pointed at from dir.
func writeScenarioCopy(dir string, sc *scenarios.Scenario) error {
	src, err := sc.SourceFor(dir)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "scenario.yaml"), src, 0o644)
	}
	if err != nil {
		return fmt.Errorf("write scenario copy: %w", err)
	}
	return nil
}
