package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
	"github.com/throttlelab/throttlelab/trace"
)

// logLine is one request of a generated access log.
type logLine struct {
	ms  int64 // requestTimeEpoch
	key string
}

// accessLog draws an API Gateway JSON access log of n requests with millisecond timestamps:
// a quiet background, bursts, several requests in the same millisecond, three keys, logged
// slightly out of order (as log streams interleave).
func accessLog(rng *rand.Rand, n int) []logLine {
	keys := []string{"acme-key", "globex-key", "initech-key"}
	lines := make([]logLine, n)
	at := int64(1767607200000)
	for i := range lines {
		switch r := rng.IntN(100); {
		case r < 3:
			at += 1000 + rng.Int64N(4000) // a pause
		case r < 50:
			at += rng.Int64N(3) // a burst, ties included
		default:
			at += rng.Int64N(60)
		}
		lines[i] = logLine{ms: at, key: keys[rng.IntN(1+i%3)]}
	}
	for i := 0; i+1 < n; i += 7 {
		lines[i], lines[i+1] = lines[i+1], lines[i]
	}
	return lines
}

func writeAccessLog(t *testing.T, path string, lines []logLine) {
	t.Helper()
	var b strings.Builder
	for i, l := range lines {
		fmt.Fprintf(&b, `{"requestId":"%d","requestTimeEpoch":%d,"httpMethod":"POST","resourcePath":"/orders","status":"200","apiKey":"%s"}`+"\n", i, l.ms, l.key)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// analyzeJSON runs `throttlelab analyze --json` and decodes its output.
func analyzeJSON(t *testing.T, args ...string) analysisJSON {
	t.Helper()
	code, out, errs := cli(t, append([]string{"analyze", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("analyze %v: exit %d: %s", args, code, errs)
	}
	var doc analysisJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("analyze --json printed %q: %v", out, err)
	}
	return doc
}

// directBurst is b(r) from its definition, O(n²), over the log's instants.
func directBurst(lines []logLine, key string, r float64) int64 {
	var t []int64
	for _, l := range lines {
		if key == "" || l.key == key {
			t = append(t, l.ms)
		}
	}
	slicesSort(t)
	best := math.Inf(-1)
	for i := range t {
		for j := i; j < len(t); j++ {
			best = max(best, float64(j-i+1)-r*float64(t[j]-t[i])/1000)
		}
	}
	return trace.CeilBurst(best)
}

func slicesSort(t []int64) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j] < t[j-1]; j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

func TestAnalyzeCurveIsTheDefinition(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(13, 13))
	for trial := range 5 {
		lines := accessLog(rng, 200+rng.IntN(600))
		file := filepath.Join(dir, fmt.Sprintf("t%d.log", trial))
		writeAccessLog(t, file, lines)
		key := []string{"", "acme-key", "globex-key"}[trial%3]
		args := []string{file, "--rates", "0.7,3,12.5,40,100,333"}
		if key != "" {
			args = append(args, "--api-key", key)
		}
		doc := analyzeJSON(t, args...)
		for _, p := range doc.Curve {
			if want := directBurst(lines, key, p.Rate); p.Burst != want {
				t.Errorf("trial %d (%d lines, key %q), rate %g: analyze says %d, the definition %d", trial, len(lines), key, p.Rate, p.Burst, want)
			}
		}
	}
}

// replayScenario writes a scenario replaying the log through a stage bucket (rate, burst) or,
// with perKey, through one usage plan per key with the given bursts.
func replayScenario(t *testing.T, dir string, rate float64, stageBurst int64, keyBursts map[string]int64) *scenarios.Scenario {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "name: r\nmode: sim\nclients:\n")
	if keyBursts == nil {
		b.WriteString("  - name: all\n    arrival: {shape: replay, file: access.log}\n")
	}
	for _, k := range sortedKeys(keyBursts) {
		fmt.Fprintf(&b, "  - name: %s\n    api_key: %s\n    arrival: {shape: replay, file: access.log, api_key: %s}\n", k, k, k)
	}
	fmt.Fprintf(&b, "gateway:\n  account: {rate: 100000, burst: 100000}\n  stage: {rate: %g, burst: %d}\n", rate, stageBurst)
	if keyBursts != nil {
		b.WriteString("  api_key_required: true\n  usage_plans:\n")
		for _, k := range sortedKeys(keyBursts) {
			fmt.Fprintf(&b, "    - {name: %s, keys: [%s], throttle: {rate: %g, burst: %d}}\n", k, k, rate, keyBursts[k])
		}
	}
	b.WriteString("  integration: direct\ndownstream:\n  latency: {dist: fixed, value: 5ms}\n")
	sc, err := scenarios.LoadBytes(filepath.Join(dir, "r.yaml"), []byte(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	return sc
}

func sortedKeys(m map[string]int64) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func simulate(t *testing.T, sc *scenarios.Scenario) map[string]map[string]float64 {
	t.Helper()
	res, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{"": res.Summary.Metrics}
	for c, m := range res.Summary.PerClient {
		out[c] = m
	}
	return out
}

// TestReplayThroughAnalyzedBurst: a log with millisecond timestamps replayed in sim through a
// stage bucket of rate r and analyze's b(r) is never throttled, and with b(r) − 1 it is. At
// 2000/s the tightest windows are requests logged in the same millisecond: a replay that
// added a client-to-gateway delay would spread them and need less than b(r).
func TestReplayThroughAnalyzedBurst(t *testing.T) {
	dir := t.TempDir()
	lines := accessLog(rand.New(rand.NewPCG(21, 21)), 3000)
	log := filepath.Join(dir, "access.log")
	writeAccessLog(t, log, lines)
	rates := []float64{10, 40, 87.5, 500, 2000}
	doc := analyzeJSON(t, log, "--rates", "10,40,87.5,500,2000")
	if doc.Requests != int64(len(lines)) {
		t.Fatalf("analyze counted %d requests of %d", doc.Requests, len(lines))
	}
	for i, p := range doc.Curve {
		if p.Rate != rates[i] || p.Burst < 2 {
			t.Fatalf("curve %v", doc.Curve)
		}
		m := simulate(t, replayScenario(t, dir, p.Rate, p.Burst, nil))[""]
		if m["offered_total"] != float64(len(lines)) || m["gateway_throttled_total"] != 0 {
			t.Errorf("rate %g burst b(r)=%d: offered %v of %d lines, throttled %v; want all offered, none throttled",
				p.Rate, p.Burst, m["offered_total"], len(lines), m["gateway_throttled_total"])
		}
		m = simulate(t, replayScenario(t, dir, p.Rate, p.Burst-1, nil))[""]
		if m["gateway_throttled_total"] < 1 {
			t.Errorf("rate %g burst b(r)-1=%d: nothing throttled", p.Rate, p.Burst-1)
		}
	}
}

// TestReplayPerKeyThroughAnalyzedBursts: the same per API key, each client replaying its
// own key through its own usage plan.
func TestReplayPerKeyThroughAnalyzedBursts(t *testing.T) {
	dir := t.TempDir()
	lines := accessLog(rand.New(rand.NewPCG(22, 22)), 3000)
	log := filepath.Join(dir, "access.log")
	writeAccessLog(t, log, lines)
	const rate = 15.0
	bursts, counts := map[string]int64{}, map[string]int64{}
	for _, k := range []string{"acme-key", "globex-key", "initech-key"} {
		doc := analyzeJSON(t, log, "--api-key", k, "--rates", "15")
		bursts[k], counts[k] = doc.Curve[0].Burst, doc.Keys[k]
	}
	got := simulate(t, replayScenario(t, dir, rate, 100000, bursts))
	for k, b := range bursts {
		if got[k]["offered_total"] != float64(counts[k]) || got[k]["gateway_throttled_total"] != 0 {
			t.Errorf("%s at b(15)=%d: offered %v of %d, throttled %v", k, b, got[k]["offered_total"], counts[k], got[k]["gateway_throttled_total"])
		}
	}
	if got[""]["offered_total"] != float64(len(lines)) {
		t.Errorf("offered %v of %d lines", got[""]["offered_total"], len(lines))
	}
	for k := range bursts {
		less := map[string]int64{}
		for kk, b := range bursts {
			less[kk] = b
		}
		less[k]--
		got := simulate(t, replayScenario(t, dir, rate, 100000, less))
		for kk := range bursts {
			throttled := got[kk]["gateway_throttled_total"]
			if (kk == k) != (throttled > 0) {
				t.Errorf("%s's burst one below b(r): %s throttled %v", k, kk, throttled)
			}
		}
	}
}
