package scenarios

import (
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTrace writes a csv trace of n requests 100 ms apart into dir/name (gzipped for .gz).
func writeTrace(t *testing.T, dir, name string, n int, extra string) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d,key-%d,POST,/orders\n", 1767607200000+int64(i)*100, i%2)
	}
	b.WriteString(extra)
	data := []byte(b.String())
	if strings.HasSuffix(name, ".gz") {
		var z strings.Builder
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = []byte(z.String())
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReplayResolvesTheTraceNextToTheScenario(t *testing.T) {
	dir := t.TempDir()
	writeTrace(t, dir, "logs/access.csv.gz", 600, "")
	doc := "name: t\nmode: sim\nclients:\n  - name: a\n    arrival: {shape: replay, file: logs/access.csv.gz, api_key: key-1}\n" +
		"  - name: b\n    arrival: {shape: replay, file: logs/access.csv.gz, speed: 0.5}\n"
	file := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // relative to the scenario file, not the working directory
	s, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	// 600 requests 100 ms apart span 59.9 s (+1 ns): 60 s; at half speed, 2 min.
	if s.Duration.D() != 2*time.Minute {
		t.Errorf("duration %s, want the slower replay's span, 2m", s.Duration.D())
	}
	if !s.Start.Equal(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("start %s, want the trace's first request", s.Start)
	}
	tr := s.Clients[0].Arrival.Trace()
	if tr == nil || tr.Err != nil || tr.Summary.Requests != 300 || tr.Summary.Format != "csv" || tr.Source.Name != filepath.Join(dir, "logs/access.csv.gz") {
		t.Errorf("trace %+v", tr)
	}
	// A written duration wins.
	if err := os.WriteFile(file, []byte(strings.Replace(doc, "mode: sim", "mode: sim\nduration: 10s", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err = Load(file); err != nil || s.Duration.D() != 10*time.Second {
		t.Errorf("duration %v, %v", s.Duration, err)
	}
}

func TestReplayValidation(t *testing.T) {
	dir := t.TempDir()
	writeTrace(t, dir, "ok.csv", 200, "")
	writeTrace(t, dir, "bad.csv", 200, "oops\n1767607200000\n1767607200000,a\n")
	cases := []struct{ arrival, path, msg string }{
		{"{shape: replay}", "clients[0].arrival.file", "shape replay requires file"},
		{"{shape: replay, file: nope.csv}", "clients[0].arrival.file", "read trace: stat " + filepath.Join(dir, "nope.csv") + ": no such file or directory"},
		{"{shape: replay, file: ok.csv, format: w3c}", "clients[0].arrival.format", `unknown format "w3c" (known: apigw-json, apigw-clf, alb, vegeta, csv)`},
		{"{shape: replay, file: ok.csv, speed: 0}", "clients[0].arrival.speed", "must be a positive number below 1000000, got 0"},
		{"{shape: replay, file: ok.csv, fields: {time: ts}}", "clients[0].arrival.fields", "fields applies to format apigw-json only"},
		{"{shape: replay, file: ok.csv, api_key: other}", "clients[0].arrival.file", filepath.Join(dir, "ok.csv") + ` holds no request of API key "other" (its keys: "key-0": 100, "key-1": 100)`},
		{"{shape: replay, file: bad.csv}", "clients[0].arrival.file", "too many bad lines: " + filepath.Join(dir, "bad.csv") + ": 3 of its 203 lines (1.48%) could not be read as csv, more than the 1% allowed:\n  " + filepath.Join(dir, "bad.csv") + ":201: 1 fields"},
		{"{shape: constant, rate: 1, file: ok.csv}", "clients[0].arrival.file", "file does not apply to shape constant"},
		{"{shape: constant, rate: 1, speed: 2}", "clients[0].arrival.speed", "speed does not apply to shape constant"},
	}
	for _, c := range cases {
		doc := "name: t\nmode: sim\nclients:\n  - name: a\n    arrival: " + c.arrival + "\n"
		if !strings.Contains(c.arrival, "replay") {
			doc = strings.Replace(doc, "mode: sim", "duration: 1m", 1) // the error stays on line 5
		}
		_, err := LoadBytes(filepath.Join(dir, "t.yaml"), []byte(doc))
		var list ErrorList
		want := fmt.Sprintf("%s:5: %s: %s", filepath.Join(dir, "t.yaml"), c.path, c.msg)
		if !errors.As(err, &list) || len(list) != 1 || !strings.HasPrefix(list[0].Error(), want) {
			t.Errorf("%s:\n got %v\nwant one error starting %q", c.arrival, err, want)
		}
	}
}

// TestCopiesFindTheirTrace: a copy of a replay scenario written elsewhere (a run directory's
// scenario.yaml, recommend's recommended.yaml) refers to its trace from there; a catalog
// trace is found from anywhere.
func TestCopiesFindTheirTrace(t *testing.T) {
	dir := t.TempDir()
	writeTrace(t, dir, "logs/a.csv", 10, "")
	doc := "name: t\nmode: sim\nclients:\n  - name: a\n    arrival: {shape: replay, file: logs/a.csv} # mine\n"
	s, err := LoadBytes(filepath.Join(dir, "t.yaml"), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out", "deeper")
	if got, err := s.Clients[0].Arrival.TraceFileFor(out); err != nil || got != "../../logs/a.csv" {
		t.Errorf("TraceFileFor = %q, %v", got, err)
	}
	src, err := s.SourceFor(out)
	if err != nil || !strings.Contains(string(src), "file: ../../logs/a.csv") || !strings.Contains(string(src), "# mine") {
		t.Fatalf("SourceFor:\n%s\n%v", src, err)
	}
	if c, err := LoadBytes(filepath.Join(out, "t.yaml"), src); err != nil || c.Clients[0].Arrival.Trace().Summary.Requests != 10 {
		t.Errorf("the copy does not load where it was written for: %v", err)
	}
	// The catalog's trace: the file stays, and a copy, bytes changed, loads anywhere.
	t.Chdir(dir)
	c, err := LoadCatalog("replay")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Clients[0].Arrival.TraceFileFor(out); err != nil || got != "traces/diurnal.jsonl.gz" {
		t.Errorf("catalog: TraceFileFor = %q, %v", got, err)
	}
	if src, err := c.SourceFor(out); err != nil || string(src) != string(c.Source) {
		t.Errorf("catalog: SourceFor changed the file: %v", err)
	}
	edited := append([]byte("# run with --set seed=9\n"), c.Source...)
	copied, err := LoadBytes(filepath.Join(out, "replay.yaml"), edited)
	if err != nil || !copied.Clients[0].Arrival.Trace().Embedded || copied.Clients[0].Arrival.Trace().Summary.Requests != 70454 {
		t.Errorf("a copy of the catalog's replay: %v", err)
	}
}
