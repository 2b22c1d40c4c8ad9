// Package engine is the pipeline's flow, written once: what happens to a request (its
// attempts, the gateway's decision, the queue or direct integration, the consumer pattern,
// the downstream call, a retry, its end), to a message, a worker, the orchestrator and a
// Step Functions task token; the census of what is in flight; the gauges; the AWS request
// counts. Every decision is here or in package model.
//
// The engine runs on one goroutine. Time is the driver's: events are kept in a kernel
// ordered by (instant, sequence), and a driver either jumps from event to event (package
// sim, virtual time) or sleeps until the next event's instant or until the world posts one
// (package live, the wall clock). What takes real time goes through ports (Ports): an
// attempt's answer to its client, a client's retry, a downstream call and a health check,
// the orchestrator's state store. A nil port is in process: the models answer at once and
// the engine schedules the outcome on its own clock, which is how the simulator runs.
//
// The engine never reads the wall clock, never sleeps and never uses the global rand.
package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Engine is one run's flow in progress. It is not safe for concurrent use: a driver calls it
// from one goroutine.
type Engine struct {
	p      *pipeline.Pipeline
	sc     *scenarios.Scenario
	seed   int64
	k      kernel
	rng    *rand.Rand
	net    *rand.Rand // the client-to-gateway delay's own stream (in-process clients)
	rec    *metrics.Journal
	ports  Ports
	queues []Queue
	// The queues as the hot path reaches them: the model's, called directly (nil where a
	// remote queue stands), the remote ones that send asynchronously, and which are FIFO.
	mq     []*model.Queue
	async  []AsyncSender
	fifo   []bool
	reqs   slab
	groups [][]string
	keys   []string
	// callers are each client's route and key, resolved by the gateway once.
	callers []*model.Caller
	end     time.Duration // the end of the drain: the run stops here whatever is in flight
	arr     arrivals
	// Census counters: retry waits pending, direct integrations' backend calls under way,
	// and (with a client port) attempts sent and not yet answered.
	retries, direct, attempts int
	workers                   []worker
	wakeAt                    time.Duration
	startFn                   model.StartFunc
	orch                      orchState
	aws                       awsCount
	tokAt                     time.Duration // pending task-token deadline event, 0: none
	peak                      int           // the most executions in use since the last second closed
	plain                     bool          // the pattern never defers (Concurrency): skip asking it
	external                  bool          // Options.External: the attempts go to a target outside
	// lastDone is the arrival of the latest completed request of each FIFO message group.
	lastDone map[groupKey]time.Duration
	sends    uint64 // FIFO sends, for unique deduplication IDs
	stale    int64  // messages found at the end whose request had already ended
	err      error
}

// Options tune an engine.
type Options struct {
	// Seed overrides the scenario's seed when not nil.
	Seed *int64
	// Ports are the engine's ways to the world; zero: everything in process (the simulator).
	Ports Ports
	// External sends the clients' attempts to a target outside the engine (see Heard): it
	// needs a client port, and a scenario without the sections the target replaces
	// (ForTarget).
	External bool
}

// New builds the pipeline of sc (defaults applied, validated) and the engine that runs it.
func New(sc *scenarios.Scenario, opts Options) (*Engine, error) {
	if sc.Seed == nil || sc.Drain == nil {
		return nil, errors.New("engine: the scenario's defaults are not applied (scenarios.ApplyDefaults)")
	}
	seed := *sc.Seed
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	if opts.External && opts.Ports.Client == nil {
		return nil, errors.New("engine: an external run needs a client port")
	}
	e := &Engine{sc: sc, seed: seed, ports: opts.Ports, external: opts.External,
		rng: rand.New(rand.NewPCG(uint64(seed), 0)), net: rand.New(rand.NewPCG(uint64(seed), 1<<32))}
	p, err := pipeline.Build(sc, seed, e.hooks)
	if err != nil {
		return nil, err
	}
	e.p = p
	e.end = sc.Duration.D() + sc.Drain.D()
	e.rec = metrics.NewJournal(p.RecorderConfig(), e.sample)
	e.lastDone = map[groupKey]time.Duration{}
	qs := make([]Queue, len(p.Queues))
	for i, q := range p.Queues {
		qs[i] = q
	}
	e.setQueues(qs)
	for _, c := range p.Clients {
		e.keys = append(e.keys, c.Key)
		if p.Gateway != nil {
			e.callers = append(e.callers, p.Gateway.Caller(c.Route, c.Key))
		}
		g := make([]string, c.Groups)
		for j := range g {
			g[j] = c.Name + "-" + strconv.Itoa(j)
		}
		e.groups = append(e.groups, g)
	}
	if p.Pattern != nil {
		e.workers = make([]worker, p.Pattern.Limit())
		_, e.plain = p.Pattern.(*model.Concurrency)
	}
	e.startFn = e.startBatch
	e.arr.min = -1
	if e.ports.Client == nil {
		e.arr.init(e)
	}
	return e, nil
}

// Pipeline returns the run's models.
func (e *Engine) Pipeline() *pipeline.Pipeline { return e.p }

// Seed returns the run's seed.
func (e *Engine) Seed() int64 { return e.seed }

// Now returns the engine's current instant.
func (e *Engine) Now() time.Duration { return e.k.now }

// End returns the instant the run ends at the latest: the load's duration plus the drain.
func (e *Engine) End() time.Duration { return e.end }

// Err returns the first error that stopped the flow (a queue that refused a send), or nil.
func (e *Engine) Err() error { return e.err }

// Start starts what runs from the first instant: the orchestrator's schedule. A driver
// calls it once, after UseQueues if it calls that.
func (e *Engine) Start() { e.initOrch() }

// UseQueues puts other queues behind the pipeline's (index for index: real SQS queues in
// a live run) and rebuilds the consumer over them, before Start.
func (e *Engine) UseQueues(qs []Queue) error {
	if len(qs) != len(e.queues) {
		return fmt.Errorf("engine: %d queues for %d", len(qs), len(e.queues))
	}
	apis := make([]model.QueueAPI, len(qs))
	for i, q := range qs {
		apis[i] = q
	}
	if err := e.p.UseQueues(apis); err != nil {
		return err
	}
	e.setQueues(qs)
	if e.p.Pattern != nil {
		e.workers = make([]worker, e.p.Pattern.Limit())
		_, e.plain = e.p.Pattern.(*model.Concurrency)
	}
	return nil
}

func (e *Engine) setQueues(qs []Queue) {
	e.queues = qs
	e.mq, e.async, e.fifo = make([]*model.Queue, len(qs)), make([]AsyncSender, len(qs)), make([]bool, len(qs))
	for i, q := range qs {
		e.mq[i], _ = q.(*model.Queue)
		e.async[i], _ = q.(AsyncSender)
		e.fifo[i] = q.Config().FIFO
	}
}

// send sends ref to queue qi: at once on a model queue, later (SendDone with tag) on a
// remote one, which then reports done false.
func (e *Engine) send(now time.Duration, qi int, ref uint64, o model.SendOptions, tag uint64) (id uint64, err error, done bool) {
	if mq := e.mq[qi]; mq != nil {
		id, _, err = mq.Send(now, ref, o)
		return id, err, true
	}
	if as := e.async[qi]; as != nil {
		as.SendAsync(now, ref, o, tag)
		return 0, nil, false
	}
	id, _, err = e.queues[qi].Send(now, ref, o)
	return id, err, true
}

// delete deletes a received message from queue qi; a stale receipt deletes nothing.
func (e *Engine) delete(now time.Duration, qi int, r model.Receipt) {
	if mq := e.mq[qi]; mq != nil {
		_ = mq.Delete(now, r)
		return
	}
	_ = e.queues[qi].Delete(now, r)
}

// Queues returns the queues as the engine reaches them.
func (e *Engine) Queues() []Queue { return e.queues }

// Fail stops the flow with err (the first error is kept).
func (e *Engine) Fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// ErrInterrupted is what a driver reports when its run was stopped before its end.
var ErrInterrupted = errors.New("run interrupted")

// Idle reports whether no request is left in flight and no more will arrive (for a driver
// whose clients are outside, when it has said so with ArrivalsDone).
func (e *Engine) Idle() bool { return e.arr.left == 0 && e.reqs.live == 0 }

// Live returns how many requests are in flight.
func (e *Engine) Live() int { return e.reqs.live }

func (e *Engine) advance(now time.Duration) {
	e.k.now = now
	e.rec.Advance(now)
}
