package main

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"
)

// Every subcommand answers --help, -h and `help CMD` on stdout with exit 0: its synopsis, every
// flag it defines (as --name, with the default when it has one), and an example.
func TestEveryCommandHelp(t *testing.T) {
	for _, c := range commands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var out bytes.Buffer
		if err := c.run(fs, []string{"--help"}, &out, io.Discard); exitCode(err, io.Discard) != exitOK {
			t.Errorf("%s --help: %v", c.name, err)
			continue
		}
		help := out.String()
		_, examples, _ := strings.Cut(help, "\nexamples:\n")
		if !strings.HasPrefix(help, "usage: throttlelab "+c.name) || !strings.Contains(examples, "  throttlelab "+c.name) {
			t.Errorf("%s --help lacks its synopsis or an example of it:\n%s", c.name, help)
		}
		fs.VisitAll(func(fl *flag.Flag) {
			if !strings.Contains(help, "--"+fl.Name+" ") {
				t.Errorf("%s --help does not name --%s:\n%s", c.name, fl.Name, help)
			}
			if !isZero(fl.DefValue) && !strings.Contains(help, fl.DefValue) {
				t.Errorf("%s --help does not give --%s's default %q:\n%s", c.name, fl.Name, fl.DefValue, help)
			}
		})
		for _, args := range [][]string{{c.name, "-h"}, {"help", c.name}} {
			code, stdout, stderr := cli(t, args...)
			if code != exitOK || stdout != help || stderr != "" {
				t.Errorf("%q: exit %d, stderr %q, stdout differs from --help: %v", args, code, stderr, stdout != help)
			}
		}
	}
}

// The flags the issue and the contract name are there, documented.
func TestRunHelpNamesItsFlags(t *testing.T) {
	code, stdout, _ := cli(t, "run", "--help")
	if code != exitOK {
		t.Fatalf("run --help: exit %d", code)
	}
	for _, want := range []string{"--set PATH=VALUE", "--save-baseline DIR", "--sqs-endpoint URL",
		"--dynamodb-endpoint URL", "--aws-endpoint URL", "--env ENV", "(default embedded)", "--mode MODE", "--seed N"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("run --help does not say %q:\n%s", want, stdout)
		}
	}
}

func TestUsageErrorsPointAtTheCommandsHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"run", "--bogus", "burst"}, "run: unknown flag --bogus\nrun 'throttlelab help run' for usage\n"},
		{[]string{"run"}, "run: name one scenario file or catalog name\nrun 'throttlelab help run' for usage\n"},
		{[]string{"run", "burst", "--sqs-endpoint", "http://127.0.0.1:9324"}, "run: --sqs-endpoint goes with --env endpoint\n"},
		{[]string{"run", "burst", "--env", "cloud"}, `run: --env "cloud": want one of embedded, containers, endpoint`},
		{[]string{"list", "extra"}, "list: takes no arguments"},
		{[]string{"help", "nope"}, `help: unknown command "nope"`},
		{[]string{"nope"}, "unknown command \"nope\"\nrun 'throttlelab help' for usage\n"},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: exit %d, stderr\n%s\nwant exit 2 and %q", tc.args, code, stderr, tc.msg)
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, stdout, _ := cli(t, args...)
		if code != exitOK {
			t.Errorf("%q: exit %d", args, code)
		}
		for _, c := range commands {
			if !strings.Contains(stdout, "\n  "+c.name+" ") {
				t.Errorf("%q does not list %s:\n%s", args, c.name, stdout)
			}
		}
	}
}

// Flags may come after positional arguments; after "--" everything is positional.
func TestParseFlagsInterleaved(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "")
	pos, err := parseFlags(fs, []string{"a", "--out", "d", "b", "--", "--c"}, io.Discard)
	if err != nil || *out != "d" || strings.Join(pos, " ") != "a b --c" {
		t.Errorf("pos %q, out %q, err %v", pos, *out, err)
	}
}

// run's endpoint flags reach the endpoint environment, each for its service.
func TestRunEndpointFlags(t *testing.T) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f runFlags
	defineRunFlags(fs, &f)
	_, err := parseFlags(fs, []string{"x", "--env", "endpoint", "--sqs-endpoint", "http://127.0.0.1:9324",
		"--dynamodb-endpoint", "http://127.0.0.1:8000", "--allow-real-aws"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := envOptions(f, io.Discard)
	if o.SQSEndpoint != "http://127.0.0.1:9324" || o.DynamoEndpoint != "http://127.0.0.1:8000" || o.AWSEndpoint != "" || !o.AllowRealAWS {
		t.Errorf("environment options %+v", o)
	}
}
