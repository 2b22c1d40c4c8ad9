package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// --metrics-addr is checked before anything runs: a simulation has nothing to scrape, and an
// address that is not loopback needs --allow-remote-metrics (the .invalid name is never
// looked up: the check reads the address only).
func TestRunMetricsAddrUsage(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "small.yaml", small) // mode: sim
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--mode", "sim", "--metrics-addr", "127.0.0.1:9464"}, "runs in mode sim"},
		{[]string{"--metrics-addr", "127.0.0.1:9464"}, "add --mode live or --mode both"},
		{[]string{"--mode", "live", "--metrics-addr", "metrics.invalid:9464"}, "--allow-remote-metrics"},
		{[]string{"--mode", "live", "--metrics-addr", "0.0.0.0:9464"}, "not loopback"},
		{[]string{"--mode", "live", "--metrics-addr", "127.0.0.1"}, "want HOST:PORT"},
		{[]string{"--mode", "live", "--allow-remote-metrics"}, "goes with --metrics-addr"},
	} {
		args := append([]string{"run", file, "--out", out, "--quiet"}, c.args...)
		code, stdout, stderr := cli(t, args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, want %d saying %q\n%s%s", c.args, code, exitUsage, c.want, stdout, stderr)
		}
	}
}
