package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// command is one subcommand: what its --help says, and what runs it. A command defines its
// flags on the FlagSet it is handed and parses them with parseFlags, which answers --help.
type command struct {
	name string
	// args is the synopsis after "throttlelab NAME": positional arguments, then "[flags]"
	// when it has flags.
	args string
	// short is the one line of the command list; long is the paragraph of its --help.
	short, long string
	// examples are command lines, one per line, shown under "examples:".
	examples string
	run      func(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error
}

// commands are the subcommands, in the order the command list shows them. A new command is
// one entry here; TestEveryCommandHelp checks its --help.
var commands []*command

func init() {
	commands = []*command{runCommand, validateCommand, reportCommand, compareCommand, sweepCommand,
		recommendCommand, analyzeCommand, mergeCommand, listCommand, schemaCommand, importCommand, fakeAPICommand, versionCommand, helpCommand}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// dispatch runs the command c with args.
func dispatch(c *command, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parseFlags reports errors; --help is written by writeHelp
	fs.Usage = func() {}
	return c.run(fs, args, stdout, stderr)
}

// errHelpShown ends a command whose --help was printed: exit 0, nothing more to say.
var errHelpShown = &exitError{code: exitOK}

// parseFlags parses args with fs, flags before or after positional arguments (up to "--",
// after which everything is positional), and returns the positional arguments. --help or -h
// prints the command's help on stdout and returns errHelpShown; a bad flag is a usage error
// that names the command's help.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			writeHelp(stdout, lookup(fs.Name()), fs)
			return nil, errHelpShown
		}
		if err != nil {
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
				err = fmt.Errorf("unknown flag --%s", strings.TrimPrefix(name, "-"))
			}
			return nil, &exitError{code: exitUsage, cmd: fs.Name(), err: fmt.Errorf("%s: %w", fs.Name(), err)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// cmdUsageErr is a usage error of the command fs parses: the edge points at its --help.
func cmdUsageErr(fs *flag.FlagSet, format string, args ...any) error {
	return &exitError{code: exitUsage, cmd: fs.Name(), err: fmt.Errorf(format, args...)}
}

// writeHelp prints c's help: synopsis, description, flags with their defaults, examples.
func writeHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s\n\n", strings.TrimSpace("throttlelab "+c.name+" "+c.args))
	fmt.Fprintf(w, "%s\n", strings.TrimSpace(c.long))
	if hasFlags(fs) {
		fmt.Fprintf(w, "\nflags:\n")
		writeFlags(w, fs)
	}
	if c.examples != "" {
		fmt.Fprintf(w, "\nexamples:\n")
		for _, line := range strings.Split(strings.TrimSpace(c.examples), "\n") {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(line))
		}
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// writeFlags lists fs's flags as "--name ARG  usage (default V)", in the order of their names.
// ARG is the usage's `quoted` word; the default is shown when it is not the zero value and
// the usage does not already describe it.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(fl *flag.Flag) {
		arg, usage := flag.UnquoteUsage(fl)
		if isBool(fl) {
			arg = ""
		}
		if !strings.Contains(usage, "default") && !isZero(fl.DefValue) {
			usage += fmt.Sprintf(" (default %s)", fl.DefValue)
		}
		fmt.Fprintf(tw, "  --%s %s\t%s\n", fl.Name, arg, usage)
	})
	tw.Flush()
}

func isBool(fl *flag.Flag) bool {
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func isZero(def string) bool { return def == "" || def == "0" || def == "false" }

// usage is the command list of `throttlelab help`.
func usage(w io.Writer) {
	fmt.Fprint(w, "throttlelab: try a throttling design before it meets production.\n\n")
	fmt.Fprint(w, "usage: throttlelab COMMAND [ARGS] [flags]\n\ncommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.short)
	}
	tw.Flush()
	fmt.Fprint(w, `
'throttlelab help COMMAND' (or COMMAND --help) shows a command's flags, their defaults and
examples. A NAME is a scenario of the embedded catalog (throttlelab list). Exit codes: 0 all
thresholds held, 1 the run could not be carried out, 2 usage, 99 a threshold failed (run) or a
metric regressed (compare).
`)
}

var helpCommand = &command{
	name:     "help",
	args:     "[COMMAND]",
	short:    "the command list, or a command's flags and examples",
	long:     "Without COMMAND, list the commands; with one, print its help (as COMMAND --help does).",
	examples: "throttlelab help run",
	run:      cmdHelp,
}

func cmdHelp(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		usage(stdout)
		return nil
	case 1:
		c := lookup(pos[0])
		if c == nil {
			return usageErr("help: unknown command %q", pos[0])
		}
		return dispatch(c, []string{"--help"}, stdout, stderr)
	}
	return cmdUsageErr(fs, "help: name at most one command")
}
