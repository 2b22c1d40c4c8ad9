// Package sim runs a scenario in virtual time: the engine's flow (package engine), every port
// in process, driven from event to event on one goroutine with one seeded rand. A day of
// traffic runs in seconds, and the same seed gives the same summary byte for byte.
package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/throttlelab/throttlelab/engine"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Options tune a simulation run.
type Options struct {
	// Seed overrides the scenario's seed when not nil.
	Seed *int64
	// Progress, when set, is called now and then with the virtual time reached and the time
	// the run ends at the latest.
	Progress func(now, end time.Duration)
}

// Result is a finished simulation.
type Result struct {
	Summary *metrics.Summary
	Series  *metrics.Series
}

// ErrInterrupted is returned, with the partial result, when ctx ended the run early.
var ErrInterrupted = engine.ErrInterrupted

// checkEvery is how many events pass between looks at the context and the progress: often
// enough to stop within a millisecond or so, rarely enough to cost nothing.
const checkEvery = 1 << 16

// Run simulates sc, whose defaults are applied and which has been validated. When ctx ends
// first, Run stops at once and returns what was simulated so far with ErrInterrupted.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Result, error) {
	e, err := engine.New(sc, engine.Options{Seed: opts.Seed})
	if err != nil {
		return nil, err
	}
	if api := e.Pipeline().API; api != nil && api.Latency() != nil {
		// The downstream latencies have a stream of their own, drawn ahead in blocks.
		api.UseDraws(model.NewLatencyDraws(api.Latency(), rand.New(rand.NewPCG(uint64(e.Seed()), 2<<32))))
	}
	e.Start()
	var n uint64
	interrupted := false
	for e.Step() {
		if n++; n%checkEvery == 0 {
			if ctx.Err() != nil {
				interrupted = true
				break
			}
			if opts.Progress != nil {
				opts.Progress(e.Now(), e.End())
			}
		}
	}
	if !interrupted {
		e.SettleAtEnd()
	}
	sum, ser := e.Finish()
	if err := e.Err(); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	sum.Mode = "sim"
	res := &Result{Summary: sum, Series: ser}
	if interrupted {
		sum.Notes = append(sum.Notes, fmt.Sprintf("interrupted at %s of simulated time: a partial report", e.Now()))
		return res, ErrInterrupted
	}
	return res, nil
}
