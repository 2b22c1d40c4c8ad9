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
	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sweep"
)

var recommendCommand = &command{
	name:  "recommend",
	args:  "FILE|NAME --tune PATH=LO..HI[:STEP][,min|max] [--tune ...] [flags]",
	short: "the best limits that hold every SLO, searched in the simulator",
	long: `Find the best values of the knobs you name that hold every SLO of the scenario (its slo
list) on every one of N seeds, the scenario's seed and the N-1 after it, in the simulator.
Best is the lexicographic optimum, knobs in the order given: the first as far toward its
direction as any configuration that holds allows (min, the default: the tightest limit that
still meets the SLOs; max: e.g. an orchestrator's pace), then the second among those, and so
on. Each knob is bisected, assuming it is monotone (moving it away from its direction never
breaks an SLO that held); when two configurations run contradict that, recommend says so and
scans instead. Configurations are memoized; runs go in parallel on the machine's cores.

A knob is any numeric field path that sweep --set takes: gateway.stage.rate,
gateway.stage.burst, consumer.concurrency, consumer.pace, queues[0].visibility_timeout,
gateway.usage_plans[0].throttle.rate, ... LO, HI and STEP are written as the field is (100/s,
30s, 5). STEP defaults to 1 for a whole-number field and to a hundredth of the range
otherwise; HI is always tried.

It prints the answer, the runner-up, each SLO's margin at the answer (on its worst seed), the
cost per million requests and the runs it took against the full grid, and writes into the
results directory recommendation.json, recommended.yaml (the scenario with the answer),
recommend.html with its charts (also as SVG and PNG) and, for a scenario that throttlelab
import made from a template, template.patch.yaml: the template properties to change, old -> new.
Exit codes: 0 a configuration was recommended; 1 none in the ranges holds every SLO, or a run
failed; 2 usage.`,
	examples: `throttlelab recommend orchestrator --tune 'consumer.quotas[0].limit=5..20,max' --tune consumer.pace=5/s..20/s:1,max
throttlelab recommend my.yaml --tune gateway.stage.rate=100..2000:50 --tune gateway.stage.burst=100..5000:100`,
	run: cmdRecommend,
}

type recommendFlags struct {
	tunes   listFlag
	seeds   int
	seed    int64
	seedSet bool
	out     string
	jobs    int
	quiet   bool
}

// cmdRecommend runs `throttlelab recommend FILE|NAME --tune PATH=LO..HI[:STEP][,min|max] ...`.
func cmdRecommend(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	f := recommendFlags{seeds: sweep.DefaultSeeds}
	fs.Var(&f.tunes, "tune", "a knob to tune: `PATH=LO..HI[:STEP][,min|max]` (repeatable; the first given is decided first)")
	fs.IntVar(&f.seeds, "seeds", sweep.DefaultSeeds, "each configuration must hold every SLO on `N` seeds")
	fs.Int64Var(&f.seed, "seed", 0, "the first seed is `N` (default: the scenario's seed)")
	fs.StringVar(&f.out, "out", "", "write the files into `DIR` (default results/NAME/recommend-TIME)")
	fs.IntVar(&f.jobs, "jobs", 0, "`N` simulator runs at once (default GOMAXPROCS)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	fs.Visit(func(fl *flag.Flag) { f.seedSet = f.seedSet || fl.Name == "seed" })
	sc, t, err := recommendSetup(f, pos)
	if err != nil {
		return err
	}
	opts := sweep.Options{Jobs: f.jobs, Finish: finishPoint}
	if f.seedSet {
		opts.Seed = &f.seed
	}
	if !f.quiet {
		t.Progress = recommendProgress(stderr, t.Knobs, f.seeds)
	}
	wall := time.Now()
	r, err := sweep.Recommend(sc, t, opts)
	if err != nil && !errors.Is(err, sweep.ErrNoFeasible) {
		return &exitError{code: exitFailure, err: err}
	}
	return recommendFinish(sc, r, f.out, wall, stdout)
}

// recommendSetup checks the command line and loads the scenario.
func recommendSetup(f recommendFlags, pos []string) (*scenarios.Scenario, sweep.Tuning, error) {
	var t sweep.Tuning
	switch {
	case len(pos) != 1:
		return nil, t, usageErr("recommend: name one scenario file or catalog name")
	case len(f.tunes) == 0:
		return nil, t, usageErr("recommend: name a knob with --tune PATH=LO..HI[:STEP][,min|max]")
	case f.seeds < 1:
		return nil, t, usageErr("recommend: --seeds %d: want 1 or more", f.seeds)
	case f.jobs < 0:
		return nil, t, usageErr("recommend: --jobs %d: want 0 or more", f.jobs)
	}
	t.Seeds = f.seeds
	for _, spec := range f.tunes {
		k, err := sweep.ParseKnob(spec)
		if err != nil {
			return nil, t, usageErr("recommend: %v", err)
		}
		if k.Path == "seed" {
			return nil, t, usageErr("recommend: --tune seed: the seeds are not a knob (use --seed and --seeds)")
		}
		for _, o := range t.Knobs {
			if o.Path == k.Path {
				return nil, t, usageErr("recommend: --tune %s: %s is already tuned", spec, k.Path)
			}
		}
		t.Knobs = append(t.Knobs, k)
	}
	sc, err := scenarios.Resolve(pos[0])
	if err != nil {
		return nil, t, &exitError{code: exitFailure, err: err}
	}
	return sc, t, recommendCheck(sc, t)
}

// recommendCheck refuses what recommend cannot search: a comparison scenario, one without SLOs,
// a knob naming a list entry or map key the scenario lacks, or a bad price file.
func recommendCheck(sc *scenarios.Scenario, t sweep.Tuning) error {
	if len(sc.Variants) > 0 {
		return usageErr("recommend: %s compares variants: recommend tunes one design (copy a variant's sections into a scenario of its own)", sc.Name)
	}
	if len(sc.SLO) == 0 {
		return usageErr("recommend: %s has no slo: add the thresholds a configuration must hold (\"e2e_seconds_p99 < 1\")", sc.Name)
	}
	var axes []sweep.Axis
	for _, k := range t.Knobs {
		axes = append(axes, sweep.Axis{Path: k.Path, Kind: k.Kind, Values: k.Values})
	}
	if err := sweep.Check(sc, axes, nil); err != nil {
		return usageErr("recommend: %v", err)
	}
	if _, err := cost.PricesFromEnv(); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	return nil
}

// recommendProgress prints a line per configuration judged.
func recommendProgress(w io.Writer, knobs []sweep.Knob, seeds int) func(c *sweep.Candidate) {
	return func(c *sweep.Candidate) {
		var vals []string
		for j, k := range knobs {
			vals = append(vals, k.Path+"="+sweep.Label(k.Kind, c.Values[j]))
		}
		verdict := fmt.Sprintf("holds on %d seeds", seeds)
		if !c.Feasible {
			verdict = "fails: " + strings.Join(c.Failing, "; ")
		}
		fmt.Fprintf(w, "recommend: [%d] %s: %s\n", c.Order, strings.Join(vals, " "), verdict)
	}
}

// recommendFinish writes the files, prints the recommendation, and says how it ended.
func recommendFinish(sc *scenarios.Scenario, r *sweep.Recommendation, out string, wall time.Time, stdout io.Writer) error {
	dir := out
	if dir == "" {
		stamp := strings.Replace(wall.UTC().Format("20060102-150405.000"), ".", "-", 1)
		dir = filepath.Join("results", sc.Name, "recommend-"+stamp)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("create results directory: %w", err)}
	}
	files, err := r.WriteFiles(dir, sc)
	r.WriteText(stdout)
	fmt.Fprintf(stdout, "  results     %s (%s)\n", dir, strings.Join(files, ", "))
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if r.Best == nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("recommend: %w", sweep.ErrNoFeasible)}
	}
	return nil
}
