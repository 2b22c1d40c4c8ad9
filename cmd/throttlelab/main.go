// Command throttlelab runs throttling scenarios in virtual time and live on 127.0.0.1,
// validates scenario files, renders and compares their reports, and sweeps their limits.
// `throttlelab help` lists the commands; see README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes, as SCENARIOS.md fixes them.
const (
	exitOK        = 0
	exitFailure   = 1  // the run could not be carried out
	exitUsage     = 2  // bad command line
	exitThreshold = 99 // a threshold failed
)

// exitError carries an exit code to the edge. cmd, when set, names the command whose help a
// usage error points at.
type exitError struct {
	code int
	cmd  string
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.code != exitThreshold {
			fmt.Fprintln(stderr, "throttlelab:", ee.err)
		}
		if ee.code == exitUsage {
			fmt.Fprintf(stderr, "run 'throttlelab help%s' for usage\n", strings.TrimRight(" "+ee.cmd, " "))
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "throttlelab:", err)
	return exitFailure
}

// run dispatches a command line.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return &exitError{code: exitUsage}
	}
	switch args[0] {
	case "-h", "--help":
		usage(stdout)
		return nil
	case "--version":
		return dispatch(versionCommand, args[1:], stdout, stderr)
	}
	c := lookup(args[0])
	if c == nil {
		return usageErr("unknown command %q", args[0])
	}
	return dispatch(c, args[1:], stdout, stderr)
}
