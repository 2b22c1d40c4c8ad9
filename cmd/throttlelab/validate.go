package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/throttlelab/throttlelab/scenarios"
)

// cmdValidate checks scenario files and prints every problem of each, with file and line.
func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if fs.NArg() == 0 {
		return usageErr("validate: name at least one scenario file")
	}
	bad := 0
	for _, f := range fs.Args() {
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
		fmt.Fprintf(stdout, "%s: ok (%s)\n", sc.File, sc.Name)
	}
	if bad > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("%d of %d scenario files are invalid", bad, fs.NArg())}
	}
	return nil
}

func cmdList(stdout io.Writer) error {
	for _, name := range scenarios.Catalog() {
		sc, err := scenarios.LoadCatalog(name)
		if err != nil {
			return fmt.Errorf("catalog %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%-24s %s\n", name, firstSentence(sc.Description))
	}
	return nil
}

func cmdSchema(stdout io.Writer) error {
	_, err := stdout.Write(scenarios.SchemaJSON())
	return err
}

func firstSentence(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}
