package main

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/throttlelab/throttlelab/reports"
)

// TestRunJUnitValidates: a run's junit.xml carries its wall time and start and is valid under
// Jenkins xunit-plugin's junit-10.xsd (xmllint; skipped without it, but under CI=true).
func TestRunJUnitValidates(t *testing.T) {
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is not installed under CI=true (Debian package libxml2-utils; make tools installs it)")
		}
		t.Skip("xmllint is not installed (Debian package libxml2-utils; make tools installs it)")
	}
	dir := t.TempDir()
	file := writeFile(t, dir, "small.yaml", small)
	if code, _, stderr := cli(t, "run", file, "--out", dir, "--quiet"); code != exitThreshold {
		t.Fatalf("exit %d, want %d (small's threshold fails): %s", code, exitThreshold, stderr)
	}
	junit := filepath.Join(dir, "junit.xml")
	if out, err := exec.Command(lint, "--noout", "--schema", "../../reports/testdata/junit-10.xsd", junit).CombinedOutput(); err != nil {
		t.Fatalf("junit.xml does not validate against junit-10.xsd: %v\n%s", err, out)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var j reports.JUnitSuites
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if secs, err := strconv.ParseFloat(j.Suites[0].Time, 64); err != nil || secs <= 0 || j.Suites[0].Timestamp == "" || j.Failures != 1 || j.Errors != 0 {
		t.Errorf("suite time %q, timestamp %q, failures %d, errors %d:\n%s", j.Suites[0].Time, j.Suites[0].Timestamp, j.Failures, j.Errors, b)
	}
}
