package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/scenarios"
)

// cmdFakeAPI serves the fake third-party API of a scenario's downstream section until
// SIGINT or SIGTERM.
func cmdFakeAPI(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakeapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("scenario", "", "scenario file or catalog name (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (an empty host means 127.0.0.1)")
	seed := fs.Int64("seed", 0, "seed of latencies and errors (default: the scenario's seed)")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if *file == "" || fs.NArg() > 0 {
		return usageErr("fakeapi: name one scenario with --scenario FILE|NAME")
	}
	sc, err := scenarios.Resolve(*file)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	var s *int64 // --seed when given
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			s = seed
		}
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fakeapi.ServeScenario(ctx, sc, s, *addr, stdout); err != nil {
		return fmt.Errorf("fakeapi: %w", err)
	}
	return nil
}
