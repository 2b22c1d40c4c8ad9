package reports

import (
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
)

func TestWriteJUnit(t *testing.T) {
	tests := []struct {
		name         string
		lost         float64
		thresholds   []metrics.ThresholdResult
		wantFailures int
		wantFailed   []string // names of the failing cases
		wantErrored  []string // names of the cases that could not be evaluated
	}{
		{"all held", 0, []metrics.ThresholdResult{{Expr: "lost_total == 0", OK: true}}, 0, nil, nil},
		{"a failed threshold, an errored one, a NaN and a lost request", 2, []metrics.ThresholdResult{
			{Expr: "lost_total == 0", Value: 2},
			{Expr: "completed_total > 0", Value: 10, OK: true},
			{Expr: "nope_total == 0", Error: `the summary has no metric "nope_total"`},
			{Expr: "e2e_seconds_p99 < 1", Value: math.NaN()},
		}, 2, []string{"lost_total == 0", "ledger"}, []string{"nope_total == 0", "e2e_seconds_p99 < 1"}},
		{"no thresholds", 0, []metrics.ThresholdResult{}, 0, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &metrics.Summary{Scenario: "burst", Mode: "sim", Seed: 42,
				Metrics: map[string]float64{"lost_total": tc.lost}, Thresholds: tc.thresholds,
				Ledger: metrics.Ledger{Lost: int64(tc.lost), Verdict: "v"}}
			path := filepath.Join(t.TempDir(), "junit.xml")
			if err := WriteJUnit(path, s); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), xml.Header) {
				t.Errorf("junit.xml does not start with the XML header:\n%s", b)
			}
			var got JUnitSuites
			if err := xml.Unmarshal(b, &got); err != nil {
				t.Fatalf("junit.xml does not parse back: %v\n%s", err, b)
			}
			if len(got.Suites) != 1 || got.Suites[0].Name != "burst" {
				t.Fatalf("suites = %+v, want one named burst", got.Suites)
			}
			suite := got.Suites[0]
			if suite.Tests != len(tc.thresholds)+1 || len(suite.Cases) != suite.Tests {
				t.Errorf("tests = %d with %d cases, want %d", suite.Tests, len(suite.Cases), len(tc.thresholds)+1)
			}
			var failed, errored []string
			for _, c := range suite.Cases {
				if c.Failure != nil {
					failed = append(failed, c.Name)
				}
				if c.Error != nil {
					errored = append(errored, c.Name)
				}
			}
			if suite.Failures != tc.wantFailures || got.Failures != tc.wantFailures || len(failed) != tc.wantFailures {
				t.Errorf("failures = %d (root %d, counted %d), want %d", suite.Failures, got.Failures, len(failed), tc.wantFailures)
			}
			if suite.Errors != len(tc.wantErrored) || got.Errors != len(tc.wantErrored) {
				t.Errorf("errors = %d (root %d), want %d", suite.Errors, got.Errors, len(tc.wantErrored))
			}
			if strings.Join(failed, "|") != strings.Join(tc.wantFailed, "|") || strings.Join(errored, "|") != strings.Join(tc.wantErrored, "|") {
				t.Errorf("failed cases = %q, errored %q; want %q, %q", failed, errored, tc.wantFailed, tc.wantErrored)
			}
			if suite.Time != "0" || got.Time != "0" || suite.Timestamp != "" {
				t.Errorf("time %q (root %q), timestamp %q without a wall time", suite.Time, got.Time, suite.Timestamp)
			}
		})
	}
}

func TestJUnitFailureText(t *testing.T) {
	s := &metrics.Summary{Scenario: "x", Metrics: map[string]float64{"lost_total": 0},
		Thresholds: []metrics.ThresholdResult{{Expr: "e2e_seconds_p99 < 1", Value: 2.5}}}
	f := JUnit(s).Suites[0].Cases[0].Failure
	if f == nil || f.Message != "was 2.5" || f.Text != "threshold e2e_seconds_p99 < 1 failed: the value was 2.5" {
		t.Errorf("failure = %+v", f)
	}
}

func TestJUnitWallTime(t *testing.T) {
	s := &metrics.Summary{Scenario: "x", Metrics: map[string]float64{"lost_total": 0}}
	start := time.Date(2026, 1, 5, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	j := JUnit(s, JUnitWallTime(start, 2*time.Minute+1600*time.Microsecond))
	if su := j.Suites[0]; su.Time != "120.002" || j.Time != "120.002" || su.Timestamp != "2026-01-05T08:30:00" {
		t.Errorf("time %q (root %q), timestamp %q", su.Time, j.Time, su.Timestamp)
	}
}
