package reports

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
)

// xmllint returns the path of xmllint (Debian package libxml2-utils, which scripts/tools.sh
// installs); without it the test skips, saying why, but fails under CI=true.
func xmllint(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("xmllint is not installed under CI=true (Debian package libxml2-utils; make tools installs it)")
	}
	t.Skip("xmllint is not installed (Debian package libxml2-utils; make tools installs it): junit.xml is not checked against junit-10.xsd")
	return ""
}

// validateJUnit runs xmllint --schema testdata/junit-10.xsd on file and returns its verdict.
func validateJUnit(t *testing.T, lint, file string) error {
	t.Helper()
	out, err := exec.Command(lint, "--noout", "--schema", "testdata/junit-10.xsd", file).CombinedOutput()
	t.Logf("xmllint: %s", strings.TrimSpace(string(out)))
	return err
}

// TestJUnitValidatesAgainstXunitSchema: junit.xml with a held, a failed and two unevaluable
// thresholds and a failed ledger is valid under Jenkins xunit-plugin's junit-10.xsd, and a
// document as the earlier junit.xml wrote it (no errors attribute) is not, so the check bites.
func TestJUnitValidatesAgainstXunitSchema(t *testing.T) {
	lint := xmllint(t)
	s := &metrics.Summary{Scenario: "burst <& \"quotes\"", Mode: "sim", Seed: 42,
		Metrics: map[string]float64{"lost_total": 3},
		Thresholds: []metrics.ThresholdResult{
			{Expr: "completed_total > 0", Value: 10, OK: true},
			{Expr: "e2e_seconds_p99 < 1", Value: 2.5},
			{Expr: "lsot_total == 0", Error: `the summary has no metric "lsot_total"`},
			{Expr: "downstream_utilization >= 0.9", Value: math.NaN()},
		},
		Ledger: metrics.Ledger{Lost: 3, Verdict: "3 requests were offered but neither ended nor found in flight"}}
	dir := t.TempDir()
	good := filepath.Join(dir, "junit.xml")
	start := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	if err := WriteJUnit(good, s, JUnitWallTime(start, 1234567*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := validateJUnit(t, lint, good); err != nil {
		b, _ := os.ReadFile(good)
		t.Fatalf("junit.xml does not validate against junit-10.xsd: %v\n%s", err, b)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`errors="2"`, `failures="2"`, `tests="5"`, `time="1234.567"`, "<error ", "<failure "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("junit.xml has no %s:\n%s", want, b)
		}
	}
	old := regexp.MustCompile(` errors="[0-9]+"`).ReplaceAllString(string(b), "")
	bad := filepath.Join(dir, "old.xml")
	if err := os.WriteFile(bad, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if validateJUnit(t, lint, bad) == nil {
		t.Errorf("a testsuite without errors validates: the schema check proves nothing")
	}
}
