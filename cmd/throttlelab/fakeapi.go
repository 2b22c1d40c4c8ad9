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

var fakeAPICommand = &command{
	name:  "fakeapi",
	args:  "--scenario FILE|NAME [flags]",
	short: "serve a scenario's fake third-party API until Ctrl-C",
	long: `Serve the fake third-party API of a scenario's downstream section: its quotas (429s),
latencies, errors and outages. GET /_admin/stats shows, per quota tier, the most calls it
admitted in any sliding window. Stops on Ctrl-C or SIGTERM, or after --for.`,
	examples: `throttlelab fakeapi --scenario orchestrator --addr 127.0.0.1:8080
throttlelab fakeapi --scenario steady --addr 127.0.0.1:18080 --for 2m >/dev/null &`,
	run: cmdFakeAPI,
}

// cmdFakeAPI serves the fake third-party API of a scenario's downstream section until
// SIGINT or SIGTERM.
func cmdFakeAPI(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	file := fs.String("scenario", "", "scenario `FILE` or catalog name (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "`HOST:PORT` to listen on (an empty host means 127.0.0.1)")
	seed := fs.Int64("seed", 0, "`N` seeds latencies and errors (default: the scenario's seed)")
	stopAfter := fs.Duration("for", 0, "stop after `DURATION`, as a stand-in a script starts in the background; 0s (the default): at Ctrl-C or SIGTERM")
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if *file == "" || len(pos) > 0 {
		return cmdUsageErr(fs, "fakeapi: name one scenario with --scenario FILE|NAME")
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
	if *stopAfter > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *stopAfter)
		defer cancel()
	}
	if err := fakeapi.ServeScenario(ctx, sc, s, *addr, stdout); err != nil {
		return fmt.Errorf("fakeapi: %w", err)
	}
	return nil
}
