package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/sweep"
)

// stagedSweep is a gateway stage in front of a queue and workers, offered 300 requests a
// second: a stage rate below 300 throttles.
const stagedSweep = `name: staged
duration: 10s
drain: 30s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 300/s}
gateway:
  stage: {rate: 1000, burst: 10}
queues:
  - {name: q}
consumer: {pattern: concurrency, concurrency: 20}
downstream:
  quotas: [{limit: 500, per: 1s, window: sliding}]
  latency: {dist: fixed, value: 20ms}
`

// Acceptance: a sweep of the stage rate over five values writes sweep.csv with five rows
// and a chart per key metric, PNG and SVG, and sweep.html.
func TestSweepStageRateAcceptance(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "staged.yaml", stagedSweep)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "sweep", file, "--set", "gateway.stage.rate=100..500:100", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	f, err := os.Open(filepath.Join(out, "sweep.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("sweep.csv has %d rows after its header, want 5", len(rows)-1)
	}
	for i, want := range []string{"100", "200", "300", "400", "500"} {
		if rows[i+1][0] != want {
			t.Errorf("row %d swept value %q, want %s", i+1, rows[i+1][0], want)
		}
	}
	for _, m := range sweep.DefaultMetrics {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(out, m+ext)); err != nil || st.Size() == 0 {
				t.Errorf("chart %s%s: %v", m, ext, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "sweep.html")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(stderr, "sweep: [5/5]") {
		t.Errorf("no progress on stderr:\n%s", stderr)
	}
}

// lambdaBackend saturates at 100 requests a second (10 concurrent 100 ms calls); see
// sweep/findmax_test.go for why "rejected_total == 0" fails exactly above 100/s.
const lambdaBackend = `name: lambda
duration: 10s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 50/s}
consumer: {pattern: concurrency, concurrency: 10}
downstream:
  latency: {dist: fixed, value: 100ms}
`

// Acceptance: --find-max finds the saturation rate of a backend within the resolution.
func TestSweepFindMaxAcceptance(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "lambda.yaml", lambdaBackend)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "sweep", file, "--find-max", "clients[0].arrival.rate",
		"--range", "20..300", "--resolution", "2", "--slo", "rejected_total == 0", "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "answer: clients[0].arrival.rate = 98.75/s") || !strings.Contains(stdout, "99.84375/s failed") {
		t.Errorf("stdout:\n%s", stdout)
	}
	b, err := os.ReadFile(filepath.Join(out, "find-max.csv"))
	if err != nil || !strings.HasPrefix(string(b), "run,clients[0].arrival.rate,pass,failing,rejected_total == 0\n") {
		t.Errorf("find-max.csv: %v\n%s", err, b)
	}
	code, stdout, _ = cli(t, "sweep", file, "--find-max", "clients[0].arrival.rate",
		"--range", "150..300", "--slo", "rejected_total == 0", "--out", out, "--quiet")
	if code != exitFailure || !strings.Contains(stdout, "already fails") {
		t.Errorf("FROM failing: exit %d\n%s", code, stdout)
	}
}

func TestSweepUsage(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "lambda.yaml", lambdaBackend)
	for _, args := range [][]string{
		{"sweep", file},
		{"sweep", file, "--set", "gateway.stge.rate=1..2:1"},
		{"sweep", file, "--set", "clients[4].arrival.rate=1..2:1"},
		{"sweep", file, "--set", "clients[0].arrival.rate=1..2"},
		{"sweep", file, "--find-max", "clients[0].arrival.rate"},
		{"sweep", file, "--find-max", "clients[0].arrival.rate", "--range", "1..2"}, // no SLO anywhere
		{"sweep", file, "--find-max", "clients[0].arrival.rate", "--range", "1..2", "--slo", "lost_total = 0"},
		{"sweep", file, "--set", "consumer.concurrency=1..2:1", "--slo", "lost_total == 0"},
	} {
		if code, _, stderr := cli(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d\n%s", args[2:], code, exitUsage, stderr)
		}
	}
}
