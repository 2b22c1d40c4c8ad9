package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/envs"
	"github.com/throttlelab/throttlelab/metrics"
)

// A catalog scenario end to end in the containers environment: the fake API in a container
// built from fakeapi/Dockerfile (testcontainers), the queues on an SQS emulator and the
// orchestrator's state on a DynamoDB emulator. `make test` provides Docker and the emulators;
// without them the test skips, saying why, except under CI=true where it fails.
func TestCatalogScenarioInContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of live load")
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	err := run([]string{"run", "orchestrator-outage", "--mode", "live", "--env", "containers", "--out", dir, "--quiet"}, &out, &errb)
	if errors.Is(err, envs.ErrNoDocker) || errors.Is(err, envs.ErrToolMissing) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("containers environment unavailable under CI=true: %v", err)
		}
		t.Skipf("containers environment unavailable: %v", err)
	}
	t.Logf("%s\n%s", out.String(), errb.String())
	if code := exitCode(err, &errb); code != exitOK {
		t.Fatalf("exit %d: %v", code, err)
	}
	s, err := metrics.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(s.Notes, "\n")
	for _, want := range []string{"container", "SQS:", "DynamoDB:"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes do not say %q: %s", want, notes)
		}
	}
	m := s.Metrics
	if m["lost_total"] != 0 || m["breaker_opened_total"] < 1 || m["aws_dynamodb_writes_total"] == 0 || m["aws_sqs_requests_measured_total"] == 0 {
		t.Errorf("lost %v, breaker opened %v, DynamoDB writes %v, SQS requests %v", m["lost_total"],
			m["breaker_opened_total"], m["aws_dynamodb_writes_total"], m["aws_sqs_requests_measured_total"])
	}
	for _, f := range []string{"report.html", "junit.xml", "series.csv", "results.bin"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
}
