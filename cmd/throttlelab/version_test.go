package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestWriteVersion(t *testing.T) {
	const rev = "8f8c98b19c887221697ed777493b1b22ec93d942"
	info := func(settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/throttlelab/throttlelab", Version: "v0.4.1"}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name     string
		info     *debug.BuildInfo
		stamped  string
		modified bool
		want     string
	}{
		{"go build in a checkout", info("vcs.revision", rev, "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "false"), "", false,
			"throttlelab v0.4.1\n  commit   " + rev + "\n  time     2026-12-01T10:00:00Z\n  go       go1.26.8 " + platform + "\n"},
		{"uncommitted changes", info("vcs.revision", rev, "vcs.modified", "true"), "", false,
			"throttlelab v0.4.1\n  commit   " + rev + " (modified: built with uncommitted changes)\n  go       go1.26.8 " + platform + "\n"},
		{"make build in a worktree", info(), "abc123", true,
			"throttlelab v0.4.1\n  commit   abc123 (modified: built with uncommitted changes)\n  go       go1.26.8 " + platform + "\n"},
		{"the build info's revision wins", info("vcs.revision", rev), "abc123", true,
			"throttlelab v0.4.1\n  commit   " + rev + "\n  go       go1.26.8 " + platform + "\n"},
		{"go run", info(), "", false,
			"throttlelab v0.4.1\n  commit   unknown (built without VCS information: go run, go test, or go build outside make build)\n  go       go1.26.8 " + platform + "\n"},
	} {
		var b bytes.Buffer
		writeVersion(&b, tc.info, tc.stamped, tc.modified)
		if b.String() != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, b.String(), tc.want)
		}
	}
	var b bytes.Buffer
	writeVersion(&b, &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "", false)
	if !strings.HasPrefix(b.String(), "throttlelab (devel): built from source") {
		t.Errorf("a devel build: %s", b.String())
	}
}

// The version command itself prints the test binary's Go version and exits 0.
func TestVersionCommand(t *testing.T) {
	code, stdout, _ := cli(t, "version")
	if code != exitOK || !strings.HasPrefix(stdout, "throttlelab ") || !strings.Contains(stdout, "  go       "+runtime.Version()) {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	if code, _, _ := cli(t, "version", "extra"); code != exitUsage {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}
