package model

import (
	"fmt"
	"math"
	"time"
)

// OrchestratorConfig configures seed 002's Lambda orchestrator.
type OrchestratorConfig struct {
	Schedule     time.Duration  // the scheduled trigger's interval (EventBridge rate)
	Timeout      time.Duration  // the orchestrator function's timeout (default 5 min)
	Pace         float64        // worker invokes per second
	Quotas       []QuotaConfig  // the multi-tier quota the orchestrator keeps in its state store
	Breaker      *BreakerConfig // nil: no circuit breaker
	BatchSize    int            // messages per ReceiveMessage (default 10)
	RequeueFirst bool           // read the re-queue queue before the main one
	Visibility   time.Duration  // the main queue's visibility timeout, to release held messages in time
	Epoch        time.Time
	// Guard lengthens the windows of the orchestrator's own sliding and token-bucket tiers
	// (see SetGuard); 0: none.
	Guard time.Duration
}

// DefaultOrchestratorGuard is the guard seed 002's orchestrator needs in production, and so in
// both drivers: the delay between a worker's invoke and its call reaching the API spreads by
// a few milliseconds on an idle machine and by tens when cores are shared (measured live on 2
// shared cores with a container's proxy and the emulators); 25 ms keeps the API's sliding
// quota with the pace at 97.5 % of a per-second quota. The simulator paces with it too, so
// that it predicts what the design does.
const DefaultOrchestratorGuard = 25 * time.Millisecond

// OrchestratorActions is what the orchestrator asks its driver to do.
type OrchestratorActions interface {
	// Invoke starts a worker asynchronously for message m, already deleted from queue q.
	Invoke(now time.Duration, m Message, q int)
	// HealthCheck starts a worker with a health-check event.
	HealthCheck(now time.Duration)
}

// Orchestrator is seed 002's pattern: one orchestrator function (concurrency 1) started by a
// scheduled trigger every Schedule. A trigger that finds it running is throttled, and Lambda
// retries the asynchronous event with backoff (1 s doubling to 5 min, for up to 6 h): the
// orchestrator restarts at the first retry after it ends, so the idle gap between runs is
// real. While running, it reads its state (the quota tiers and the breaker), polls the
// re-queue queue (first, with RequeueFirst) and the main queue in batches of BatchSize,
// and invokes a worker asynchronously for each message — at most Pace per second and never
// beyond any quota tier, sliding windows included — deleting each message once its worker
// is invoked. When a tier with a long period (a day, a month) is exhausted it stops polling,
// releases the messages it holds, and resumes when the period rolls over. When the breaker
// is open it invokes nothing; once OpenFor has passed it sends a health check every
// HealthCheck, and a healthy answer closes the breaker. It stops taking work Margin before
// its timeout, and the messages it still holds then become visible again.
//
// Queue 0 is the main queue; queue 1, if any, is the re-queue queue.
type Orchestrator struct {
	cfg      OrchestratorConfig
	queues   []QueueAPI
	quotas   *Quotas
	breaker  *Breaker
	triggers *AsyncQueue
	evs      []AsyncEvent

	nextTrigger time.Duration
	running     bool
	runEnd      time.Duration
	held        []Message // received, not yet invoked
	heldQ       []int
	nextInvoke  time.Duration
	blocked     bool // a long-period tier is exhausted

	runs, throttled, invokes, healthChecks, receives, emptyReceives int64
	runTime, blockedTime                                            time.Duration
	runStart, blockedSince                                          time.Duration
}

// Margin is how long before its timeout the orchestrator stops taking work, so that it ends
// cleanly instead of being killed mid-invoke.
const Margin = 5 * time.Second

// longTier is the period from which an exhausted tier stops polling instead of pacing.
const longTier = time.Minute

// NewOrchestrator returns the orchestrator over queues (main first, then the optional
// re-queue queue).
func NewOrchestrator(queues []QueueAPI, cfg OrchestratorConfig) (*Orchestrator, error) {
	if len(queues) == 0 || len(queues) > 2 {
		return nil, fmt.Errorf("orchestrator: want the main queue and at most a re-queue queue, got %d queues", len(queues))
	}
	if cfg.Schedule <= 0 || cfg.Pace <= 0 {
		return nil, fmt.Errorf("orchestrator: schedule and pace must be positive")
	}
	if cfg.Timeout <= Margin {
		return nil, fmt.Errorf("orchestrator: timeout %v must exceed the %v stop margin", cfg.Timeout, Margin)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = QueueMaxBatch
	}
	o := &Orchestrator{cfg: cfg, queues: queues}
	var err error
	if o.quotas, err = NewQuotas(cfg.Quotas, cfg.Epoch); err != nil {
		return nil, fmt.Errorf("orchestrator: %w", err)
	}
	if cfg.Guard > 0 {
		if err := o.SetGuard(cfg.Guard); err != nil {
			return nil, err
		}
	}
	if cfg.Breaker != nil {
		if o.breaker, err = NewBreaker(*cfg.Breaker); err != nil {
			return nil, fmt.Errorf("orchestrator: %w", err)
		}
	}
	if o.triggers, err = NewAsyncQueue(AsyncConfig{}); err != nil {
		return nil, fmt.Errorf("orchestrator: %w", err)
	}
	return o, nil
}

// SetGuard lengthens the windows of the orchestrator's own sliding and token-bucket tiers by
// g. The design needs it: a worker's call reaches the API some time after its invoke, and
// that delay varies (scheduling, a new connection), so two calls invoked exactly a window
// apart can arrive less than a window apart; a guard of a few milliseconds absorbs that, at
// the cost of pacing a hair under the quota.
func (o *Orchestrator) SetGuard(g time.Duration) error {
	cfgs := append([]QuotaConfig(nil), o.cfg.Quotas...)
	for i := range cfgs {
		if cfgs[i].Window != "fixed" && cfgs[i].Window != "" {
			cfgs[i].Per += g
		}
	}
	q, err := NewQuotas(cfgs, o.cfg.Epoch)
	if err != nil {
		return fmt.Errorf("orchestrator guard: %w", err)
	}
	o.quotas = q
	return nil
}

// Step advances the orchestrator to now, asks act to carry out what it does at now, and
// returns the next instant it wants to be stepped at even if nothing else happens. Drivers
// also step it when a message is sent to one of its queues (it may be long-polling) and when
// a worker or health check reports back.
func (o *Orchestrator) Step(now time.Duration, act OrchestratorActions) time.Duration {
	o.trigger(now)
	if o.running && now >= o.runEnd {
		o.stop(now)
		o.trigger(now) // a pending retry may restart it at once
	}
	next := min(o.nextTrigger, o.nextDue())
	if !o.running {
		return next
	}
	next = min(next, o.runEnd)
	if o.breaker != nil && o.breaker.State(now) != BreakerClosed {
		return min(next, o.probe(now, act))
	}
	return min(next, o.work(now, act))
}

// trigger fires the schedule and tries the triggers' pending events.
func (o *Orchestrator) trigger(now time.Duration) {
	for o.nextTrigger <= now {
		o.triggers.Submit(o.nextTrigger, 0)
		o.nextTrigger += o.cfg.Schedule
	}
	o.evs = o.triggers.Due(now, o.evs[:0])
	for _, ev := range o.evs {
		if o.running {
			o.throttled++
			o.triggers.Throttled(now, ev)
			continue
		}
		o.start(now)
	}
}

func (o *Orchestrator) nextDue() time.Duration {
	if at, ok := o.triggers.NextDue(); ok {
		return at
	}
	return 1<<63 - 1
}

func (o *Orchestrator) start(now time.Duration) {
	o.running = true
	o.runs++
	o.runStart = now
	o.runEnd = now + o.cfg.Timeout - Margin
	o.nextInvoke = now
}

// stop ends a run; the messages it holds become visible again.
func (o *Orchestrator) stop(now time.Duration) {
	o.release(now)
	o.running = false
	o.runTime += now - o.runStart
	o.unblock(now)
}

// release gives back the messages held but not invoked.
func (o *Orchestrator) release(now time.Duration) {
	for i, m := range o.held {
		_ = o.queues[o.heldQ[i]].ChangeVisibility(now, m.Receipt, 0)
	}
	o.held, o.heldQ = o.held[:0], o.heldQ[:0]
}

// probe is a run's step while the breaker is open: health checks when due.
func (o *Orchestrator) probe(now time.Duration, act OrchestratorActions) time.Duration {
	o.release(now)
	at, ok := o.breaker.NextHealthCheck(now)
	if !ok {
		return now
	}
	if at <= now {
		o.healthChecks++
		o.breaker.HealthCheckSent(now)
		act.HealthCheck(now)
		at, _ = o.breaker.NextHealthCheck(now)
	}
	return at
}

// work is a run's step with the breaker closed: invoke as pace and quotas allow.
func (o *Orchestrator) work(now time.Duration, act OrchestratorActions) time.Duration {
	for {
		if now < o.nextInvoke {
			return o.nextInvoke
		}
		if free := o.quotas.Free(now); free > now {
			return o.waitQuota(now, free)
		}
		o.unblock(now)
		if len(o.held) == 0 && !o.poll(now) {
			return o.nextVisible(now)
		}
		m, q := o.held[0], o.heldQ[0]
		o.held, o.heldQ = o.held[1:], o.heldQ[1:]
		o.quotas.Allow(now)
		_ = o.queues[q].Delete(now, m.Receipt)
		o.invokes++
		act.Invoke(now, m, q)
		o.nextInvoke = now + o.interval()
	}
}

// interval is the time between two invokes at Pace, rounded up to the nanosecond so that
// Pace invokes never fall within one second.
func (o *Orchestrator) interval() time.Duration {
	return time.Duration(math.Ceil(float64(time.Second) / o.cfg.Pace))
}

// waitQuota waits for a tier to free up; a long wait is an exhausted day or month tier.
func (o *Orchestrator) waitQuota(now, free time.Duration) time.Duration {
	if free-now >= longTier && !o.blocked {
		o.blocked, o.blockedSince = true, now
		o.release(now)
	}
	return free
}

func (o *Orchestrator) unblock(now time.Duration) {
	if o.blocked {
		o.blocked = false
		o.blockedTime += now - o.blockedSince
	}
}

// poll receives a batch, from the re-queue queue first when so configured.
func (o *Orchestrator) poll(now time.Duration) bool {
	order := [2]int{0, 1}
	if o.cfg.RequeueFirst {
		order = [2]int{1, 0}
	}
	for _, q := range order {
		if q >= len(o.queues) {
			continue
		}
		o.receives++
		got := o.queues[q].Receive(now, o.cfg.BatchSize, 0, o.held[:0])
		if len(got) > 0 {
			o.held = got
			o.heldQ = o.heldQ[:0]
			for range got {
				o.heldQ = append(o.heldQ, q)
			}
			return true
		}
		o.emptyReceives++
	}
	return false
}

func (o *Orchestrator) nextVisible(now time.Duration) time.Duration {
	next := time.Duration(1<<63 - 1)
	for _, q := range o.queues {
		if at, ok := q.NextVisible(now); ok {
			next = min(next, at)
		}
	}
	return next
}

// WorkerDone records how a worker's call ended: ok, or failed (failure: a 5xx, a timeout or
// a reset, which counts toward the breaker; a 429 is neither). It returns whether the
// breaker opened and the queue the worker re-queues a failed message to.
func (o *Orchestrator) WorkerDone(now time.Duration, ok, failure bool) (opened bool, requeue int) {
	requeue = 0
	if len(o.queues) > 1 {
		requeue = 1
	}
	if o.breaker == nil {
		return false, requeue
	}
	if ok {
		o.breaker.Success(now)
		return false, requeue
	}
	if failure {
		opened = o.breaker.Failure(now)
	}
	return opened, requeue
}

// HealthResult records a health check's answer; it reports whether the breaker closed.
func (o *Orchestrator) HealthResult(now time.Duration, healthy bool) bool {
	if o.breaker == nil {
		return false
	}
	return o.breaker.HealthResult(now, healthy)
}

// Running reports whether an orchestrator run is under way.
func (o *Orchestrator) Running() bool { return o.running }

// BreakerOpen reports whether the breaker is open (or probing) at now.
func (o *Orchestrator) BreakerOpen(now time.Duration) bool {
	return o.breaker != nil && o.breaker.State(now) != BreakerClosed
}

// Blocked reports whether an exhausted long-period tier stopped polling.
func (o *Orchestrator) Blocked() bool { return o.blocked }

// OrchestratorStats are the orchestrator's counters.
type OrchestratorStats struct {
	Runs, ThrottledTriggers, Invokes, HealthChecks, Receives, EmptyReceives int64
	BreakerOpened                                                           int64
	RunTime, BlockedTime, BreakerOpenTime                                   time.Duration
}

// Stats returns the counters at now.
func (o *Orchestrator) Stats(now time.Duration) OrchestratorStats {
	s := OrchestratorStats{Runs: o.runs, ThrottledTriggers: o.throttled, Invokes: o.invokes,
		HealthChecks: o.healthChecks, Receives: o.receives, EmptyReceives: o.emptyReceives,
		RunTime: o.runTime, BlockedTime: o.blockedTime}
	if o.running {
		s.RunTime += now - o.runStart
	}
	if o.blocked {
		s.BlockedTime += now - o.blockedSince
	}
	if o.breaker != nil {
		s.BreakerOpened, s.BreakerOpenTime = o.breaker.Opened(), o.breaker.OpenTime(now)
	}
	return s
}
