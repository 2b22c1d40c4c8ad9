package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/throttlelab/throttlelab/scenarios"
)

var validateCommand = &command{
	name:  "validate",
	args:  "FILE|NAME...",
	short: "check scenario files: every problem at once, with file, line and field",
	long: `Decode each scenario strictly and validate it, printing every problem with FILE:LINE and
the field's path. Exit 0 when every file is valid, 1 otherwise.`,
	examples: "throttlelab validate my-scenario.yaml scenarios/*.yaml",
	run:      cmdValidate,
}

// cmdValidate checks scenario files and prints every problem of each, with file and line.
func cmdValidate(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	files, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return cmdUsageErr(fs, "validate: name at least one scenario file")
	}
	bad := 0
	for _, f := range files {
		sc, err := scenarios.Resolve(f)
		if err != nil {
			bad++
			var list scenarios.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					fmt.Fprintln(stderr, e)
				}
				continue
			}
			fmt.Fprintln(stderr, err)
			continue
		}
		printWarnings(stderr, sc)
		fmt.Fprintf(stdout, "%s: ok (%s)\n", sc.File, sc.Name)
	}
	if bad > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("%d of %d scenario files are invalid", bad, len(files))}
	}
	return nil
}

// printWarnings prints what is questionable in sc but does not stop it, one per line.
func printWarnings(stderr io.Writer, sc *scenarios.Scenario) {
	for _, w := range sc.Warnings() {
		fmt.Fprintln(stderr, w)
	}
}

var listCommand = &command{
	name:     "list",
	args:     "",
	short:    "the embedded catalog of scenarios",
	long:     "List the scenarios of the embedded catalog, each with the first sentence of its description. Any of them can be run by name.",
	examples: "throttlelab list",
	run:      cmdList,
}

func cmdList(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if err := noArgs(fs, args, stdout); err != nil {
		return err
	}
	for _, name := range scenarios.Catalog() {
		sc, err := scenarios.LoadCatalog(name)
		if err != nil {
			return fmt.Errorf("catalog %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%-24s %s\n", name, firstSentence(sc.Description))
	}
	return nil
}

var schemaCommand = &command{
	name:  "schema",
	args:  "",
	short: "print the JSON Schema of scenario files",
	long: `Print the JSON Schema of scenario files (scenarios/scenario.schema.json). Editors with a YAML
language server check and complete a file that starts with
# yaml-language-server: $schema=<path>/scenario.schema.json`,
	examples: "throttlelab schema > scenario.schema.json",
	run:      cmdSchema,
}

func cmdSchema(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if err := noArgs(fs, args, stdout); err != nil {
		return err
	}
	_, err := stdout.Write(scenarios.SchemaJSON())
	return err
}

// noArgs parses the flags of a command that takes no arguments.
func noArgs(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmdUsageErr(fs, "%s: takes no arguments, got %q", fs.Name(), pos[0])
	}
	return nil
}

func firstSentence(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}
