package reports

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

var updateGolden = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// goldenScenario is the scenario of the fixed report input: two clients of two priorities, a
// queue, a two-tier downstream quota, an outage and two alarms.
const goldenScenario = `name: golden
description: A fixed run for the report's golden file <with markup & "quotes">.
seed: 7
duration: 1m
mode: sim
clients:
  - name: acme
    priority: high
    arrival: {shape: burst, rate: 10/s, peak: 200/s, at: 20s, for: 10s}
    retry: {policy: full-jitter, max_attempts: 3}
  - name: bulk
    priority: batch
    arrival: {shape: constant, rate: 5/s}
gateway:
  stage: {rate: 100, burst: 100}
queues:
  - {name: orders, max_receive_count: 3}
consumer: {pattern: concurrency, concurrency: 10}
downstream:
  quotas:
    - {limit: 20, per: 1s, window: sliding}
    - {limit: 50000, per: 24h, window: fixed}
  outages:
    - {at: 35s, for: 5s, mode: error, status: 503}
alarms:
  - {name: throttling, metric: gateway_throttled, stat: sum, period: 10s, evaluation_periods: 1, comparison: ">", threshold: 100}
  - {name: api-429, metric: downstream_429, stat: sum, period: 10s, evaluation_periods: 1, comparison: ">", threshold: 1000}
slo:
  - "lost_total == 0"
  - "e2e_seconds_p99 < 5"
`

// goldenInput is the fixed input of the report's golden file: a minute in which acme bursts at
// 20 s, the gateway throttles, the queue backs up and drains, the API answers 429s.
func goldenInput(t *testing.T) Input {
	t.Helper()
	sc, err := scenarios.LoadBytes("golden.yaml", []byte(goldenScenario))
	if err != nil {
		t.Fatalf("golden scenario: %v", err)
	}
	return Input{Scenario: sc, Summary: goldenSummary(), Series: goldenSeries(60),
		Alarms: []AlarmResult{
			{Name: "throttling", Metric: "gateway_throttled", Stat: "sum", Comparison: ">", Threshold: 100,
				Period: 10 * time.Second, EvaluationPeriods: 1,
				Transitions: []AlarmTransition{{At: 30 * time.Second, State: StateAlarm}, {At: 40 * time.Second, State: StateOK}},
				Findings:    []string{`alarm "throttling" fired 1 time, at 30s; cleared at 40s`}},
			{Name: "api-429", Metric: "downstream_429", Stat: "sum", Comparison: ">", Threshold: 1000,
				Period: 10 * time.Second, EvaluationPeriods: 1, Transitions: []AlarmTransition{},
				Findings: []string{`alarm "api-429" never fired in 6 periods; the closest period's value was 300`}},
		}}
}

// goldenSeries is n seconds of a run whose acme client bursts from 20 s to 30 s.
func goldenSeries(n int) *metrics.Series {
	cols := []string{"second", "offered", "attempts", "admitted", "gateway_throttled",
		"gateway_quota_exceeded", "gateway_forbidden", "queue_sent", "dlq", "concurrency_in_use",
		"concurrency_limit", "downstream_calls", "downstream_ok", "downstream_429",
		"downstream_5xx", "e2e_seconds_p50", "e2e_seconds_p99", "breaker_open",
		"queue.orders.depth", "queue.orders.oldest_age_seconds", "queue.orders.dlq",
		"client.acme.offered", "client.acme.admitted", "client.acme.throttled",
		"client.bulk.offered", "client.bulk.admitted", "client.bulk.throttled",
		"priority.high.completed", "priority.high.e2e_seconds_p99",
		"priority.batch.completed", "priority.batch.e2e_seconds_p99"}
	s := &metrics.Series{Columns: cols}
	for sec := range n {
		burst := sec >= 20 && sec < 30
		acme, thr := 10.0, 0.0
		if burst {
			acme, thr = 200, 110
		}
		depth := max(0, float64(min(sec, 30)-20)*90-float64(max(0, sec-30))*45)
		calls, c429, five := 15.0, 0.0, 0.0
		if depth > 0 {
			calls, c429 = 50, 30
		}
		if sec >= 35 && sec < 40 {
			five = 20
		}
		p99 := 0.2 + depth/100
		s.Rows = append(s.Rows, []float64{float64(sec), acme + 5, acme + 5 + thr/2, acme + 5 - thr,
			thr, 0, 0, acme + 5 - thr, goldenBool(sec == 45) * 12, min(10, calls/5), 10, calls, calls - c429 - five,
			c429, five, 0.05 + depth/1000, p99, goldenBool(sec >= 36 && sec < 39), depth, depth / 10, goldenBool(sec == 45) * 12,
			acme, acme - thr, thr, 5, 5, 0, 12, p99, 4, p99 * 2})
	}
	return s
}

func goldenBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// goldenSummary is the summary that goes with goldenSeries; its ledger has lost a request so
// that the report must say so loudly.
func goldenSummary() *metrics.Summary {
	m := map[string]float64{
		"offered_total": 2150, "attempts_total": 2700, "gateway_admitted_total": 1050,
		"gateway_throttled_total": 1100, "gateway_quota_exceeded_total": 0, "gateway_forbidden_total": 0,
		"queue_sent_total": 1050, "queue_deleted_total": 1000, "queue_depth_max": 900,
		"queue_oldest_age_seconds_max": 90, "dlq_total": 12, "downstream_calls_total": 1600,
		"downstream_ok_total": 1000, "downstream_429_total": 500, "downstream_5xx_total": 100,
		"downstream_utilization": 0.527, "downstream_overgrant": 0, "completed_total": 1000,
		"rejected_total": 1100, "failed_total": 12, "in_flight_at_end": 37, "lost_total": 1,
		"e2e_seconds_p50": 0.048, "e2e_seconds_p90": 0.9, "e2e_seconds_p99": 7.5,
		"e2e_seconds_max": 12.25, "e2e_seconds_mean": 0.61, "custom_extra_total": 3,
		"aws_sqs_send_requests_total": 1050, "cost_usd_total": 0.0123, "cost_usd_per_million": 5.72,
		"cost_usd_per_month": 6398.67, "cost.api_gateway_usd": 0.0075, "cost.sqs_usd": 0.0048,
	}
	group := func(off, done, rej float64, p50, p99 float64) map[string]float64 {
		return map[string]float64{"offered_total": off, "attempts_total": off * 1.2,
			"completed_total": done, "rejected_total": rej, "e2e_seconds_p50": p50,
			"e2e_seconds_p90": p99 / 2, "e2e_seconds_p99": p99, "e2e_seconds_max": p99 * 1.5}
	}
	throttled := func(m map[string]float64, n float64) map[string]float64 {
		m["gateway_throttled_total"] = n
		return m
	}
	return &metrics.Summary{Scenario: "golden", Mode: "sim", Seed: 7, OfferedSeconds: 60, EndedSeconds: 61.5,
		Metrics:     m,
		PerClient:   map[string]map[string]float64{"acme": throttled(group(1850, 750, 1100, 0.05, 8), 1100), "bulk": group(300, 250, 0, 0.03, 0.4)},
		PerPriority: map[string]map[string]float64{"high": group(1850, 750, 1100, 0.05, 8), "batch": group(300, 250, 0, 0.03, 0.4)},
		Thresholds: []metrics.ThresholdResult{{Expr: "lost_total == 0", Value: 1},
			{Expr: "e2e_seconds_p99 < 5", Value: 7.5}, {Expr: "nope_total < 1", Error: `the summary has no metric "nope_total"`}},
		Ledger: metrics.Ledger{Offered: 2150, Completed: 1000, Lost: 1,
			Rejected: map[string]int64{"throttled": 1100}, Failed: map[string]int64{"dead_lettered": 12},
			InFlight: map[string]int64{"queue:orders": 30, "retry_wait": 7},
			Verdict:  "1 requests were offered but are neither ended nor found in flight: a bug in the harness or the emulated design"},
		Notes: []string{"mode both asked for, but live mode is not built yet: this is the simulation"},
		Latency: &metrics.LatencyQuantiles{Quantiles: metrics.LatencyGrid, E2E: goldenQuantiles(0.004, 0.048, 0.9, 7.5, 12.25),
			PerClient:   map[string][]float64{"acme": goldenQuantiles(0.004, 0.05, 4, 8, 12), "bulk": goldenQuantiles(0.002, 0.03, 0.2, 0.4, 0.6)},
			PerPriority: map[string][]float64{"high": goldenQuantiles(0.004, 0.05, 4, 8, 12), "batch": goldenQuantiles(0.002, 0.03, 0.2, 0.4, 0.6)}},
	}
}

// svgElement matches an inline chart, which the golden file replaces by a placeholder: the
// charts are checked by structure in charts_test.go, and their coordinates may differ in the
// last digit across CPU architectures (fused multiply-add).
var svgElement = regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`)

func TestRenderGolden(t *testing.T) {
	dir := t.TempDir()
	if err := Render(dir, goldenInput(t)); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	checkSelfContained(t, html)
	if n := len(svgElement.FindAll(html, -1)); n != 7 {
		t.Errorf("report.html embeds %d charts, want 7", n)
	}
	got := svgElement.ReplaceAll(html, []byte(`<svg class="chart"><!-- chart --></svg>`))
	golden := filepath.Join("testdata", "report.golden.html")
	if *updateGolden {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report.html differs from %s (go test ./reports -update rewrites it):\n%s", golden, firstDiff(got, want))
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}

// checkSelfContained fails when the report refers to anything outside itself.
func checkSelfContained(t *testing.T, html []byte) {
	t.Helper()
	s := svgElement.ReplaceAllString(string(html), "")
	for _, bad := range []string{"<script", "<link", "<img", "@import", "url(", `src="http`, `href="http`} {
		if strings.Contains(s, bad) {
			t.Errorf("report.html is not self-contained: it contains %q", bad)
		}
	}
	for _, svg := range svgElement.FindAllString(string(html), -1) {
		if strings.Contains(svg, "href") || strings.Contains(svg, "url(") {
			t.Errorf("an embedded chart refers to an external resource")
		}
	}
}

func TestRenderWritesEveryChart(t *testing.T) {
	dir := t.TempDir()
	if err := Render(dir, goldenInput(t)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"traffic", "traffic-clients", "latency", "latency-cdf",
		"downstream", "queues", "concurrency"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s.png: %v", name, err)
		}
		if cfg.Width != 1000 || cfg.Height < 500 {
			t.Errorf("%s.png is %d×%d px, want 1000 wide and at least 500 high", name, cfg.Width, cfg.Height)
		}
		if _, err := os.Stat(filepath.Join(dir, name+".svg")); err != nil {
			t.Error(err)
		}
	}
}

// TestRenderDir writes a run directory as the run command does and re-renders it.
func TestRenderDir(t *testing.T) {
	dir := t.TempDir()
	in := goldenInput(t)
	if err := in.Summary.WriteJSON(filepath.Join(dir, "summary.json")); err != nil {
		t.Fatal(err)
	}
	if err := in.Series.WriteFile(filepath.Join(dir, "series.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scenario.yaml"), []byte(goldenScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RenderDir(dir); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The alarms were evaluated again on the series: throttling (1,100 in 20–30 s) fired.
	for _, want := range []string{"<h3>throttling <span class=\"fail\">fired</span>", "A fixed run for the report"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func TestRenderDirWithoutScenario(t *testing.T) {
	dir := t.TempDir()
	in := goldenInput(t)
	if err := in.Summary.WriteJSON(filepath.Join(dir, "summary.json")); err != nil {
		t.Fatal(err)
	}
	if err := in.Series.WriteFile(filepath.Join(dir, "series.csv")); err != nil {
		t.Fatal(err)
	}
	if err := RenderDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := RenderDir(t.TempDir()); err == nil {
		t.Error("RenderDir of an empty directory: no error")
	}
}
