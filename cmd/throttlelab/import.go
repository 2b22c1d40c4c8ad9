package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/throttlelab/throttlelab/cfnimport"
)

var importCommand = &command{
	name:  "import",
	args:  "TEMPLATE [flags]",
	short: "the scenario of a CloudFormation/SAM template's limits",
	long: `Write a scenario with the limits of a CloudFormation or SAM template (YAML or JSON): API
Gateway stage and method throttling, usage plans and keys, SQS queues and redrive policies,
Lambda reserved concurrency and event source settings, schedules and CloudWatch alarms. What
it could not map is listed as comments at the top of the scenario.`,
	examples: `throttlelab import template.yaml --out my-scenario.yaml
throttlelab import template.yaml > my-scenario.yaml
throttlelab import template.yaml --param Stage=prod --param RateLimit=500 --out prod.yaml`,
	run: cmdImport,
}

// cmdImport writes the scenario of a CloudFormation or SAM template's limits, to stdout or
// to --out FILE.
func cmdImport(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	name := fs.String("name", "", "the scenario's `NAME` (default: the --out file's name, else the template's)")
	out := fs.String("out", "", "write the scenario to `FILE` instead of stdout")
	params := paramFlag{}
	fs.Var(params, "param", "a template parameter's value, `NAME=VALUE` (repeatable); default: the parameter's Default")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdUsageErr(fs, "import: name one CloudFormation or SAM template")
	}
	opts := cfnimport.Options{Name: *name, Params: params, Template: pos[0]}
	if *out != "" {
		opts.Name = cmp.Or(opts.Name, scenarioName(*out))
		opts.Template = relativeTo(filepath.Dir(*out), pos[0])
	}
	res, err := cfnimport.ImportFile(pos[0], opts)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("import: %w", err)}
	}
	if *out == "" {
		_, err := stdout.Write(res.YAML)
		return err
	}
	if err := os.WriteFile(*out, res.YAML, 0o644); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("import: write scenario: %w", err)}
	}
	things := "things"
	if len(res.NotMapped) == 1 {
		things = "thing"
	}
	fmt.Fprintf(stdout, "wrote %s: scenario %s, %d %s not mapped (listed at its top)\n", *out, res.Name, len(res.NotMapped), things)
	return nil
}

// paramFlag collects --param NAME=VALUE flags.
type paramFlag map[string]string

func (p paramFlag) String() string { return "" }

func (p paramFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	if _, dup := p[name]; dup {
		return fmt.Errorf("parameter %s given twice", name)
	}
	p[name] = value
	return nil
}

// relativeTo is path relative to dir, for a scenario in dir to name a template; path itself
// when that is not possible.
func relativeTo(dir, path string) string {
	ad, err1 := filepath.Abs(dir)
	ap, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	rel, err := filepath.Rel(ad, ap)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// scenarioName is the name a scenario saved as file must have: its base name without .yaml
// or .yml ("" for another extension, leaving the default).
func scenarioName(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".yaml", ".yml"} {
		if n, ok := strings.CutSuffix(base, ext); ok {
			return n
		}
	}
	return ""
}
