package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/cost"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sweep"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

type sweepFlags struct {
	sets, metrics, slos listFlag
	out                 string
	jobs                int
	seed                int64
	seedSet             bool
	findMax, rng, res   string
	quiet               bool
}

var sweepCommand = &command{
	name:  "sweep",
	args:  "FILE|NAME --set PATH=FROM..TO:STEP [--set ...] | --find-max PATH --range FROM..TO [flags]",
	short: "run a grid of values in the simulator, or find the breaking point of one",
	long: `With --set, simulate the scenario at every point of a grid of field values and write
sweep.csv, a chart per key metric and sweep.html. With --find-max, bisect --range for the largest
value of PATH that keeps every SLO. A PATH names a numeric field by its YAML names, as in
validation messages: gateway.stage.rate, clients[0].arrival.rate, consumer.concurrency,
downstream.quotas[0].limit, gateway.methods["POST /orders"].rate.`,
	examples: `throttlelab sweep burst --set gateway.stage.rate=1000..3000:500
throttlelab sweep burst --set consumer.concurrency=5,10,20 --metric e2e_seconds_p99
throttlelab sweep steady --find-max clients[0].arrival.rate --range 100..5000 --slo "e2e_seconds_p99 < 1"`,
	run: cmdSweep,
}

func parseSweepFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (sweepFlags, []string, error) {
	var f sweepFlags
	fs.Var(&f.sets, "set", "a swept field, `PATH=FROM..TO:STEP` or PATH=V1,V2,… (repeatable); with --find-max, PATH=V fixes a field")
	fs.Var(&f.metrics, "metric", "a `METRIC` to chart (repeatable; default the key metrics)")
	fs.Var(&f.slos, "slo", "find-max: an SLO to keep, `\"METRIC OP NUMBER\"` (repeatable; default the scenario's slo)")
	fs.StringVar(&f.out, "out", "", "write the sweep's files into `DIR` (default results/NAME/sweep-TIME)")
	fs.IntVar(&f.jobs, "jobs", 0, "`N` points run at once (default GOMAXPROCS)")
	fs.Int64Var(&f.seed, "seed", 0, "`N` seeds every run (default: the scenario's seed)")
	fs.StringVar(&f.findMax, "find-max", "", "find the largest value of `PATH` keeping every SLO")
	fs.StringVar(&f.rng, "range", "", "find-max: the values tried, `FROM..TO`")
	fs.StringVar(&f.res, "resolution", "", "find-max: the answer's precision `R` (default (TO-FROM)/100)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	pos, err := parseFlags(fs, args, stdout)
	fs.Visit(func(fl *flag.Flag) { f.seedSet = f.seedSet || fl.Name == "seed" })
	return f, pos, err
}

// cmdSweep runs `throttlelab sweep FILE|NAME --set … | --find-max PATH --range FROM..TO`.
func cmdSweep(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	f, pos, err := parseSweepFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdUsageErr(fs, "sweep: name one scenario file or catalog name")
	}
	if f.jobs < 0 {
		return cmdUsageErr(fs, "sweep: --jobs %d: want 0 or more", f.jobs)
	}
	find := f.findMax != ""
	if !find && (f.rng != "" || f.res != "" || len(f.slos) > 0) {
		return cmdUsageErr(fs, "sweep: --range, --resolution and --slo go with --find-max")
	}
	if !find && len(f.sets) == 0 {
		return cmdUsageErr(fs, "sweep: name a field to sweep with --set PATH=FROM..TO:STEP, or use --find-max")
	}
	sc, err := scenarios.Resolve(pos[0])
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if _, err := cost.PricesFromEnv(); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	opts := sweep.Options{Jobs: f.jobs, Finish: finishPoint}
	if f.seedSet {
		opts.Seed = &f.seed
	}
	if find {
		return cmdFindMax(sc, f, opts, stdout, stderr)
	}
	return cmdSweepGrid(sc, f, opts, stdout, stderr)
}

// finishPoint completes a point's summary as `run` does: alarms and cost.
func finishPoint(sc *scenarios.Scenario, sum *metrics.Summary, ser *metrics.Series) {
	finishSummary(sc, sum, ser)
}

// cmdSweepGrid runs every point of the --set grid and writes sweep.csv, the charts and
// sweep.html.
func cmdSweepGrid(sc *scenarios.Scenario, f sweepFlags, opts sweep.Options, stdout, stderr io.Writer) error {
	var axes []sweep.Axis
	for _, s := range f.sets {
		a, err := sweep.ParseAxis(s)
		if err != nil {
			return usageErr("sweep: %v", err)
		}
		axes = append(axes, a)
	}
	if err := sweep.Check(sc, axes, nil); err != nil {
		return usageErr("sweep: %v", err)
	}
	if !f.quiet {
		opts.Progress = sweepProgress(stderr, axes)
	}
	wall := time.Now()
	pts, err := sweep.Run(sc, axes, nil, opts)
	if err != nil {
		return usageErr("sweep: %v", err)
	}
	dir, err := sweepDir(sc.Name, f.out, wall)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	keys := []string(f.metrics)
	if len(keys) == 0 {
		keys = sweep.DefaultMetrics
	}
	if err := writeSweep(dir, sc, axes, pts, keys, opts); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	sweep.WriteTable(stdout, axes, pts, keys)
	fmt.Fprintf(stdout, "  results     %s\n", dir)
	return sweepOutcome(pts)
}

// writeSweep writes sweep.csv, a chart per key metric and sweep.html into dir.
func writeSweep(dir string, sc *scenarios.Scenario, axes []sweep.Axis, pts []sweep.Point, keys []string, opts sweep.Options) error {
	if err := sweep.WriteCSVFile(filepath.Join(dir, "sweep.csv"), axes, pts); err != nil {
		return err
	}
	figs, missing, err := sweep.Charts(dir, keys, axes, pts)
	if err != nil {
		return err
	}
	seed := *sc.Seed
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	return sweep.WriteHTMLFile(filepath.Join(dir, "sweep.html"), sweep.Report{Scenario: sc,
		Seed: seed, Axes: axes, Points: pts, Metrics: keys, Figures: figs, Missing: missing})
}

// sweepOutcome is the exit of a sweep: 1 when a point's run failed or no point was valid.
func sweepOutcome(pts []sweep.Point) error {
	invalid := 0
	for _, p := range pts {
		switch {
		case p.Err == nil:
		case errors.Is(p.Err, sweep.ErrInvalid):
			invalid++
		default:
			return &exitError{code: exitFailure, err: fmt.Errorf("sweep: %w", p.Err)}
		}
	}
	if invalid == len(pts) {
		return &exitError{code: exitFailure, err: errors.New("sweep: no point is a valid scenario")}
	}
	return nil
}

// sweepProgress prints a line per finished point.
func sweepProgress(w io.Writer, axes []sweep.Axis) func(done, total int, p sweep.Point) {
	return func(done, total int, p sweep.Point) {
		var vals []string
		for i, a := range axes {
			vals = append(vals, a.Path+"="+sweep.Label(a.Kind, p.Values[i]))
		}
		fmt.Fprintf(w, "sweep: [%d/%d] %s%s\n", done, total, strings.Join(vals, " "), pointOutcome(p))
	}
}

func pointOutcome(p sweep.Point) string {
	switch {
	case errors.Is(p.Err, sweep.ErrInvalid):
		return ": INVALID, not run: " + strings.ReplaceAll(p.Err.Error(), "\n", "; ")
	case p.Err != nil:
		return ": FAILED: " + p.Err.Error()
	}
	return fmt.Sprintf(" (%s)", p.Wall.Round(time.Millisecond))
}

func sweepDir(name, out string, wall time.Time) (string, error) {
	dir := out
	if dir == "" {
		stamp := strings.Replace(wall.UTC().Format("20060102-150405.000"), ".", "-", 1)
		dir = filepath.Join("results", name, "sweep-"+stamp)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create results directory: %w", err)
	}
	return dir, nil
}

// cmdFindMax bisects --range for the largest value of --find-max keeping every SLO, prints
// the runs and the answer, and writes find-max.csv.
func cmdFindMax(sc *scenarios.Scenario, f sweepFlags, opts sweep.Options, stdout, stderr io.Writer) error {
	if len(f.metrics) > 0 {
		return usageErr("sweep: --metric goes with --set, not --find-max")
	}
	s, err := parseSearch(sc, f)
	if err != nil {
		return err
	}
	if !f.quiet {
		opts.Progress = func(done, _ int, p sweep.Point) {
			fmt.Fprintf(stderr, "find-max: run %d: %s=%s%s\n", done, s.Path, sweep.Label(mustKind(s.Path), p.Values[0]), pointOutcome(p))
		}
	}
	wall := time.Now()
	r, err := sweep.FindMax(sc, s, opts)
	if errors.Is(err, sweep.ErrNoSLO) {
		return usageErr("sweep: %v", err)
	}
	dir, derr := sweepDir(sc.Name, f.out, wall)
	if derr != nil {
		return &exitError{code: exitFailure, err: derr}
	}
	if werr := r.WriteCSVFile(filepath.Join(dir, "find-max.csv")); werr != nil {
		return &exitError{code: exitFailure, err: werr}
	}
	r.WriteText(stdout)
	fmt.Fprintf(stdout, "  results     %s\n", dir)
	switch {
	case err != nil:
		return &exitError{code: exitFailure, err: fmt.Errorf("find-max: %w", err)}
	case !r.Found:
		return &exitError{code: exitFailure, err: fmt.Errorf("find-max: %s=%s already fails", s.Path, sweep.Label(r.Kind, s.From))}
	}
	return nil
}

// parseSearch reads --find-max, --range, --resolution, --slo and fixed --set values.
func parseSearch(sc *scenarios.Scenario, f sweepFlags) (sweep.Search, error) {
	s := sweep.Search{Path: f.findMax}
	kind, err := sweep.KindOf(s.Path)
	if err != nil {
		return s, usageErr("sweep: --find-max: %v", err)
	}
	if f.rng == "" {
		return s, usageErr("sweep: --find-max needs --range FROM..TO")
	}
	if s.From, s.To, err = sweep.ParseRange(kind, f.rng); err != nil {
		return s, usageErr("sweep: --range: %v", err)
	}
	if f.res != "" {
		if s.Resolution, err = sweep.ParseValue(kind, f.res); err != nil || !(s.Resolution > 0) {
			return s, usageErr("sweep: --resolution %q: want a value greater than 0", f.res)
		}
	}
	for _, expr := range f.slos {
		if _, err := scenarios.ParseThreshold(expr); err != nil {
			return s, usageErr("sweep: --slo: %v", err)
		}
		s.SLO = append(s.SLO, expr)
	}
	for _, spec := range f.sets {
		a, err := sweep.ParseAxis(spec)
		if err != nil || len(a.Values) != 1 {
			return s, usageErr("sweep: with --find-max, --set fixes one value (PATH=V): %q", spec)
		}
		s.Fixed = append(s.Fixed, sweep.Assignment{Path: a.Path, Kind: a.Kind, Value: a.Values[0]})
	}
	probe := []sweep.Axis{{Path: s.Path, Kind: kind, Values: []float64{s.From}}}
	if err := sweep.Check(sc, probe, s.Fixed); err != nil {
		return s, usageErr("sweep: %v", err)
	}
	return s, nil
}

func mustKind(path string) sweep.Kind {
	k, _ := sweep.KindOf(path)
	return k
}
