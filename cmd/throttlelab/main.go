// Command throttlelab runs throttling scenarios in virtual time (and, later, live), validates
// scenario files and renders their reports. See README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Exit codes, as SCENARIOS.md fixes them.
const (
	exitOK        = 0
	exitFailure   = 1  // the run could not be carried out
	exitUsage     = 2  // bad command line
	exitThreshold = 99 // a threshold failed
)

// exitError carries an exit code to the edge.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
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
			fmt.Fprintln(stderr, "run 'throttlelab help' for usage")
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "throttlelab:", err)
	return exitFailure
}

const usage = `throttlelab: try a throttling design before it meets production.

usage:
  throttlelab run FILE|NAME [--mode sim|live|both] [--seed N] [--out DIR] [--quiet]
                  [--env embedded|containers|endpoint] [--aws-endpoint URL] [--allow-real-aws]
  throttlelab validate FILE...
  throttlelab report DIR                re-render charts and report.html from a run directory
  throttlelab compare BASE_DIR NEW_DIR [--tolerance 5%]
                                        regression check between two runs (exit 99 when a
                                        metric got worse beyond the tolerance)
  throttlelab sweep FILE|NAME --set PATH=FROM..TO:STEP [--set ...] [--out DIR] [--jobs N] [--metric NAME ...]
  throttlelab sweep FILE|NAME --find-max PATH --range FROM..TO [--resolution R] [--slo "EXPR" ...]
                                        run a grid of values in the simulator, or find the
                                        largest value of PATH that keeps every SLO
  throttlelab list                      the embedded catalog of scenarios
  throttlelab schema                    print the JSON Schema of scenario files
  throttlelab import TEMPLATE [--name NAME] [--out FILE] [--param NAME=VALUE]   scenario of a CloudFormation/SAM template's limits
  throttlelab fakeapi --scenario FILE|NAME [--addr 127.0.0.1:8080] [--seed N]
                                        serve a scenario's fake third-party API until Ctrl-C
  throttlelab help

A NAME is a scenario of the embedded catalog (throttlelab list). A run writes summary.json,
series.csv, junit.xml, charts and report.html into its directory. Exit codes: 0 all thresholds
held, 1 the run could not be carried out, 2 usage, 99 a threshold failed (run) or a metric
regressed (compare).
`

// run dispatches a command line.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: exitUsage}
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(args[1:], stdout, stderr)
	case "list":
		return cmdList(stdout)
	case "schema":
		return cmdSchema(stdout)
	case "import":
		return cmdImport(args[1:], stdout, stderr)
	case "fakeapi":
		return cmdFakeAPI(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageErr("unknown command %q", args[0])
	}
}
