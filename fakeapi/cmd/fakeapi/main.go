// Command fakeapi is the fake third-party API of a scenario's downstream section, as a static
// binary for the container image (see fakeapi/Dockerfile):
//
//	fakeapi --scenario FILE|NAME [--addr 127.0.0.1:8080] [--seed N]
//
// Without --scenario it reads the scenario's YAML from the environment variable
// FAKEAPI_SCENARIO. It serves until SIGINT or SIGTERM; it listens on loopback unless asked
// otherwise (the image passes --addr 0.0.0.0:8080).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/scenarios"
)

// envScenario names the environment variable that may hold the scenario's YAML.
const envScenario = "FAKEAPI_SCENARIO"

// errUsage marks a bad command line (exit 2).
var errUsage = errors.New("usage: fakeapi --scenario FILE|NAME [--addr 127.0.0.1:8080] [--seed N], " +
	"or the scenario's YAML in $" + envScenario)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeapi:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run parses the command line, loads the scenario and serves its fake API until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakeapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("scenario", "", "scenario file or catalog name (default: the YAML in $"+envScenario+")")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (an empty host means 127.0.0.1)")
	seed := fs.Int64("seed", 0, "seed of latencies and errors (default: the scenario's seed)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	sc, err := load(*file, getenv(envScenario))
	if err != nil {
		return err
	}
	var s *int64 // --seed when given
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			s = seed
		}
	})
	return fakeapi.ServeScenario(ctx, sc, s, *addr, stdout)
}

// load reads the scenario from file (a path or a catalog name) or else from yaml.
func load(file, yaml string) (*scenarios.Scenario, error) {
	switch {
	case file != "":
		return scenarios.Resolve(file)
	case yaml != "":
		return scenarios.LoadBytes("$"+envScenario, []byte(yaml))
	}
	return nil, errUsage
}
