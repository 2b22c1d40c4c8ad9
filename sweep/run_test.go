package sweep

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// staged is a gateway stage in front of a queue and 20 workers: 300 requests a second for
// 10 s, so a stage rate below 300 throttles.
const staged = `name: staged
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
slo:
  - "gateway_throttled_total == 0"
`

func TestRunStageRateSweep(t *testing.T) {
	sc := load(t, "staged", staged)
	a, err := ParseAxis("gateway.stage.rate=100..500:100")
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	pts, err := Run(sc, []Axis{a}, nil, Options{Jobs: 3, Progress: func(done, total int, _ Point) {
		calls++
		if total != 5 || done != calls {
			t.Errorf("progress %d/%d at call %d", done, total, calls)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 5 {
		t.Fatalf("%d points", len(pts))
	}
	for i, p := range pts {
		if p.Err != nil {
			t.Fatalf("point %d: %v", i, p.Err)
		}
		throttled := p.Summary.Metrics["gateway_throttled_total"]
		if rate := p.Values[0]; (rate < 300) != (throttled > 0) {
			t.Errorf("stage rate %v: %v throttled", rate, throttled)
		}
		if _, ok := p.Summary.Metrics["cost_usd_per_million"]; !ok {
			t.Errorf("point %d has no cost", i)
		}
		if ok := len(p.Summary.Thresholds) == 1 && p.Summary.Thresholds[0].OK; ok != (p.Values[0] >= 300) {
			t.Errorf("stage rate %v: thresholds %+v", p.Values[0], p.Summary.Thresholds)
		}
	}
	// The same seed gives the same summary whatever the worker that ran it.
	again, _ := Run(sc, []Axis{a}, nil, Options{Jobs: 1})
	var b1, b2 bytes.Buffer
	_ = WriteCSV(&b1, []Axis{a}, pts)
	_ = WriteCSV(&b2, []Axis{a}, again)
	if b1.String() != b2.String() {
		t.Error("sweep.csv differs between 3 workers and 1")
	}
}

func TestSweepFiles(t *testing.T) {
	sc := load(t, "staged", staged)
	axes := []Axis{mustAxis(t, "gateway.stage.rate=100..300:100"), mustAxis(t, "consumer.concurrency=0,5")}
	pts, err := Run(sc, axes, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteCSVFile(filepath.Join(dir, "sweep.csv"), axes, pts); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(dir, "sweep.csv"))
	if len(rows) != 7 || rows[0][0] != "gateway.stage.rate" || rows[0][1] != "consumer.concurrency" || rows[0][2] != "error" {
		t.Fatalf("csv header %v, %d rows", rows[0], len(rows))
	}
	// concurrency 0 is invalid: reported, not run.
	if !errors.Is(pts[0].Err, ErrInvalid) || !strings.Contains(rows[1][2], "consumer.concurrency") {
		t.Errorf("invalid point: %v / %q", pts[0].Err, rows[1][2])
	}
	if rows[2][2] != "" || rows[2][3] != "0" && rows[2][3] != "1" {
		t.Errorf("valid point row %v", rows[2][:4])
	}
	figs, missing, err := Charts(dir, append(DefaultMetrics, "no_such_metric"), axes, pts)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != len(DefaultMetrics) || len(missing) != 1 {
		t.Errorf("%d figures, missing %v", len(figs), missing)
	}
	for _, m := range DefaultMetrics {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, m+ext)); err != nil || st.Size() == 0 {
				t.Errorf("chart %s%s: %v", m, ext, err)
			}
		}
	}
	var html bytes.Buffer
	err = WriteHTML(&html, Report{Scenario: sc, Axes: axes, Points: pts, Metrics: DefaultMetrics, Figures: figs, Missing: missing})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg class=\"chart\"", "consumer.concurrency=5", "INVALID", "3 invalid"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("sweep.html lacks %q", want)
		}
	}
}

func mustAxis(t *testing.T, spec string) Axis {
	t.Helper()
	a, err := ParseAxis(spec)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
