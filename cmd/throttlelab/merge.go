package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

var mergeCommand = &command{
	name:  "merge",
	args:  "DIR... --out DIR",
	short: "combine the run directories of a sharded live run into one run's",
	long: `Combine the run directories of the shards of one live run (run --shard I/N --start-at T,
one per machine) into the directory of one run: summary.json (totals are the shards' sums;
end-to-end percentiles from their merged latency quantiles; per-second percentiles and other
figures with no exact merge are the largest shard's, an upper bound, and the summary's notes
say which), series.csv (second by second from the common start), results.bin (every attempt,
in vegeta's encoding: vegeta report reads it), then the thresholds, alarms and cost
evaluated on the merged data, junit.xml and report.html. The shards must be of one scenario
(the same scenario.yaml and seed) and of one N, each once; a missing shard is allowed and
said. Exit 0 when every threshold held, 1 when the shards cannot be merged or the merged
run is partial or its ledger does not balance, 99 when a threshold failed.`,
	examples: `throttlelab merge shard-0 shard-1 shard-2 --out merged
throttlelab merge results/orders/shard-* --out results/orders/merged`,
	run: cmdMerge,
}

// shardRun is one shard's run directory as merge reads it.
type shardRun struct {
	dir    string
	sum    *metrics.Summary
	ser    *metrics.Series
	info   runInfo
	shard  model.Shard
	source []byte // scenario.yaml
}

func cmdMerge(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	out := fs.String("out", "", "write the merged run into `DIR` (required; created if missing)")
	dirs, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if *out == "" || len(dirs) == 0 {
		return cmdUsageErr(fs, "merge: name the shards' run directories and --out DIR")
	}
	var runs []*shardRun
	for _, d := range dirs {
		r, err := readShard(d)
		if err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("merge: %w", err)}
		}
		runs = append(runs, r)
	}
	notes, err := checkShards(runs)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("merge: %w", err)}
	}
	for _, n := range notes {
		fmt.Fprintln(stderr, "throttlelab: merge:", n)
	}
	return writeMerged(runs, *out, notes, stdout)
}

// readShard reads a shard's run directory.
func readShard(dir string) (*shardRun, error) {
	r := &shardRun{dir: dir}
	var err error
	if r.sum, err = metrics.ReadSummary(filepath.Join(dir, "summary.json")); err != nil {
		return nil, err
	}
	if r.ser, err = metrics.ReadSeries(filepath.Join(dir, "series.csv")); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		return nil, fmt.Errorf("read run info: %w", err)
	}
	if err := json.Unmarshal(b, &r.info); err != nil {
		return nil, fmt.Errorf("read run info %s: %w", filepath.Join(dir, "run.json"), err)
	}
	if r.info.Shard == "" {
		return nil, fmt.Errorf("%s is not a shard's run (run.json has no shard: run it with --shard I/N --start-at T)", dir)
	}
	if r.shard, err = model.ParseShard(r.info.Shard); err != nil {
		return nil, fmt.Errorf("%s: run.json: %w", dir, err)
	}
	if r.source, err = os.ReadFile(filepath.Join(dir, "scenario.yaml")); err != nil {
		return nil, fmt.Errorf("read scenario copy: %w", err)
	}
	return r, nil
}

// checkShards checks that the runs are shards of one run, each once, and returns what the
// merged summary should say about them (a missing shard, a start that differs).
func checkShards(runs []*shardRun) ([]string, error) {
	first := runs[0]
	seen := map[int]string{}
	for _, r := range runs {
		switch {
		case r.sum.Scenario != first.sum.Scenario:
			return nil, fmt.Errorf("%s is a run of %s and %s of %s: merge shards of one scenario", r.dir, r.sum.Scenario, first.dir, first.sum.Scenario)
		case !bytes.Equal(r.source, first.source):
			return nil, fmt.Errorf("the scenario.yaml of %s and %s differ (a --set?): the shards must run one scenario", r.dir, first.dir)
		case r.sum.Seed != first.sum.Seed:
			return nil, fmt.Errorf("%s ran seed %d and %s seed %d: shards of one run share the seed, so that they agree on who sends what", r.dir, r.sum.Seed, first.dir, first.sum.Seed)
		case r.shard.N != first.shard.N:
			return nil, fmt.Errorf("%s is shard %s and %s shard %s: shards of one run share N", r.dir, r.shard, first.dir, first.shard)
		case r.sum.Mode != "live":
			return nil, fmt.Errorf("%s is a %s run: merge combines live shards", r.dir, r.sum.Mode)
		}
		if d, dup := seen[r.shard.I]; dup {
			return nil, fmt.Errorf("%s and %s are both shard %s", d, r.dir, r.shard)
		}
		seen[r.shard.I] = r.dir
	}
	var notes []string
	if len(seen) < first.shard.N {
		var missing []string
		for i := range first.shard.N {
			if _, ok := seen[i]; !ok {
				missing = append(missing, model.Shard{I: i, N: first.shard.N}.String())
			}
		}
		notes = append(notes, fmt.Sprintf("shards %s are missing: the merged totals are %d of the run's %d parts",
			strings.Join(missing, ", "), len(seen), first.shard.N))
	}
	return notes, nil
}

// offsets are each shard's start, in whole seconds after the earliest (0 when they share
// --start-at, as they should), with a note when they do not.
func offsets(runs []*shardRun) ([]int, []string) {
	var earliest time.Time
	for _, r := range runs {
		if t := r.info.LoadStartAt; t != nil && (earliest.IsZero() || t.Before(earliest)) {
			earliest = *t
		}
	}
	offs := make([]int, len(runs))
	var notes []string
	for i, r := range runs {
		if t := r.info.LoadStartAt; t != nil && !t.Equal(earliest) {
			offs[i] = int(math.Round(t.Sub(earliest).Seconds()))
			notes = append(notes, fmt.Sprintf("%s started %s after the earliest shard: its series is shifted by %d s",
				r.dir, t.Sub(earliest), offs[i]))
		}
	}
	return offs, notes
}

// writeMerged merges the shards into dir and prints and judges the result as run does.
func writeMerged(runs []*shardRun, dir string, notes []string, stdout io.Writer) error {
	fail := func(err error) error { return &exitError{code: exitFailure, err: fmt.Errorf("merge: %w", err)} }
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	sc, err := scenarios.LoadBytes(filepath.Join(runs[0].dir, runs[0].sum.Scenario+".yaml"), runs[0].source)
	if err != nil {
		return fail(fmt.Errorf("read scenario copy in %s: %w", runs[0].dir, err))
	}
	sums, sers := make([]*metrics.Summary, len(runs)), make([]*metrics.Series, len(runs))
	for i, r := range runs {
		sums[i], sers[i] = r.sum, r.ser
	}
	offs, offNotes := offsets(runs)
	ser, err := mergeSeries(sers, offs)
	if err != nil {
		return fail(err)
	}
	sum := mergeSummaries(sc, sums)
	sum.Notes = append(append(append(mergedNote(runs), notes...), offNotes...), append(sum.Notes, shardNotes(sums)...)...)
	if n, err := mergeResultFiles(runs, dir); err != nil {
		return fail(err)
	} else if n < 0 {
		sum.Notes = append(sum.Notes, "no results.bin was merged: a shard's directory has none")
	}
	alarms := finishSummary(sc, sum, ser)
	o := &outcome{sum: sum, ser: ser, alarms: alarms}
	if i := slices.IndexFunc(runs, func(r *shardRun) bool { return r.info.Partial }); i >= 0 {
		o.partial, o.partialBy = true, fmt.Errorf("shard %s (%s) did not run to its end", runs[i].shard, runs[i].dir)
	}
	if err := writeMergedFiles(dir, sc, o, runs); err != nil {
		return fail(err)
	}
	reports.WriteText(stdout, sum)
	fmt.Fprintf(stdout, "  merged      %d shards into %s\n", len(runs), dir)
	fmt.Fprintf(stdout, "  report      %s\n", filepath.Join(dir, "report.html"))
	return verdict(o, sum, dir)
}

func mergedNote(runs []*shardRun) []string {
	dirs := make([]string, len(runs))
	for i, r := range runs {
		dirs[i] = r.shard.String() + " " + r.dir
	}
	return []string{fmt.Sprintf("merged from %d shards (%s) by throttlelab merge: totals are the shards' sums; end-to-end percentiles come from their merged latency quantiles", len(runs), strings.Join(dirs, ", ")),
		"per-second percentiles in series.csv, the worst queue age and other maxima are the largest shard's: an upper bound of the run's"}
}

// mergeResultFiles merges the shards' results.bin into dir; -1 when a shard has none.
func mergeResultFiles(runs []*shardRun, dir string) (int, error) {
	var paths []string
	for _, r := range runs {
		p := filepath.Join(r.dir, "results.bin")
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return -1, nil
		}
		paths = append(paths, p)
	}
	return mergeResults(paths, filepath.Join(dir, "results.bin"))
}

// writeMergedFiles writes the merged run's files: as a run's, with run.json naming the shards.
func writeMergedFiles(dir string, sc *scenarios.Scenario, o *outcome, runs []*shardRun) error {
	if err := o.sum.WriteJSON(filepath.Join(dir, "summary.json")); err != nil {
		return err
	}
	if err := o.ser.WriteFile(filepath.Join(dir, "series.csv")); err != nil {
		return err
	}
	src, err := sc.SourceFor(dir)
	if err != nil {
		return fmt.Errorf("write scenario copy: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scenario.yaml"), src, 0o644); err != nil {
		return fmt.Errorf("write scenario copy: %w", err)
	}
	in := reports.Input{Scenario: sc, Summary: o.sum, Series: o.ser, Alarms: o.alarms}
	if err := reports.Render(dir, in); err != nil {
		return err
	}
	first := runs[0].info
	wall := 0.0
	for _, r := range runs {
		wall = max(wall, r.info.WallSeconds)
	}
	if err := reports.WriteJUnit(filepath.Join(dir, "junit.xml"), o.sum, reports.JUnitWallTime(first.StartedAt, time.Duration(wall*float64(time.Second)))); err != nil {
		return err
	}
	info := mergedInfo{runInfo: runInfo{Scenario: sc.Name, File: first.File, Set: first.Set, StartedAt: first.StartedAt,
		WallSeconds: wall, Target: first.Target, LoadStartAt: first.LoadStartAt, Partial: o.partial}}
	for _, r := range runs {
		info.Shards = append(info.Shards, mergedShard{Shard: r.shard.String(), Dir: r.dir})
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	return os.WriteFile(filepath.Join(dir, "run.json"), append(b, '\n'), 0o644)
}

// mergedInfo is a merged run's run.json: a run's, and the shards it was merged from.
type mergedInfo struct {
	runInfo
	Shards []mergedShard `json:"merged_from"`
}

type mergedShard struct {
	Shard string `json:"shard"`
	Dir   string `json:"dir"`
}
