package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
)

var versionCommand = &command{
	name:  "version",
	args:  "",
	short: "the module version, VCS commit and Go version of this binary",
	long: `Print the module version, the VCS commit the binary was built from (with "modified" when
the working tree had uncommitted changes), the commit's time and the Go version, from the build
information in the binary. A binary built by make build knows its commit; one built by go run,
go test, or a plain go build in a linked git worktree does not.`,
	examples: "throttlelab version",
	run:      cmdVersion,
}

// commit and modified are stamped by make build (go build -ldflags "-X main.commit=…"): Go
// records no VCS information in a linked git worktree (golang/go#58218) or under
// GOFLAGS=-buildvcs=false. The build information's own vcs.revision, when there is one, wins.
var commit, modified string

func cmdVersion(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if err := noArgs(fs, args, stdout); err != nil {
		return err
	}
	info, _ := debug.ReadBuildInfo()
	writeVersion(stdout, info, commit, modified == "true")
	return nil
}

// writeVersion prints what info says of the binary (info may be nil: a binary built without
// module support), with stampedCommit and stampedModified (from make build) when info has
// no VCS revision.
func writeVersion(w io.Writer, info *debug.BuildInfo, stampedCommit string, stampedModified bool) {
	version, goVersion := "unknown", runtime.Version()
	vcs := map[string]string{}
	if info != nil {
		version, goVersion = info.Main.Version, info.GoVersion
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
	}
	if vcs["vcs.revision"] == "" && stampedCommit != "" {
		vcs["vcs.revision"], vcs["vcs.modified"] = stampedCommit, strconv.FormatBool(stampedModified)
	}
	if version == "" || version == "(devel)" {
		version = "(devel): built from source, not a tagged module version"
	}
	fmt.Fprintf(w, "throttlelab %s\n", version)
	switch rev := vcs["vcs.revision"]; {
	case rev == "":
		fmt.Fprintln(w, "  commit   unknown (built without VCS information: go run, go test, or go build outside make build)")
	case vcs["vcs.modified"] == "true":
		fmt.Fprintf(w, "  commit   %s (modified: built with uncommitted changes)\n", rev)
	default:
		fmt.Fprintf(w, "  commit   %s\n", rev)
	}
	if t := vcs["vcs.time"]; t != "" {
		fmt.Fprintf(w, "  time     %s\n", t)
	}
	fmt.Fprintf(w, "  go       %s %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
}
