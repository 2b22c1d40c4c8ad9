package main

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// run --set changes the scenario run, the run directory's scenario.yaml holds the values run
// (so running it again gives the same summary, byte for byte), and run.json lists the flags.
func TestRunSetIsRecordedAndReproducible(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "small.yaml", "# a comment that stays\n"+strings.Replace(small, `  - "completed_total < 10"`, "", 1))
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "run", file, "--set", "duration=2s", "--set", "clients[0].arrival.rate=50",
		"--set", "downstream.latency.value=20ms", "--set", "seed=9", "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	sum, err := metrics.ReadSummary(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.Metrics["offered_total"]; got != 100 {
		t.Errorf("offered_total %v, want 100 (50/s for 2s)", got)
	}
	if got := sum.Metrics["e2e_seconds_p50"]; got < 0.02 || sum.Seed != 9 {
		t.Errorf("e2e p50 %v, seed %d; want 20ms or more and seed 9 (set by --set)", got, sum.Seed)
	}
	copyYAML, err := os.ReadFile(filepath.Join(out, "scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# run with --set duration=2s --set clients[0].arrival.rate=50 --set downstream.latency.value=20ms --set seed=9: the values below include them",
		"# a comment that stays", "duration: 2s", "rate: 50/s", "value: 20ms", "\nseed: 9\n"} {
		if !strings.Contains(string(copyYAML), want) {
			t.Errorf("scenario.yaml does not say %q:\n%s", want, copyYAML)
		}
	}
	var info runInfo
	b, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if err := json.Unmarshal(b, &info); err != nil || strings.Join(info.Set, " ") != "duration=2s clients[0].arrival.rate=50 downstream.latency.value=20ms seed=9" {
		t.Errorf("run.json set = %q, %v", info.Set, err)
	}
	again := filepath.Join(dir, "again")
	rerun := writeFile(t, dir, "again/small.yaml", string(copyYAML))
	if code, stdout, stderr := cli(t, "run", rerun, "--out", again, "--quiet"); code != exitOK {
		t.Fatalf("running the recorded scenario.yaml: exit %d\n%s%s", code, stdout, stderr)
	}
	first, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	second, _ := os.ReadFile(filepath.Join(again, "summary.json"))
	if string(first) != string(second) {
		t.Errorf("the recorded scenario.yaml does not reproduce the run's summary")
	}
}

func TestRunSetErrors(t *testing.T) {
	file := writeFile(t, t.TempDir(), "small.yaml", small)
	for _, tc := range []struct {
		set  string
		code int
		msg  string
	}{
		{"duration=0s", exitFailure, "small.yaml:2: duration: must be greater than 0, got 0s"},
		{"duration=10000h", exitFailure, "duration: a run of 10000h5m (duration 10000h + drain 5m) is longer than the maximum of 8d"},
		{"clients[0].arival.rate=5", exitUsage, `clients[0].arival.rate: unknown field "arival" in clients[0] (did you mean "arrival"?)`},
		{"clients[3].arrival.rate=5", exitUsage, "clients[3]: clients has 1 entries"},
		{"duration=1s..5s:1s", exitUsage, "--set duration=1s..5s:1s: want one value, PATH=VALUE"},
		{"duration=soon", exitUsage, `"soon" is not a duration`},
		{"duration", exitUsage, "want PATH=FROM..TO:STEP or PATH=V1,V2"},
	} {
		code, stdout, stderr := cli(t, "run", file, "--set", tc.set, "--out", t.TempDir(), "--quiet")
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("--set %s: exit %d, want %d with %q\n%s%s", tc.set, code, tc.code, tc.msg, stdout, stderr)
		}
	}
}

// editYAML reaches map keys in brackets, list entries and flow mappings, and adds what the
// file leaves out; the edited file decodes to the scenario sweep's setter made.
func TestRecordSetsMatchesTheSetter(t *testing.T) {
	base, err := scenarios.Load("../../scenarios/testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	specs := []string{`gateway.methods["POST /orders"].rate=700/s`, "clients[1].arrival.to=2500/s",
		"queues[0].visibility_timeout=45s", "downstream.quotas[0].limit=7", "clients[2].groups=3", "drain=2m"}
	sc, _, err := applySets(fs, base, specs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sc.Source), "values below are the file's before --set") {
		t.Fatalf("the edited file does not decode to the scenario run:\n%s", sc.Source)
	}
	if got := sc.Gateway.Methods["POST /orders"].Rate; got != 700 {
		t.Errorf(`methods["POST /orders"].rate = %v, want 700`, got)
	}
	if err := sameScenario(base.File, sc.Source, sc); err != nil {
		t.Errorf("%v:\n%s", err, sc.Source)
	}
}

// run --save-baseline DIR keeps what compare needs, and compare reads it as a run.
func TestRunSaveBaseline(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "stage.yaml", stageScenario("1000"))
	base := filepath.Join(dir, "baselines", "stage")
	code, stdout, stderr := cli(t, "run", file, "--out", filepath.Join(dir, "run1"), "--save-baseline", base, "--quiet")
	if code != exitOK || !strings.Contains(stdout, "  baseline    "+base) {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, f := range baselineFiles {
		want, _ := os.ReadFile(filepath.Join(dir, "run1", f))
		got, err := os.ReadFile(filepath.Join(base, f))
		if err != nil || string(got) != string(want) {
			t.Errorf("baseline %s: %v, or it differs from the run's", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(base, "series.csv")); err == nil {
		t.Errorf("the baseline holds series.csv: a baseline is meant to be small enough to commit")
	}
	file2 := writeFile(t, filepath.Join(dir, "new"), "stage.yaml", stageScenario("800"))
	cli(t, "run", file2, "--out", filepath.Join(dir, "run2"), "--quiet")
	if code, stdout, _ := cli(t, "compare", base, filepath.Join(dir, "run2")); code != exitThreshold || !strings.Contains(stdout, "REGRESSED") {
		t.Errorf("compare with the baseline: exit %d\n%s", code, stdout)
	}
}
