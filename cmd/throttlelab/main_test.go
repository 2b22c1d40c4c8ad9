package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/reports"
)

// cli runs a command line and returns its exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := exitCode(run(args, &out, &errb), &errb)
	return code, out.String(), errb.String()
}

// writeFile writes contents to dir/name and returns its path.
func writeFile(t *testing.T, dir, name, contents string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(contents), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateNamesEveryLine(t *testing.T) {
	file := writeFile(t, t.TempDir(), "bad.yaml", `name: bad
duration: 10s
clients:
  - name: c
    arrival: {shape: wobble, rate: 10/s}
    colour: red
downstream:
  latency: {dist: fixed, value: 10ms}
`)
	code, _, stderr := cli(t, "validate", file)
	if code == exitOK {
		t.Fatalf("validate of an invalid file exited 0")
	}
	for _, want := range []string{file + ":5:", file + ":6:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not name %s:\n%s", want, stderr)
		}
	}
}

// small is a scenario of 500 requests that all complete.
const small = `name: small
duration: 5s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 100/s}
downstream:
  latency: {dist: fixed, value: 10ms}
slo:
  - "lost_total == 0"
  - "completed_total < 10"
`

func TestRunFailedThresholdExits99WithJUnit(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "small.yaml", small)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "run", file, "--out", out, "--quiet")
	if code != exitThreshold {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitThreshold, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var j reports.JUnitSuites
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatalf("junit.xml: %v\n%s", err, b)
	}
	if len(j.Suites) != 1 || j.Suites[0].Name != "small" || j.Suites[0].Failures != 1 {
		t.Fatalf("junit.xml = %+v, want suite small with 1 failure", j)
	}
	for _, c := range j.Suites[0].Cases {
		if (c.Failure != nil) != (c.Name == "completed_total < 10") {
			t.Errorf("case %q failure = %+v", c.Name, c.Failure)
		}
	}
}

func TestRunMergesAlarmMetrics(t *testing.T) {
	dir := t.TempDir()
	withAlarm := strings.Replace(small, `  - "completed_total < 10"`, `  - "alarm.busy.first_fired_seconds == 2"
alarms:
  - {name: busy, metric: completed, stat: sum, period: 2s, evaluation_periods: 1, comparison: ">=", threshold: 150}`, 1)
	file := writeFile(t, dir, "small.yaml", withAlarm)
	code, stdout, stderr := cli(t, "run", file, "--out", filepath.Join(dir, "out"), "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "busy fired 1×") {
		t.Errorf("the text summary does not show the alarm:\n%s", stdout)
	}
}

// stageScenario offers 3000/s for 10 s to a stage limited to rate.
func stageScenario(rate string) string {
	return `name: stage
duration: 10s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 3000/s}
gateway:
  stage: {rate: ` + rate + `, burst: 1000}
  integration: direct
downstream:
  latency: {dist: fixed, value: 5ms}
`
}

func TestCompareLowerStageRateRegresses(t *testing.T) {
	dir := t.TempDir()
	runs := map[string]string{"base": "1000", "new": "800"}
	for name, rate := range runs {
		file := writeFile(t, dir, filepath.Join(name, "stage.yaml"), stageScenario(rate))
		if code, stdout, stderr := cli(t, "run", file, "--out", filepath.Join(dir, name, "out"), "--quiet"); code != exitOK {
			t.Fatalf("run %s: exit %d\n%s%s", name, code, stdout, stderr)
		}
	}
	base, cur := filepath.Join(dir, "base", "out"), filepath.Join(dir, "new", "out")
	code, stdout, stderr := cli(t, "compare", base, cur)
	if code != exitThreshold {
		t.Fatalf("compare: exit %d, want %d\n%s%s", code, exitThreshold, stdout, stderr)
	}
	if !strings.Contains(stdout, "REGRESSED  gateway_admitted_total") || !strings.Contains(stdout, "FAIL") {
		t.Errorf("compare does not name gateway_admitted_total as regressed:\n%s", stdout)
	}
	if code, stdout, _ := cli(t, "compare", "--tolerance", "50%", base, cur); code != exitOK {
		t.Errorf("compare with a 50%% tolerance: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ := cli(t, "compare", base, filepath.Join(base, "summary.json")); code != exitOK || !strings.Contains(stdout, "0 regressed") {
		t.Errorf("compare of a run with itself: exit %d\n%s", code, stdout)
	}
}

func TestCompareExitCodes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"compare", missing, missing}, exitFailure},
		{[]string{"compare", missing}, exitUsage},
		{[]string{"compare", "--tolerance", "five", missing, missing}, exitUsage},
		{[]string{"compare", "--tolerance", "5", missing, missing}, exitUsage},
		{[]string{"report", missing}, exitFailure},
		{[]string{"report"}, exitUsage},
	} {
		if code, _, stderr := cli(t, tc.args...); code != tc.want {
			t.Errorf("%q: exit %d, want %d\n%s", tc.args, code, tc.want, stderr)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	for in, want := range map[string]float64{"5%": 0.05, "0.05": 0.05, "0": 0, "12.5%": 0.125, " 150% ": 1.5} {
		if got, err := parseTolerance(in); err != nil || got != want {
			t.Errorf("parseTolerance(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "%", "five", "-1%", "5", "NaN"} {
		if _, err := parseTolerance(in); err == nil {
			t.Errorf("parseTolerance(%q) accepted", in)
		}
	}
}
