package live

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/throttlelab/throttlelab/engine"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Options tune a live run.
type Options struct {
	// Seed overrides the scenario's seed when not nil.
	Seed *int64
	// APIURL is the fake API's base URL ("http://127.0.0.1:PORT"). Empty: the run starts the
	// fake API in-process on loopback.
	APIURL string
	// ResultsFile, when set, receives every attempt in vegeta's results encoding, so that
	// `vegeta report` and `vegeta plot` read it.
	ResultsFile string
	// Progress, when set, is called about every second with the time reached and the time
	// the run ends at the latest.
	Progress func(now, end time.Duration)
	// Workers caps vegeta's workers per client (default: from the client's peak rate).
	Workers uint64
	// AWSEndpoint, when set, puts the run's queues on that SQS endpoint (and the
	// orchestrator's state, with consumer.state: dynamodb, on its DynamoDB); empty: the
	// queue and state models in memory. SQSEndpoint and DynamoEndpoint override it for one
	// service each (fauxqs and dynalite are two endpoints; LocalStack is one).
	AWSEndpoint, SQSEndpoint, DynamoEndpoint string
	// Region is the AWS region of AWSEndpoint (default us-east-1).
	Region string
	// Abort, when it closes, ends the run at once (a second Ctrl-C): no drain, a partial
	// report of what is known.
	Abort <-chan struct{}
	// BackendTimeout is how long a backend (SQS, DynamoDB, the fake API) may go without
	// answering before the run counts it as failed and ends (default DefaultBackendTimeout).
	BackendTimeout time.Duration
	// MetricsAddr, when set, serves the run's metrics to Prometheus at http://ADDR/metrics
	// while it runs, refreshed every second ("127.0.0.1:9464"; port 0 picks a free one). A
	// host that is not loopback is refused (ErrRemoteMetrics) unless AllowRemoteMetrics.
	MetricsAddr        string
	AllowRemoteMetrics bool
	// MetricsServing, when set, is called with the endpoint's URL once it serves.
	MetricsServing func(url string)
	// GatewayAddr is the loopback address the gateway listens on ("127.0.0.1:8080"); empty:
	// a free port of 127.0.0.1. Known, it lets another client reach the gateway, whose
	// requests are refused (403) and counted apart (gateway_foreign_total).
	GatewayAddr string
	// Target, when set, is a real endpoint the clients' attempts go to (URL + each client's
	// path) instead of the emulated pipeline, which is not started (see target.go).
	Target string
	// Shard makes the run one of N load generators: it offers its 1/N of each client's
	// arrivals (model.Shard). Zero: the whole run.
	Shard model.Shard
	// StartAt, when not zero, is the instant the load starts (run time 0), waited for once
	// everything is set up: shards started with one StartAt count the same seconds.
	StartAt time.Time
}

func (r *runner) backendTimeout() time.Duration {
	return cmp.Or(r.opts.BackendTimeout, DefaultBackendTimeout)
}

// Result is a finished live run.
type Result struct {
	Summary     *metrics.Summary
	Series      *metrics.Series
	Interrupted bool
}

// ErrInterrupted is returned with a partial result when the run's context was cancelled.
var ErrInterrupted = engine.ErrInterrupted

// Timing of a run's end.
const (
	// interruptGrace is how long an interrupted run keeps draining before its report.
	interruptGrace = 5 * time.Second
	// watchdogSlack is how far past duration + drain a run may go before the watchdog
	// ends it, naming what it was waiting for.
	watchdogSlack = 30 * time.Second
	// abortCleanup bounds the deletion of the run's queues after a second Ctrl-C.
	abortCleanup = time.Second
)

// runner is one live run in progress.
type runner struct {
	sc     *scenarios.Scenario
	opts   Options
	e      *engine.Engine
	l      *loop
	gw     *gateway
	load   *loadGen
	api    *apiClient
	aws    *awsBackends // real SQS queues, when the run has an SQS endpoint
	state  *stateMirror // the orchestrator's state store
	err    error        // the first failure of the harness or a backend: ends the run
	stops  []func()     // what setup started, stopped in reverse order
	cancel func()       // ends the calls under way
	loadOK bool         // every first attempt's result has been handled
	notes  []string     // what the summary should say about how the run was made
	exp    *exporter    // the metrics endpoint's collector; nil: none
	expSec time.Duration
	svc    *service // downstream.url: the real service the workers call
}

// Run runs sc in real time; sc has its defaults applied and is valid. Whatever happens the run
// ends and returns a result with what was measured: ErrInterrupted when ctx ended it early, the
// failure when a backend or the harness failed.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Result, error) {
	raiseFileLimit()
	r := &runner{sc: sc, opts: opts}
	defer r.stopAll()
	setup := r.setup
	if opts.Target != "" {
		setup = r.setupTarget
	}
	if err := setup(ctx); err != nil {
		return nil, err
	}
	if err := r.checkStart(); err != nil {
		return nil, err
	}
	interrupted := r.run(ctx)
	if r.aborted() && r.aws != nil {
		r.aws.cleanupWithin = abortCleanup // stopping at once: a hung SQS must not hold the report
	}
	res := r.finish(interrupted)
	if n := res.Summary.Metrics["load_errors_total"]; n > 0 && r.err == nil {
		r.err = fmt.Errorf("the load generator failed to make %.0f attempts (the harness's failure, not the API's): %s",
			n, r.load.firstError())
	}
	switch {
	case r.err != nil:
		res.Summary.Notes = append(res.Summary.Notes, "the run stopped early: "+r.err.Error())
		return res, fmt.Errorf("live run: %w", r.err)
	case interrupted:
		res.Interrupted = true
		res.Summary.Notes = append(res.Summary.Notes, "interrupted: load stopped early, partial report")
		return res, ErrInterrupted
	}
	return res, nil
}

// setup builds the engine and its ports, and starts the servers and backends.
func (r *runner) setup(ctx context.Context) error {
	if a := r.opts.MetricsAddr; a != "" {
		if err := CheckMetricsAddr(a, r.opts.AllowRemoteMetrics); err != nil {
			return fmt.Errorf("serve metrics: %w", err) // before anything is started or looked up
		}
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	r.gw = &gateway{secret: hex.EncodeToString(secret), pending: map[uint64]chan engine.Answer{},
		firsts: map[firstKey]uint64{}}
	r.api = &apiClient{}
	ports := engine.Ports{Client: r.gw, Downstream: r.api}
	if sc := r.sc; sc.Consumer != nil && sc.Consumer.Pattern == "orchestrator" {
		r.state = &stateMirror{}
		ports.State = r.state
	}
	e, err := engine.New(r.sc, engine.Options{Seed: r.opts.Seed, Ports: ports})
	if err != nil {
		return err
	}
	r.e, r.l = e, newLoop(e)
	r.gw.l, r.gw.model = r.l, e.Pipeline().Gateway
	r.shardArrivals()
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.stops = append(r.stops, cancel)
	if err := r.startMetrics(); err != nil { // before the gateway serves: it reports to it
		return err
	}
	if err := r.startServers(runCtx); err != nil {
		return err
	}
	if err := r.setupBackends(ctx); err != nil {
		return err
	}
	if err := r.load.enc.open(r.opts.ResultsFile); err != nil {
		return err
	}
	r.stops = append(r.stops, func() { _ = r.load.enc.close() })
	return r.resetAPI()
}

// aborted reports whether Options.Abort has closed (a second Ctrl-C).
func (r *runner) aborted() bool {
	select {
	case <-r.opts.Abort:
		return true
	default:
		return false
	}
}

// stopAll stops what setup started, last first.
func (r *runner) stopAll() {
	for i := len(r.stops) - 1; i >= 0; i-- {
		r.stops[i]()
	}
}

// fail records the run's first failure (on the loop): the run ends with a partial report.
func (r *runner) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// run drives the engine until the run ends, and reports whether it was interrupted.
func (r *runner) run(ctx context.Context) (interrupted bool) {
	if !r.waitForStart(ctx) {
		return true
	}
	r.startBackends()
	r.e.Start()
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	go func() {
		r.load.run(loadCtx)
		r.l.post(func(time.Duration) { r.loadOK = true })
	}()
	dur, drain := r.sc.Duration.D(), r.sc.Drain.D()
	deadline := dur + drain // moves when the load ends late, or on an interrupt
	watchdog := dur + drain + watchdogSlack
	tick, lastTick := time.Duration(0), time.Duration(-1)
	stopping := false
	for {
		aborted := r.l.step(100*time.Millisecond, r.opts.Abort)
		now := r.l.now()
		r.publish(now)
		if e := r.e.Err(); e != nil {
			r.fail(e)
		}
		switch {
		case aborted:
			return true
		case r.err != nil:
			r.load.stop()
			return interrupted
		case ctx.Err() != nil && !stopping:
			stopping, interrupted = true, true
			r.load.stop()
			deadline = min(deadline, now+min(interruptGrace, drain))
		case r.loadOK && r.e.Idle(), r.loadOK && now >= deadline, stopping && now >= deadline:
			return interrupted
		case now >= watchdog:
			r.fail(fmt.Errorf("watchdog: the run did not end within duration + drain + %s: %s", watchdogSlack, r.waitingFor()))
			return interrupted
		}
		if !r.loadOK && !stopping && now >= dur {
			deadline = max(deadline, now+drain) // the drain starts when the load has ended
		}
		if tick = now / time.Second; tick != lastTick && r.opts.Progress != nil {
			lastTick = tick
			r.opts.Progress(now, max(deadline, dur+drain))
		}
	}
}

// waitingFor says what a run that would not end was waiting for.
func (r *runner) waitingFor() string {
	if !r.loadOK {
		return "the load generator had not finished its attacks"
	}
	return fmt.Sprintf("%d requests were still in flight", r.e.Live())
}

// finish stops the world and writes the summary: the census of what is still in flight is
// the engine's own, taken once nothing can reach it any more.
func (r *runner) finish(interrupted bool) *Result {
	r.load.stop()
	r.l.close()
	r.cancel()
	r.l.e.RunUntil(r.l.now())
	r.measure()
	sum, ser := r.e.Finish()
	sum.Mode = "live"
	r.annotate(sum)
	if r.err == nil && r.loadOK && !interrupted {
		r.shortfall(sum) // a run stopped early offered less by design
	}
	return &Result{Summary: sum, Series: ser}
}
