package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// copyTestdata copies files of sweep/testdata into dir.
func copyTestdata(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("..", "..", "sweep", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name, string(data))
	}
}

// An imported scenario: recommend prints its answer and writes every file; recommended.yaml
// validates and runs with every threshold held; template.patch.yaml names the stage's
// property.
func TestRecommendImported(t *testing.T) {
	dir := t.TempDir()
	copyTestdata(t, dir, "imported.yaml", "template.yaml")
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "recommend", filepath.Join(dir, "imported.yaml"),
		"--tune", "gateway.stage.rate=100..1000:100", "--tune", "gateway.stage.burst=100..1000:100", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"chosen        gateway.stage.rate=200/s gateway.stage.burst=900", "runner-up", "gateway_throttled_total == 0",
		"per million requests", "the full grid is 100 configurations × 3 seeds = 300 runs", "template.patch.yaml"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	// Candidates are judged in parallel (one per core): their numbers are the order they
	// finished in, which may differ from run to run.
	if !regexp.MustCompile(`recommend: \[\d+\] gateway.stage.rate=1000/s gateway.stage.burst=1000: holds on 3 seeds`).MatchString(stderr) {
		t.Errorf("progress:\n%s", stderr)
	}
	var rec struct {
		Values map[string]float64 `json:"values"`
		Runs   int                `json:"runs"`
	}
	data, _ := os.ReadFile(filepath.Join(out, "recommendation.json"))
	if err := json.Unmarshal(data, &rec); err != nil || rec.Values["gateway.stage.burst"] != 900 || rec.Runs == 0 || rec.Runs >= 300 {
		t.Errorf("recommendation.json %+v: %v", rec, err)
	}
	patch, _ := os.ReadFile(filepath.Join(out, "template.patch.yaml"))
	if !strings.Contains(string(patch), "property: Properties.MethodSettings[0].ThrottlingRateLimit\n    old: 1000\n    new: 200") {
		t.Errorf("template.patch.yaml:\n%s", patch)
	}
	yml := filepath.Join(out, "recommended.yaml")
	if code, stdout, stderr := cli(t, "validate", yml); code != exitOK {
		t.Errorf("validate recommended.yaml: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := cli(t, "run", yml, "--seed", "30", "--quiet", "--out", filepath.Join(dir, "run")); code != exitOK {
		t.Errorf("run recommended.yaml: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestRecommendHelpAndUsage(t *testing.T) {
	code, stdout, _ := cli(t, "recommend", "--help")
	for _, want := range []string{"usage: throttlelab recommend FILE|NAME --tune", "-seeds N", "examples:", "throttlelab recommend orchestrator"} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("--help: exit %d, lacks %q:\n%s", code, want, stdout)
		}
	}
	dir := t.TempDir()
	copyTestdata(t, dir, "recommend.yaml")
	file := filepath.Join(dir, "recommend.yaml")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{file}, exitUsage, "name a knob with --tune"},
		{[]string{file, "--tune", "gateway.stage.rat=1..2"}, exitUsage, `unknown field "rat"`},
		{[]string{file, "--tune", "gateway.stage.rate=1..2,up"}, exitUsage, `direction "up"`},
		{[]string{file, "--tune", "consumer.concurrency=1..2", "--tune", "consumer.concurrency=3..4"}, exitUsage, "already tuned"},
		{[]string{file, "--tune", "gateway.stage.rate=1..2", "--seeds", "0"}, exitUsage, "--seeds 0"},
		{[]string{"compare-designs", "--tune", "consumer.concurrency=1..2"}, exitUsage, "compares variants"},
		{[]string{"steady", "--tune", "queues[3].visibility_timeout=1s..2s"}, exitUsage, "queues[3]"},
		{[]string{file, "--tune", "gateway.stage.rate=10..20:10", "--tune", "gateway.stage.burst=10..20:10", "--seeds", "1",
			"--quiet", "--out", filepath.Join(dir, "none")}, exitFailure, "no configuration in the ranges holds every SLO"},
	}
	for _, tt := range tests {
		code, stdout, stderr := cli(t, append([]string{"recommend"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d (want %d), stderr lacks %q:\n%s%s", tt.args, code, tt.code, tt.want, stdout, stderr)
		}
	}
}
