package live

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
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
	// Workers caps vegeta's workers per client (default 64).
	Workers uint64
	// AWSEndpoint, when set, puts the run's queues on that SQS endpoint (and the
	// orchestrator's state, with consumer.state: dynamodb, on its DynamoDB); empty: the
	// queue and state models in memory. SQSEndpoint and DynamoEndpoint override it for one
	// service each (fauxqs and dynalite are two endpoints; LocalStack is one).
	AWSEndpoint, SQSEndpoint, DynamoEndpoint string
	// Region is the AWS region of AWSEndpoint (default us-east-1).
	Region string
}

// Result is a finished live run.
type Result struct {
	Summary     *metrics.Summary
	Series      *metrics.Series
	Interrupted bool
}

// ErrInterrupted is returned with a partial result when the run's context was cancelled.
var ErrInterrupted = errors.New("live run interrupted")

// runner is one live run in progress.
type runner struct {
	sc    *scenarios.Scenario
	p     *pipeline.Pipeline
	opts  Options
	start time.Time
	seed  int64
	rec   *recorder
	tab   *table
	// mu guards the pipeline's models (gateway, queues, patterns, orchestrator): they are not
	// safe for concurrent use. Lock order: mu, then tab.mu, then rec.mu.
	mu     sync.Mutex
	rng    *rand.Rand
	api    *apiClient
	fake   *fakeapi.Server // the in-process fake API, nil when the run was given one
	queues []liveQueue     // the pipeline's queues, as the live driver reaches them
	orch   *orchDriver
	aws    *awsBackends // real SQS queues, when the run has an AWS endpoint
	state  *stateMirror // the orchestrator's state store
	enc    *resultEncoder
	gwURL  string
	client *http.Client
	notify chan struct{} // pokes the consumer: a message was sent or a worker finished
	wg     sync.WaitGroup
	errs   errList
	// counters the census reads: retry waits pending, client attempts under way, worker
	// calls under way after their message left the queue (orchestrator)
	retries, attempts, calls atomic.Int64
	count                    awsCounts
	stopped                  bool // interrupted, or ended by a backend's failure
	sendSeq                  atomic.Int64
}

func (r *runner) now() time.Duration { return time.Since(r.start) }

// Run runs sc in real time; sc has its defaults applied and is valid.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Result, error) {
	raiseFileLimit()
	r := &runner{sc: sc, opts: opts, tab: newTable(), notify: make(chan struct{}, 1)}
	r.seed = 1
	if sc.Seed != nil {
		r.seed = *sc.Seed
	}
	if opts.Seed != nil {
		r.seed = *opts.Seed
	}
	r.rng = rand.New(rand.NewPCG(uint64(r.seed), 0))
	if r.opts.SQSEndpoint == "" {
		r.opts.SQSEndpoint = opts.AWSEndpoint
	}
	if r.opts.DynamoEndpoint == "" {
		r.opts.DynamoEndpoint = opts.AWSEndpoint
	}
	p, err := pipeline.Build(sc, r.seed, r.hooks)
	if err != nil {
		return nil, err
	}
	r.p = p
	stop, err := r.startServers(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	if r.opts.SQSEndpoint != "" {
		cleanup, err := r.setupAWS(ctx)
		if err != nil {
			return nil, err
		}
		defer cleanup()
	} else if err := r.setupState(ctx, ""); err != nil {
		return nil, err
	}
	return r.run(ctx)
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	r.rec = newRecorder(r.p.RecorderConfig())
	closeResults, err := r.openResults()
	if err != nil {
		return nil, err
	}
	defer closeResults()
	if err := r.api.reset(); err != nil {
		return nil, err
	}
	r.start = time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.startBackends(runCtx, cancel)
	r.startConsumers(runCtx)
	go r.tick(runCtx, cancel)
	interrupted := r.attack(runCtx) != nil
	if !interrupted {
		interrupted = r.drain(ctx) != nil
	}
	r.stopped = interrupted || r.errs.first() != nil
	cancel()
	r.wg.Wait()
	end := r.now()
	if err := r.errs.first(); err != nil && !interrupted {
		res := r.finish(end)
		res.Summary.Notes = append(res.Summary.Notes, "the run stopped early: "+err.Error())
		return res, fmt.Errorf("live run: %w", err)
	}
	res := r.finish(end)
	if interrupted {
		res.Interrupted = true
		res.Summary.Notes = append(res.Summary.Notes, "interrupted: load stopped early, partial report")
		return res, ErrInterrupted
	}
	return res, nil
}

// startBackends starts what serves the real backends: the dead-letter queues' drain and the
// orchestrator's state writes.
func (r *runner) startBackends(ctx context.Context, cancel context.CancelFunc) {
	if r.aws != nil {
		for _, q := range append(append([]*SQSQueue(nil), r.aws.queues...), r.aws.dlqs...) {
			if q != nil {
				q.epoch = r.start
			}
		}
		r.wg.Add(1)
		go r.drainDLQs(ctx)
	}
	if r.p.Tokens != nil {
		r.wg.Add(1)
		go r.watchTokens(ctx)
	}
	if r.state != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.state.serve(ctx, func(err error) { r.errs.set(err); cancel() })
		}()
	}
}

// drain waits until every request has ended or the drain time runs out.
func (r *runner) drain(ctx context.Context) error {
	drain := 30 * time.Second
	if r.sc.Drain != nil {
		drain = r.sc.Drain.D()
	}
	deadline := time.Now().Add(drain)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for time.Now().Before(deadline) {
		if r.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// idle reports whether no request is left in flight.
func (r *runner) idle() bool {
	r.tab.mu.Lock()
	defer r.tab.mu.Unlock()
	return r.tab.live() == 0 && r.attempts.Load() == 0 && r.retries.Load() == 0
}

// tick closes the recorder's seconds as they pass, with the pipeline's gauges.
func (r *runner) tick(ctx context.Context, cancel context.CancelFunc) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	end := r.sc.Duration.D()
	if r.sc.Drain != nil {
		end += r.sc.Drain.D()
	}
	last := time.Duration(-1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := r.now()
		if err := r.backendErr(); err != nil {
			r.errs.set(err)
			cancel()
			return
		}
		r.rec.advance(now, r.gauges(now))
		if r.opts.Progress != nil && now/time.Second != last {
			last = now / time.Second
			r.opts.Progress(now, end)
		}
	}
}

func (r *runner) finish(end time.Duration) *Result {
	census := r.census(end)
	r.stats(end)
	var sum *metrics.Summary
	var ser *metrics.Series
	r.rec.advance(end, r.gauges(end))
	r.rec.do(func(m *metrics.Recorder) { sum, ser = m.Finish(end, census) })
	sum.Scenario, sum.Mode, sum.Seed = r.sc.Name, "live", r.seed
	if !r.stopped {
		r.shortfall(sum) // a run stopped early offered less by design
	}
	return &Result{Summary: sum, Series: ser}
}

// hooks observes queue q: dead-lettering and retention expiry end requests as failed. They
// run with r.mu held (inside a queue operation).
func (r *runner) hooks(q int) model.QueueHooks {
	return model.QueueHooks{
		DeadLettered: func(now time.Duration, m model.Message) {
			r.rec.do(func(rec *metrics.Recorder) { rec.DeadLettered(now, q) })
			r.endRef(now, m.Body, metrics.FailDLQ)
		},
		Expired: func(now time.Duration, m model.Message) { r.endRef(now, m.Body, metrics.FailExpired) },
	}
}

// errList keeps the first fatal error of the run.
type errList struct {
	mu  sync.Mutex
	err error
}

func (e *errList) set(err error) {
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.mu.Unlock()
}

func (e *errList) first() error { e.mu.Lock(); defer e.mu.Unlock(); return e.err }
