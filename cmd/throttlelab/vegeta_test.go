package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// vegetaCLI is vegeta's command, the version go.mod pins for its library, run with `go run`
// from the module proxy (or the module cache).
const vegetaCLI = "github.com/tsenart/vegeta/v12@v12.13.0"

// vegetaReport runs `vegeta report -type=json` on a results file, as a user would.
func vegetaReport(path string) (*vegeta.Metrics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd := exec.Command("go", "run", vegetaCLI, "report", "-type=json")
	cmd.Stdin = f
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go run %s report: %v: %s", vegetaCLI, err, stderr.String())
	}
	var m vegeta.Metrics
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		return nil, fmt.Errorf("vegeta report's JSON: %w", err)
	}
	return &m, nil
}

// decodeResults counts the results of a file in vegeta's encoding, with vegeta's decoder.
func decodeResults(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.DecoderFor(f)
	if dec == nil {
		t.Fatalf("%s is in no vegeta encoding", path)
	}
	n := 0
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatalf("decode %s: result %d: %v", path, n, err)
		}
		n++
	}
}
