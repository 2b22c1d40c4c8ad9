package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
)

// TestVerdictPrecedence: a partial run or a ledger that does not balance exits 1 even when
// thresholds failed too; thresholds decide 0 or 99 for a sound run only.
func TestVerdictPrecedence(t *testing.T) {
	failed := []metrics.ThresholdResult{{Expr: "completed_total > 1", OK: false}}
	held := []metrics.ThresholdResult{{Expr: "lost_total == 0", OK: true}}
	unbalanced := metrics.Ledger{Lost: 2, Verdict: "2 requests were offered but neither ended nor found in flight"}
	for _, tc := range []struct {
		name    string
		partial bool
		sum     metrics.Summary
		code    int // 0: nil
		msg     string
	}{
		{"sound, thresholds held", false, metrics.Summary{Thresholds: held}, 0, ""},
		{"sound, a threshold failed", false, metrics.Summary{Thresholds: failed}, exitThreshold, "1 thresholds failed"},
		{"partial and a threshold failed", true, metrics.Summary{Thresholds: failed}, exitFailure, "sqs receive: timeout (partial report in DIR)"},
		{"lost and a threshold failed", false, metrics.Summary{Thresholds: failed, Ledger: unbalanced}, exitFailure, unbalanced.Verdict},
		{"counted twice", false, metrics.Summary{Thresholds: held, Ledger: metrics.Ledger{Lost: -3, Verdict: "counted twice"}}, exitFailure, "counted twice"},
		{"mode both, the simulation lost", false, metrics.Summary{Thresholds: failed, Sim: &metrics.Summary{Ledger: unbalanced}}, exitFailure, "simulation: " + unbalanced.Verdict},
	} {
		out := &outcome{sum: &tc.sum, partial: tc.partial, partialBy: errors.New("sqs receive: timeout")}
		err := verdict(out, out.sum, "DIR")
		var ee *exitError
		switch {
		case tc.code == 0 && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case tc.code == 0:
		case !errors.As(err, &ee) || ee.code != tc.code || err.Error() != tc.msg:
			t.Errorf("%s: %v (%T), want exit %d %q", tc.name, err, err, tc.code, tc.msg)
		}
	}
}

func TestWorstVariant(t *testing.T) {
	threshold := &exitError{code: exitThreshold, err: errors.New("1 thresholds failed")}
	lost := &exitError{code: exitFailure, err: errors.New("2 requests were lost")}
	for _, tc := range []struct {
		name string
		errs []variantError
		code int
		msg  string
	}{
		{"all sound", nil, exitOK, ""},
		{"a threshold", []variantError{{"a", threshold}}, exitThreshold, "variant a: 1 thresholds failed"},
		{"a threshold, then a ledger", []variantError{{"a", threshold}, {"b", lost}}, exitFailure,
			"variant a: 1 thresholds failed; variant b: 2 requests were lost"},
		{"a run that failed", []variantError{{"c", errors.New("simulate c: boom")}}, exitFailure, "variant c: simulate c: boom"},
	} {
		err := worstVariant(tc.errs)
		if got := exitCode(err, &strings.Builder{}); got != tc.code || (err != nil && err.Error() != tc.msg) {
			t.Errorf("%s: exit %d %v, want %d %q", tc.name, got, err, tc.code, tc.msg)
		}
	}
}

// twoDesigns sends the same 500 requests through two designs; the slow one gets 429s from the
// API, which a threshold forbids.
const twoDesigns = `name: two
duration: 5s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 100/s}
gateway: {integration: queue}
queues:
  - {name: work, visibility_timeout: 30s, max_receive_count: 0}
downstream:
  quotas: [{limit: 50, per: 1s, window: sliding}]
  latency: {dist: fixed, value: 50ms}
variants:
  - name: paced
    description: one worker at a time, 20 calls a second
    consumer: {pattern: concurrency, concurrency: 1}
  - name: eager
    description: twenty workers
    consumer: {pattern: concurrency, concurrency: 20}
slo:
  - "downstream_429_total == 0"
`

// TestVariantsSummaryTotals runs a comparison: its summary.json has the ledger's totals over
// both variants at the top level next to variant.NAME.METRIC, and a failed threshold in one
// variant makes the run exit 99 (its ledgers balance).
func TestVariantsSummaryTotals(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "two.yaml", twoDesigns)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "run", file, "--out", out, "--quiet")
	if code != exitThreshold {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitThreshold, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum metrics.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	m := sum.Metrics
	for _, name := range []string{"offered_total", "completed_total", "rejected_total", "failed_total", "in_flight_at_end", "lost_total"} {
		want := m["variant.paced."+name] + m["variant.eager."+name]
		if got, ok := m[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v, the sum over the variants", name, got, ok, want)
		}
	}
	if m["offered_total"] != 1000 || m["lost_total"] != 0 || m["variants_unbalanced"] != 0 {
		t.Errorf("offered %v, lost %v, unbalanced variants %v; want 1000, 0, 0", m["offered_total"], m["lost_total"], m["variants_unbalanced"])
	}
	if sum.Ledger.Offered != 1000 || sum.Ledger.Completed != int64(m["completed_total"]) || sum.Ledger.Lost != 0 {
		t.Errorf("ledger %+v, want the variants' totals", sum.Ledger)
	}
	if m["variant.eager.downstream_429_total"] == 0 || m["variant.paced.downstream_429_total"] != 0 {
		t.Errorf("429s: paced %v, eager %v; want none and some", m["variant.paced.downstream_429_total"], m["variant.eager.downstream_429_total"])
	}
	if !strings.Contains(strings.Join(sum.Notes, "\n"), "variant eager: 1 thresholds failed") {
		t.Errorf("notes %q do not say which variant failed its threshold", sum.Notes)
	}
}
