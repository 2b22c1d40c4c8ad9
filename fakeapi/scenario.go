package fakeapi

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/throttlelab/throttlelab/pipeline"
	"github.com/throttlelab/throttlelab/scenarios"
)

// ScenarioConfig returns the Config of the fake API that sc's downstream section describes,
// its fixed windows aligned to epoch, with seed. Errors name the scenario's file.
func ScenarioConfig(sc *scenarios.Scenario, epoch time.Time, seed int64) (Config, error) {
	if sc.Downstream == nil {
		return Config{}, fmt.Errorf("scenario %s: no downstream section", sc.File)
	}
	api, err := pipeline.APIConfig(sc.Downstream, epoch)
	if err != nil {
		return Config{}, fmt.Errorf("scenario %s: downstream: %w", sc.File, err)
	}
	return Config{API: api, HealthPath: sc.Downstream.HealthPath, Seed: seed}, nil
}

// ServeScenario serves sc's fake API on addr until ctx is done (see Serve), its fixed windows
// aligned to now, with seed, or the scenario's own seed when seed is nil: what both the
// `throttlelab fakeapi` command and the container's binary do.
func ServeScenario(ctx context.Context, sc *scenarios.Scenario, seed *int64, addr string, out io.Writer) error {
	s := *sc.Seed
	if seed != nil {
		s = *seed
	}
	cfg, err := ScenarioConfig(sc, time.Now(), s)
	if err != nil {
		return err
	}
	if err := Serve(ctx, cfg, addr, sc.Name+", "+sc.File, out); err != nil {
		return fmt.Errorf("scenario %s: %w", sc.File, err)
	}
	return nil
}

// Serve runs the fake API cfg describes on addr (see Start) until ctx is done, printing its
// URLs to out once it listens. name says what it serves, in that message.
func Serve(ctx context.Context, cfg Config, addr, name string, out io.Writer) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	a, err := s.Start(ctx, addr)
	if err != nil {
		return err
	}
	base := "http://" + a.String()
	fmt.Fprintf(out, "fake api (%s) listening on %s\n", name, base)
	fmt.Fprintf(out, "  calls   ANY  %s/...  (x-api-key header: the caller's key)\n", base)
	fmt.Fprintf(out, "  health  GET  %s%s\n", base, s.cfg.HealthPath)
	fmt.Fprintf(out, "  stats   GET  %s%sstats\n", base, AdminPrefix)
	fmt.Fprintf(out, "  reset   POST %s%sreset\n", base, AdminPrefix)
	return s.Wait()
}
