package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/throttlelab/throttlelab/envs"
	"github.com/throttlelab/throttlelab/live"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
)

// outcome is a finished run in any mode.
type outcome struct {
	sum       *metrics.Summary
	ser       *metrics.Series
	simSer    *metrics.Series // mode both: the simulated series, overlaid on the charts
	partial   bool            // interrupted, or a backend died: the report is partial
	partialBy error
	alarms    []reports.AlarmResult // evaluated once, by finishSummary
}

// execute runs sc in mode: the simulation, the live run, or both one after the other.
func execute(ctx context.Context, sc *scenarios.Scenario, mode string, f runFlags, results string, stderr io.Writer) (*outcome, error) {
	var seed *int64
	if f.set["seed"] {
		seed = &f.seed
	}
	var simRes *sim.Result
	if mode == "sim" || mode == "both" {
		bar := newProgress(stderr, f.quiet, "simulating")
		res, err := sim.Run(ctx, sc, sim.Options{Seed: seed, Progress: bar.update})
		bar.done(ended(res))
		if errors.Is(err, sim.ErrInterrupted) {
			res.Summary.Mode = mode
			return &outcome{sum: res.Summary, ser: res.Series, partial: true,
				partialBy: errors.New("interrupted: the simulation stopped early, the report is partial")}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("simulate %s: %w", sc.Name, err)
		}
		noteSimService(sc, res.Summary)
		if mode == "sim" {
			return &outcome{sum: res.Summary, ser: res.Series}, nil
		}
		simRes = res
	}
	out, err := executeLive(ctx, sc, f, seed, results, stderr)
	if out == nil {
		return nil, err
	}
	if simRes != nil {
		out.sum.Mode = "both"
		out.sum.Sim = simRes.Summary
		out.simSer = simRes.Series
		if f.target != "" {
			noteTargetStatuses(out.sum)
		}
	}
	return out, nil
}

// executeLive sets up the environment and runs sc live.
func executeLive(ctx context.Context, sc *scenarios.Scenario, f runFlags, seed *int64, results string, stderr io.Writer) (*outcome, error) {
	env, err := envs.Setup(ctx, f.env, sc, envOptions(f, stderr))
	if err != nil {
		return nil, err
	}
	defer func() {
		if env.Close != nil {
			_ = env.Close()
		}
	}()
	bar := newProgress(stderr, f.quiet, "live")
	opts := live.Options{Seed: seed, APIURL: env.APIURL, ResultsFile: results, Progress: bar.update,
		AWSEndpoint: env.AWSEndpoint, SQSEndpoint: env.SQSEndpoint, DynamoEndpoint: env.DynamoEndpoint,
		Region: env.Region, Abort: f.abort, BackendTimeout: f.backendTimeout,
		MetricsAddr: f.metricsAddr, AllowRemoteMetrics: f.allowRemoteMet,
		MetricsServing: func(url string) { fmt.Fprintf(stderr, "throttlelab: serving the run's metrics at %s\n", url) },
		GatewayAddr:    f.gatewayAddr, Target: f.target, Shard: f.shard, StartAt: f.startTime}
	announceLive(stderr, sc, env.Name, f)
	res, err := live.Run(ctx, sc, opts)
	if res != nil {
		bar.done(endedAt(res.Summary))
	} else {
		bar.done(0)
	}
	if res == nil {
		return nil, fmt.Errorf("run %s live: %w", sc.Name, err)
	}
	if f.target == "" { // a target run uses none of the environment
		res.Summary.Notes = append(res.Summary.Notes, env.Notes...)
	}
	out := &outcome{sum: res.Summary, ser: res.Series}
	if err != nil {
		out.partial, out.partialBy = true, err
		if errors.Is(err, live.ErrInterrupted) {
			out.partialBy = errors.New("interrupted: load stopped early, the report is partial")
		}
	}
	return out, nil
}

// envOptions are the environment's options from run's flags.
func envOptions(f runFlags, stderr io.Writer) envs.Options {
	return envs.Options{AWSEndpoint: f.awsEndpoint, SQSEndpoint: f.sqsEndpoint,
		DynamoEndpoint: f.dynamoEndpoint, AllowRealAWS: f.allowRealAWS, Out: stderr}
}

// ended is the scenario time a simulation ended at (0 when it failed).
func ended(res *sim.Result) time.Duration {
	if res == nil {
		return 0
	}
	return endedAt(res.Summary)
}

func endedAt(sum *metrics.Summary) time.Duration {
	return time.Duration(sum.EndedSeconds * float64(time.Second))
}

// durations describes how long a live run takes at most.
func durations(sc *scenarios.Scenario) string {
	return fmt.Sprintf("%s of load, then up to %s of drain", sc.Duration.D(), sc.Drain.D())
}
