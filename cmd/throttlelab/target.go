package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/envs"
	"github.com/throttlelab/throttlelab/internal/num"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
	"github.com/throttlelab/throttlelab/scenarios"
)

// The flags of a live run against real systems: a target that replaces the emulated
// pipeline (--target), and load split over several machines (--shard, --start-at).
func defineTargetFlags(fs *flag.FlagSet, f *runFlags) {
	fs.StringVar(&f.target, "target", "", "send the clients' attempts to `URL` + each client's path (a real endpoint) instead of the emulated pipeline; --mode live or both")
	fs.BoolVar(&f.allowRemote, "allow-remote-target", false, "allow --target and downstream.url to be other than loopback (127.0.0.1, ::1, localhost): load leaves this machine")
	fs.StringVar(&f.shardSpec, "shard", "", "offer shard `I/N` of each client's arrivals (arrival k when k mod N = I; I from 0, a Kubernetes completion index); needs --start-at")
	fs.StringVar(&f.startAt, "start-at", "", "wait until the `RFC3339` instant, then start the load (the same for every shard); at most 1s in the past")
}

// checkTargetFlags checks --target, --shard and --start-at on their own (the scenario is not
// read yet).
func checkTargetFlags(fs *flag.FlagSet, f *runFlags) error {
	if f.target != "" {
		if err := scenarios.CheckServiceURL(f.target); err != nil {
			return cmdUsageErr(fs, "run: --target %v", err)
		}
		if strings.ContainsAny(f.target, "?") {
			return cmdUsageErr(fs, "run: --target %s: each client's path is appended to it, so it takes no query string: put one in the clients' paths", f.target)
		}
		if f.env != envs.Embedded {
			return cmdUsageErr(fs, "run: --target replaces the emulated pipeline; --env %s says where that pipeline's backends run: leave --env out", f.env)
		}
	}
	if f.shardSpec != "" {
		s, err := model.ParseShard(f.shardSpec)
		if err != nil {
			return cmdUsageErr(fs, "run: --%v", err)
		}
		if f.startAt == "" {
			return cmdUsageErr(fs, "run: --shard needs --start-at RFC3339, the same for every shard, so that their seconds align")
		}
		f.shard = s
	}
	if f.startAt != "" {
		t, err := time.Parse(time.RFC3339Nano, f.startAt)
		if err != nil {
			return cmdUsageErr(fs, "run: --start-at %q: want an RFC 3339 instant, as 2026-01-05T09:30:00Z", f.startAt)
		}
		if late := time.Since(t); late > time.Second {
			return cmdUsageErr(fs, "run: --start-at %s is %s in the past: give every shard an instant far enough ahead for all to start",
				f.startAt, late.Round(time.Second))
		}
		f.startTime = t
	}
	return nil
}

// checkTarget checks what the scenario and the target flags say together, before anything
// connects or looks a name up: the mode, and that load goes off loopback only when allowed.
// For a target run it first prints what the run will send.
func checkTarget(fs *flag.FlagSet, sc *scenarios.Scenario, mode string, f runFlags, stderr io.Writer) error {
	if f.target != "" && mode == "sim" {
		return cmdUsageErr(fs, "run: --target measures a real endpoint: run it with --mode live, or --mode both to compare it with the simulation")
	}
	if f.target != "" && len(sc.Variants) > 0 {
		return cmdUsageErr(fs, "run: --target replaces the design, and %s is a comparison of designs (variants): run one design's scenario against the target", sc.Name)
	}
	if f.shard.N > 0 && mode != "live" {
		return cmdUsageErr(fs, "run: --shard splits a live run's load: use --mode live (simulate the whole scenario once, unsharded, with --mode sim)")
	}
	if f.target != "" {
		printPlan(stderr, sc, f)
		if !f.allowRemote && !scenarios.IsLoopback(f.target) {
			return cmdUsageErr(fs, "run: --target %s is not a loopback address (127.0.0.1, ::1, localhost): sending this load off the machine needs --allow-remote-target",
				f.target)
		}
	}
	if mode == "sim" || f.allowRemote {
		return nil
	}
	for _, u := range downstreamURLs(sc) {
		if !scenarios.IsLoopback(u) {
			return cmdUsageErr(fs, "run: downstream.url %s is not a loopback address (127.0.0.1, ::1, localhost): calling it needs --allow-remote-target", u)
		}
	}
	return nil
}

// downstreamURLs are the scenario's and its variants' downstream.url.
func downstreamURLs(sc *scenarios.Scenario) []string {
	var us []string
	if d := sc.Downstream; d != nil && d.URL != "" {
		us = append(us, d.URL)
	}
	for _, v := range sc.Variants {
		if d := v.Downstream; d != nil && d.URL != "" {
			us = append(us, d.URL)
		}
	}
	return us
}

// printPlan says what a target run will send: per client its method and URL, mean and peak
// rate, duration and number of requests (this shard's), and the attempts retries may add.
func printPlan(w io.Writer, sc *scenarios.Scenario, f runFlags) {
	seed := *sc.Seed
	if f.set["seed"] {
		seed = f.seed
	}
	where := "on loopback"
	if !scenarios.IsLoopback(f.target) {
		where = "off this machine"
	}
	shard := ""
	if f.shard.N > 0 {
		shard = fmt.Sprintf(" (shard %s: 1/%d of the arrivals)", f.shard, f.shard.N)
	}
	fmt.Fprintf(w, "throttlelab: target %s, %s; the run will send%s:\n", f.target, where, shard)
	d := sc.Duration.D()
	var total, attempts float64
	for i, c := range sc.Clients {
		n, peak, exact := planned(c, i, seed, d, f.shard)
		tries := 1
		if c.Retry != nil {
			tries = c.Retry.MaxAttempts
		}
		total += n
		attempts += n * float64(tries)
		approx := ""
		if !exact {
			approx = "about "
		}
		retries := "no retries"
		if tries > 1 {
			retries = fmt.Sprintf("up to %d attempts each", tries)
		}
		fmt.Fprintf(w, "  %-14s %s %s  %s/s on average (peak %s/s) for %s: %s%s requests, %s\n",
			c.Name, c.Method, joinURL(f.target, c.Path), fmtRate(n/d.Seconds()), fmtRate(peak), d, approx, fmtCount(n), retries)
	}
	fmt.Fprintf(w, "  in all: %s requests (at most %s attempts)\n", fmtCount(total), fmtCount(attempts))
}

// planCap bounds how many arrivals printPlan counts one by one; beyond, it integrates the rate.
const planCap = 5_000_000

// planned is client i's requests over d in this shard (counted, or integrated from the rate
// when there are more than planCap: exact false) and its peak rate.
func planned(c scenarios.Client, i int, seed int64, d time.Duration, s model.Shard) (n, peak float64, exact bool) {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(i+1)))
	a, err := model.NewArrival(pipeline.ArrivalConfig(c.Arrival), d, rng)
	if err != nil {
		return 0, 0, false
	}
	a = s.Of(a)
	var integral float64
	for k := range 1000 {
		r := a.Rate(d * time.Duration(k) / 1000)
		peak = max(peak, r)
		integral += r * d.Seconds() / 1000
	}
	for k := uint64(0); k < planCap; k++ {
		if _, ok := a.Next(k); !ok {
			return float64(k), peak, true
		}
	}
	return math.Round(integral), peak, false
}

func joinURL(base, path string) string { return strings.TrimRight(base, "/") + path }

func fmtRate(r float64) string {
	if r == math.Trunc(r) {
		return fmtCount(r)
	}
	return fmt.Sprintf("%.3g", r)
}

// fmtCount writes n whole, with thousands separators: 1,500.
func fmtCount(n float64) string { return num.Count(n) }

// announceLive says on stderr what the live run is about to do.
func announceLive(w io.Writer, sc *scenarios.Scenario, env string, f runFlags) {
	what := fmt.Sprintf("in the %s environment", env)
	if f.target != "" {
		what = "against " + f.target
	}
	fmt.Fprintf(w, "throttlelab: live run of %s (%s) %s\n", sc.Name, durations(sc), what)
	if !f.startTime.IsZero() {
		if d := time.Until(f.startTime); d > 0 {
			fmt.Fprintf(w, "throttlelab: the load waits %s for --start-at %s\n", d.Round(time.Millisecond), f.startAt)
		}
	}
}

// noteSimService says in a simulation's summary that downstream.url was not called: the
// simulator runs the scenario's model of the downstream API.
func noteSimService(sc *scenarios.Scenario, sum *metrics.Summary) {
	if us := downstreamURLs(sc); len(us) > 0 {
		sum.Notes = append(sum.Notes, "simulated: downstream.url is a live run's; the simulation used the downstream section's quotas, latency and errors as the model")
	}
}

// noteTargetStatuses says, in mode both against a target, why the two sides' rejected and
// failed may not match: the measured side hears only statuses, so a 429 is a throttle and a
// 5xx a backend error, both rejections, whichever layer of the target answered; the
// simulation knows which layer did, and counts an answer of its downstream model that its
// client gave up on as failed (downstream_failure).
func noteTargetStatuses(sum *metrics.Summary) {
	failed := sum.Sim.Metrics["failed_total"]
	if failed == 0 {
		return
	}
	sum.Notes = append(sum.Notes, fmt.Sprintf("against a target only statuses are heard: a 429 counts as rejected (throttled) and a 5xx as "+
		"rejected (backend_error), whichever layer of the target gave it; the simulation counts its downstream model's 429s and "+
		"errors as failed (%s simulated): compare completed_total, and rejected_total + failed_total", fmtCount(failed)))
}

// shardVerdict is a shard's exit status: its thresholds do not decide it, since they judge
// the whole run, which throttlelab merge evaluates them on; a shard that could not be carried
// out or whose ledger does not balance still fails (1).
func shardVerdict(err error, f runFlags, stderr io.Writer) error {
	var ee *exitError
	if f.shard.N == 0 || !errors.As(err, &ee) || ee.code != exitThreshold {
		return err
	}
	fmt.Fprintf(stderr, "throttlelab: shard %s: %v on this shard's part of the load; thresholds judge the merged run (throttlelab merge)\n", f.shard, ee.err)
	return nil
}
