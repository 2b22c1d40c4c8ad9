package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// targetScenario offers 300/s for 5 s without retries; its downstream section is both the
// fake API that tests serve as the target (throttlelab fakeapi --scenario reads it) and the
// model the simulation of --mode both runs.
const targetScenario = `name: target
duration: 5s
drain: 2s
mode: live
clients:
  - {name: shop, path: /orders, api_key: k1, arrival: {shape: constant, rate: 300/s}}
downstream:
  quotas: [{limit: 100, per: 1s, window: sliding}]
`

// startTarget serves the scenario file's downstream section on 127.0.0.1, as
// `throttlelab fakeapi --scenario FILE --addr 127.0.0.1:0` does, and returns its URL.
func startTarget(t *testing.T, file string) string {
	t.Helper()
	sc, err := scenarios.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := fakeapi.ScenarioConfig(sc, time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fakeapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Wait() })
	return "http://" + addr.String()
}

func readSummary(t *testing.T, dir string) *metrics.Summary {
	t.Helper()
	s, err := metrics.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// noLookups fails the test if anything resolves a name or dials through the default
// resolver while it runs (the load generator's dialer uses it).
func noLookups(t *testing.T) {
	t.Helper()
	saved := net.DefaultResolver
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(_ context.Context, network, addr string) (net.Conn, error) {
		t.Errorf("a DNS lookup was attempted (%s %s)", network, addr)
		return nil, errors.New("no lookups in this test")
	}}
	t.Cleanup(func() { net.DefaultResolver = saved })
}

// TestTargetRemoteRefused: a --target or downstream.url off loopback, without
// --allow-remote-target, exits 2 saying why, after printing what the run would send, and
// before any connection or name lookup: no run directory is made.
func TestTargetRemoteRefused(t *testing.T) {
	noLookups(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "target.yaml", targetScenario)
	out := filepath.Join(dir, "never")
	code, _, stderr := cli(t, "run", file, "--target", "https://api.example.invalid/prod", "--out", out)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"api.example.invalid/prod is not a loopback address", "--allow-remote-target",
		"POST https://api.example.invalid/prod/orders  300/s on average (peak 300/s) for 5s: 1,500 requests"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	svc := writeFile(t, dir, "svc.yaml", strings.Replace(targetScenario, "downstream:\n", "downstream:\n  url: http://billing.example.invalid:8080/charge\n", 1))
	code, _, stderr = cli(t, "run", svc, "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "downstream.url http://billing.example.invalid:8080/charge is not a loopback address") {
		t.Errorf("downstream.url off loopback: exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run made its directory: %v", err)
	}
}

// TestTargetFlags: the usage errors of --target, --shard and --start-at, each exit 2.
func TestTargetFlags(t *testing.T) {
	file := writeFile(t, t.TempDir(), "target.yaml", targetScenario)
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--target", "127.0.0.1:8080"}, "want an http:// or https:// URL"},
		{[]string{"--target", "http://127.0.0.1:8080/prod?stage=1"}, "takes no query string"},
		{[]string{"--target", "http://127.0.0.1:1", "--mode", "sim"}, "--target measures a real endpoint"},
		{[]string{"--target", "http://127.0.0.1:1", "--env", "containers"}, "--target replaces the emulated pipeline"},
		{[]string{"--shard", "1/2"}, "--shard needs --start-at"},
		{[]string{"--shard", "2/2", "--start-at", soon}, "I counts from 0"},
		{[]string{"--shard", "0/2", "--start-at", soon, "--mode", "both"}, "--shard splits a live run's load"},
		{[]string{"--start-at", "tomorrow"}, "want an RFC 3339 instant"},
		{[]string{"--start-at", "2026-01-05T09:30:00Z"}, "in the past"},
	} {
		code, _, stderr := cli(t, append([]string{"run", file}, tt.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("run %v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestTargetBoth: the first acceptance check through the command line, in mode both: the
// measured side against the fake API as the target, the simulated side on the scenario's
// downstream model; the summary carries both and the report shows both.
func TestTargetBoth(t *testing.T) {
	if testing.Short() {
		t.Skip("a live run")
	}
	dir := t.TempDir()
	file := writeFile(t, dir, "target.yaml", targetScenario)
	url := startTarget(t, file)
	out := filepath.Join(dir, "run")
	code, stdout, stderr := cli(t, "run", file, "--mode", "both", "--target", url, "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if s := readSummary(t, out); s.Target != url || !strings.Contains(stdout, "  target      attempts 1,500 · 2xx ") || strings.Contains(stdout, "  downstream  ") {
		t.Errorf("summary target %q; text summary:\n%s\nwant the target's answers, no downstream line", s.Target, stdout)
	}
	if !strings.Contains(stderr, "the run will send") || !strings.Contains(stderr, "1,500 requests") {
		t.Errorf("no plan printed before the run:\n%s", stderr)
	}
	s := readSummary(t, out)
	l := s.Ledger
	t.Logf("measured: offered %d completed %d rejected %v; simulated: completed %d rejected %v",
		l.Offered, l.Completed, l.Rejected, s.Sim.Ledger.Completed, s.Sim.Ledger.Rejected)
	if s.Mode != "both" || s.Sim == nil || s.Sim.Ledger.Offered != 1500 {
		t.Fatalf("mode %q, sim %v: want the simulated summary next to the measured one", s.Mode, s.Sim != nil)
	}
	if l.Offered != 1500 || l.Lost != 0 || l.Rejected["throttled"] != l.Offered-l.Completed || l.Completed < 490 || l.Completed > 510 {
		t.Errorf("measured ledger %+v: want 1,500 offered, about 500 completed, the rest rejected with 429, none lost", l)
	}
	// The simulation's direct integration fails the requests its downstream model answers 429
	// (downstream_failure); the target's 429s are rejections: the summary says so.
	if f := s.Sim.Ledger.Failed["downstream_failure"]; f < 900 || !slices.ContainsFunc(s.Notes, func(n string) bool {
		return strings.Contains(n, "compare completed_total, and rejected_total + failed_total")
	}) {
		t.Errorf("simulated downstream failures %d, notes %q: want about 1,000 and a note on how the sides count them", f, s.Notes)
	}
	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "against <code>"+url+"</code>") || !strings.Contains(string(html), "the target&#39;s answers") || !strings.Contains(string(html), "Traffic to the target") {
		t.Error("report.html does not name the target, or calls its answers the gateway's")
	}
	if !strings.Contains(string(html), "<th>measured</th><th>simulated</th>") {
		t.Error("report.html has no measured and simulated columns")
	}
	if _, err := os.Stat(filepath.Join(out, "series-sim.csv")); err != nil {
		t.Errorf("no simulated series to overlay: %v", err)
	}
	var info runInfo
	if b, err := os.ReadFile(filepath.Join(out, "run.json")); err != nil || json.Unmarshal(b, &info) != nil || info.Target != url {
		t.Errorf("run.json does not name the target: %+v (%v)", info, err)
	}
}

// shardRuns runs the scenario's shards 0/n … n−1/n at once against target, each into
// dir/shard-I, starting together at one --start-at; it returns their directories.
func shardRuns(t *testing.T, file, target, dir string, n int) []string {
	t.Helper()
	at := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	dirs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		dirs[i] = filepath.Join(dir, "shard-"+string(rune('0'+i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, stdout, stderr := cli(t, "run", file, "--mode", "live", "--target", target, "--shard",
				string(rune('0'+i))+"/"+string(rune('0'+n)), "--start-at", at, "--out", dirs[i], "--quiet")
			if code != exitOK {
				t.Errorf("shard %d: exit %d\n%s\n%s", i, code, stdout, stderr)
			}
		}()
	}
	wg.Wait()
	return dirs
}

// TestShardMerge: two shards at once against one shared fake API, merged, equal an
// unsharded run's offered and completed totals within 1%; the merged series has no gap in
// its first second (the shards started together); vegeta reads the merged results.bin.
func TestShardMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs")
	}
	dir := t.TempDir()
	file := writeFile(t, dir, "target.yaml", targetScenario)
	whole := filepath.Join(dir, "whole")
	if code, stdout, stderr := cli(t, "run", file, "--mode", "live", "--target", startTarget(t, file), "--out", whole, "--quiet"); code != exitOK {
		t.Fatalf("unsharded run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	shards := shardRuns(t, file, startTarget(t, file), dir, 2)
	if t.Failed() {
		return
	}
	merged := filepath.Join(dir, "merged")
	code, stdout, stderr := cli(t, append(append([]string{"merge"}, shards...), "--out", merged)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	w, m := readSummary(t, whole), readSummary(t, merged)
	t.Logf("unsharded: offered %d completed %d; shards merged: offered %d completed %d", w.Ledger.Offered, w.Ledger.Completed, m.Ledger.Offered, m.Ledger.Completed)
	for _, x := range []struct {
		name      string
		got, want int64
	}{{"offered", m.Ledger.Offered, w.Ledger.Offered}, {"completed", m.Ledger.Completed, w.Ledger.Completed}} {
		if d := float64(x.got-x.want) / float64(x.want); d > 0.01 || d < -0.01 {
			t.Errorf("%s: merged %d, unsharded %d (%.1f%% off)", x.name, x.got, x.want, 100*d)
		}
	}
	if m.Ledger.Lost != 0 || m.Metrics["offered_total"] != float64(m.Ledger.Offered) {
		t.Errorf("merged ledger %+v, offered_total %v", m.Ledger, m.Metrics["offered_total"])
	}
	checkMergedSeries(t, whole, merged, shards)
	checkMergedResults(t, merged, int(m.Metrics["attempts_total"]))
	for _, f := range []string{"report.html", "junit.xml", "scenario.yaml", "run.json"} {
		if _, err := os.Stat(filepath.Join(merged, f)); err != nil {
			t.Errorf("merged run: %v", err)
		}
	}
	checkMergeRefusals(t, dir, shards)
}

// checkMergedSeries: second 0 of the merged series offered what the unsharded run's did,
// each shard its half; the seconds line up.
func checkMergedSeries(t *testing.T, whole, merged string, shards []string) {
	t.Helper()
	read := func(dir string) []float64 {
		s, err := metrics.ReadSeries(filepath.Join(dir, "series.csv"))
		if err != nil {
			t.Fatal(err)
		}
		return s.Column("offered")
	}
	w, m := read(whole), read(merged)
	t.Logf("offered per second: unsharded %v, merged %v", w, m)
	if len(m) < 5 || m[0] < 0.98*w[0] || m[0] > 1.02*w[0] {
		t.Errorf("merged second 0 offered %v, unsharded %v: a gap at the start", m, w)
	}
	for _, d := range shards {
		if s := read(d); len(s) == 0 || s[0] < 0.45*w[0] {
			t.Errorf("%s offered %v in its first second: it did not start with the others", d, s)
		}
	}
	for k := 0; k < 5 && k < len(w) && k < len(m); k++ {
		if d := m[k] - w[k]; d > 3 || d < -3 {
			t.Errorf("second %d: merged offered %v, unsharded %v", k, m[k], w[k])
		}
	}
}

// checkMergedResults: the merged results.bin holds every attempt, as vegeta's own report
// reads it (its CLI, a pinned module version: `go run`), and as its library decodes it.
func checkMergedResults(t *testing.T, merged string, attempts int) {
	t.Helper()
	path := filepath.Join(merged, "results.bin")
	if n := decodeResults(t, path); n != attempts {
		t.Errorf("merged results.bin holds %d results, the summary counts %d attempts", n, attempts)
	}
	rep, err := vegetaReport(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("vegeta report under CI=true: %v", err)
		}
		t.Skipf("vegeta's CLI could not be run (%v): checked with its library only", err)
	}
	t.Logf("vegeta report: %d requests, status codes %v", rep.Requests, rep.StatusCodes)
	if int(rep.Requests) != attempts || rep.StatusCodes["200"]+rep.StatusCodes["429"] != attempts {
		t.Errorf("vegeta report: %d requests, codes %v; want %d attempts, each 200 or 429", rep.Requests, rep.StatusCodes, attempts)
	}
}

// checkMergeRefusals: merge refuses one shard twice, and says when a shard is missing.
func checkMergeRefusals(t *testing.T, dir string, shards []string) {
	t.Helper()
	code, _, stderr := cli(t, "merge", shards[0], shards[0], "--out", filepath.Join(dir, "twice"))
	if code != exitFailure || !strings.Contains(stderr, "are both shard 0/2") {
		t.Errorf("one shard twice: exit %d, %s", code, stderr)
	}
	code, _, stderr = cli(t, "merge", shards[1], "--out", filepath.Join(dir, "half"))
	if code != exitOK || !strings.Contains(stderr, "shards 0/2 are missing") {
		t.Errorf("a missing shard: exit %d, %s", code, stderr)
	}
	if code, _, stderr = cli(t, "merge", dir+"/whole", "--out", filepath.Join(dir, "x")); code != exitFailure || !strings.Contains(stderr, "is not a shard's run") {
		t.Errorf("an unsharded run: exit %d, %s", code, stderr)
	}
}
