package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// TestShippedTraceIsGenerated: the catalog's trace is this program's output (compared
// decompressed: gzip's bytes may differ between Go versions, the requests may not).
func TestShippedTraceIsGenerated(t *testing.T) {
	f, err := os.Open("../../traces/diurnal.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := generate(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), shipped) {
		t.Fatalf("scenarios/traces/diurnal.jsonl.gz is not what gentrace writes (%d bytes, generated %d): run go generate ./scenarios", len(shipped), b.Len())
	}
	if n := bytes.Count(shipped, []byte{'\n'}); n < 100000 || n > 120000 {
		t.Errorf("%d requests", n)
	}
}
