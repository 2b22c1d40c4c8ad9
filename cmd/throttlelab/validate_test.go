package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/scenarios"
)

// TestValidateNameWarns: a name that differs from the file's is a warning on stderr naming
// file:line (the README's `import T > my-scenario.yaml` flow), and validate and run go on.
func TestValidateNameWarns(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "my-scenario.yaml", strings.Replace(small, "name: small", "name: imported", 1))
	want := file + `:1: warning: name: name "imported" differs from the file name "my-scenario"`
	code, stdout, stderr := cli(t, "validate", file)
	if code != exitOK || !strings.Contains(stdout, "ok (imported)") || !strings.Contains(stderr, want) {
		t.Errorf("validate: exit %d\nstdout: %s\nstderr: %s\nwant a warning starting %q", code, stdout, stderr, want)
	}
	code, _, stderr = cli(t, "run", file, "--out", t.TempDir(), "--quiet")
	if code != exitThreshold || !strings.Contains(stderr, want) {
		t.Errorf("run: exit %d (want %d, small's threshold fails)\nstderr: %s", code, exitThreshold, stderr)
	}
	unnamed := writeFile(t, dir, "unnamed.yaml", strings.Replace(small, "name: small\n", "", 1))
	code, stdout, stderr = cli(t, "validate", unnamed)
	if code != exitOK || !strings.Contains(stdout, "ok (unnamed)") || stderr != "" {
		t.Errorf("validate without a name: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// TestSchemaCommandPrintsTheShippedSchema: `throttlelab schema` prints scenario.schema.json as
// shipped, and that is what the Go types generate today.
func TestSchemaCommandPrintsTheShippedSchema(t *testing.T) {
	code, stdout, _ := cli(t, "schema")
	shipped, err := os.ReadFile("../../scenarios/scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	generated, err := scenarios.GenerateSchema()
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK || stdout != string(shipped) || !bytes.Equal(generated, shipped) {
		t.Errorf("exit %d; printed == shipped: %v; generated == shipped: %v (go generate ./scenarios)",
			code, stdout == string(shipped), bytes.Equal(generated, shipped))
	}
}
