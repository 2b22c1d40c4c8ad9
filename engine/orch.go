package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// healthLatency is how long an in-process health check takes to answer.
const healthLatency = 10 * time.Millisecond

// orchState is the engine's side of seed 002's orchestrator: its pending step, its workers
// (asynchronous Lambda invocations) and the invocations Lambda is retrying because the
// workers' concurrency was exhausted.
type orchState struct {
	at      time.Duration // pending step, 0: none
	workers []orchWorker
	free    []int
	busy    int
	async   *model.AsyncQueue
	asyncAt time.Duration
	evs     []model.AsyncEvent
}

type orchWorker struct {
	ref   uint64
	start time.Duration
	reply model.Reply
}

func (e *Engine) initOrch() {
	if e.p.Orchestrator == nil {
		return
	}
	q, err := model.NewAsyncQueue(model.AsyncConfig{})
	if err != nil {
		e.Fail(err)
		return
	}
	e.orch.async = q
	e.stepOrch(e.k.now)
}

// stepOrch steps the orchestrator at now and makes sure it is stepped again when it asks.
func (e *Engine) stepOrch(now time.Duration) {
	o := e.p.Orchestrator
	if o == nil {
		return
	}
	next := o.Step(now, orchActions{e})
	if next < never && (e.orch.at <= now || next < e.orch.at) {
		e.orch.at = next
		e.k.schedule(next, evOrch, 0)
	}
}

// orchActions carries out what the orchestrator asks (model.OrchestratorActions).
type orchActions struct{ e *Engine }

// Invoke is the orchestrator invoking a worker for message m, deleted from its queue q.
func (a orchActions) Invoke(now time.Duration, m model.Message, q int) {
	e := a.e
	qi := e.p.OrchQueues[q]
	req := e.reqs.get(m.Body)
	e.rec.Received(now, qi, 1)
	if s := e.ports.State; s != nil {
		s.Invoked(now)
	}
	if req == nil {
		e.rec.Duplicate(now)
		return
	}
	e.rec.Deleted(now, qi, int(req.client), now-m.SentAt)
	req.state = stWorker
	e.invokeWorker(now, m.Body)
}

// HealthCheck is the orchestrator sending a health-check invocation.
func (a orchActions) HealthCheck(now time.Duration) {
	e := a.e
	if d := e.ports.Downstream; d != nil {
		d.Health()
		return
	}
	e.k.schedule(now+healthLatency, evHealth, 0)
}

// invokeWorker starts a worker for request ref, or leaves the invocation to Lambda's retries
// when the workers' concurrency is exhausted.
func (e *Engine) invokeWorker(now time.Duration, ref uint64) {
	if w := e.p.Workers; w != nil && !w.TryAcquire(now) {
		e.orch.async.Submit(now, ref)
		e.scheduleAsync(now)
		return
	}
	var slot int
	if n := len(e.orch.free); n > 0 {
		slot = e.orch.free[n-1]
		e.orch.free = e.orch.free[:n-1]
	} else {
		slot = len(e.orch.workers)
		e.orch.workers = append(e.orch.workers, orchWorker{})
	}
	e.orch.busy++
	e.peak = max(e.peak, e.orch.busy)
	w := &e.orch.workers[slot]
	w.ref, w.start = ref, now
	e.call(now, tag(evOrchCall, uint64(slot)), e.keys[e.reqs.get(ref).client], e.p.CallTimeout)
}

func (e *Engine) scheduleAsync(now time.Duration) {
	if at, ok := e.orch.async.NextDue(); ok && (e.orch.asyncAt <= now || at < e.orch.asyncAt) {
		e.orch.asyncAt = at
		e.k.schedule(at, evAsync, 0)
	}
}

// retryAsync gives the due worker invocations another attempt.
func (e *Engine) retryAsync(now time.Duration) {
	e.orch.evs = e.orch.async.Due(now, e.orch.evs[:0])
	for _, ev := range e.orch.evs {
		if e.reqs.get(ev.Payload) == nil {
			continue // it ended while Lambda held it (its execution timed out)
		}
		if !e.p.Workers.TryAcquire(now) {
			if !e.orch.async.Throttled(now, ev) {
				e.endReq(now, ev.Payload, metrics.FailWorkerDLQ) // older than 6 h: dropped
			}
			continue
		}
		e.p.Workers.Release(now) // invokeWorker takes it again
		e.invokeWorker(now, ev.Payload)
	}
	e.scheduleAsync(now)
}

// orchCallDone is a worker's call answering: success ends the request; a failure is
// reported to the breaker and the worker re-queues the message.
func (e *Engine) orchCallDone(now time.Duration, slot int, rep model.Reply) {
	w := e.orch.workers[slot]
	e.orch.free = append(e.orch.free, slot)
	e.orch.busy--
	if e.p.Workers != nil {
		e.p.Workers.Release(now)
	}
	e.rec.Call(w.start, now-w.start, callResult(rep.Outcome), rep.Admitted)
	e.aws.lambdaInvokes++
	e.aws.lambdaTime += now - w.start
	ok := rep.Outcome == model.CallOK
	opened, rq := e.p.Orchestrator.WorkerDone(now, ok, !ok && rep.Outcome != model.CallThrottled)
	if opened {
		e.rec.BreakerOpened(now)
		if s := e.ports.State; s != nil {
			s.Breaker(now, true)
		}
	}
	switch {
	case e.reqs.get(w.ref) == nil:
		// Its request ended during the call (its execution timed out): nothing to re-queue.
	case ok:
		e.complete(now, w.ref)
	default:
		e.aws.ddbWrites++ // the worker flags the failure in the state table
		e.requeue(now, w.ref, e.p.OrchQueues[rq])
	}
	e.stepOrch(now)
}

// requeue is a worker putting its request back on queue qi.
func (e *Engine) requeue(now time.Duration, ref uint64, qi int) {
	_, err, done := e.send(now, qi, ref, e.sendOptions(qi, ref, int(e.reqs.get(ref).client)), tag(evRequeued, ref))
	if !done {
		e.reqs.get(ref).state = stSending
		return
	}
	e.requeued(now, ref, err)
}

// requeued is a worker's re-queue done.
func (e *Engine) requeued(now time.Duration, ref uint64, err error) {
	if err != nil {
		e.Fail(err)
		return
	}
	e.reqs.get(ref).state = stQueued
	e.aws.sqsSends++
	e.rec.Requeued(now)
}

// HealthDone is a health check's answer through the Downstream port.
func (e *Engine) HealthDone(now time.Duration, healthy bool) {
	e.advance(max(now, e.k.now))
	e.healthResult(e.k.now, healthy)
}

func (e *Engine) healthResult(now time.Duration, healthy bool) {
	if e.p.Orchestrator.HealthResult(now, healthy) {
		if s := e.ports.State; s != nil {
			s.Breaker(now, false)
		}
	}
	e.stepOrch(now)
}

// orchStats puts the orchestrator's counters in the summary.
func (e *Engine) orchStats(end time.Duration) {
	if e.p.Orchestrator == nil {
		return
	}
	for k, v := range e.p.OrchestratorMetrics(end) {
		e.rec.Set(k, v)
	}
	e.rec.Set("worker_invokes_throttled_total", float64(e.orch.async.Retries()))
}
