package sim

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// healthLatency is how long a health check takes to answer in the simulation.
const healthLatency = 10 * time.Millisecond

// orchState is the simulator's side of seed 002's orchestrator: its pending step, its
// workers (asynchronous Lambda invocations) and the invocations Lambda is retrying because
// the workers' concurrency was exhausted.
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

func (r *runner) initOrch() {
	if r.p.Orchestrator == nil {
		return
	}
	q, err := model.NewAsyncQueue(model.AsyncConfig{})
	if err != nil {
		r.fail(err)
		return
	}
	r.orch.async = q
	r.stepOrch(0)
}

// stepOrch steps the orchestrator at now and makes sure it is stepped again when it asks.
func (r *runner) stepOrch(now time.Duration) {
	o := r.p.Orchestrator
	if o == nil {
		return
	}
	next := o.Step(now, r)
	if next < never && (r.orch.at <= now || next < r.orch.at) {
		r.orch.at = next
		r.k.schedule(next, evOrch, 0)
	}
}

// Invoke is the orchestrator invoking a worker for message m, deleted from its queue q.
func (r *runner) Invoke(now time.Duration, m model.Message, q int) {
	qi := r.p.OrchQueues[q]
	req := r.reqs.get(m.Body)
	r.rec.Received(now, qi, 1)
	if req == nil {
		r.rec.Duplicate(now)
		return
	}
	r.rec.Deleted(now, qi, int(req.client), now-m.SentAt)
	r.invokeWorker(now, m.Body)
}

// invokeWorker starts a worker for request ref, or leaves the invocation to Lambda's retries
// when the workers' concurrency is exhausted.
func (r *runner) invokeWorker(now time.Duration, ref uint64) {
	if w := r.p.Workers; w != nil && !w.TryAcquire(now) {
		r.orch.async.Submit(now, ref)
		r.scheduleAsync(now)
		return
	}
	var slot int
	if n := len(r.orch.free); n > 0 {
		slot = r.orch.free[n-1]
		r.orch.free = r.orch.free[:n-1]
	} else {
		slot = len(r.orch.workers)
		r.orch.workers = append(r.orch.workers, orchWorker{})
	}
	r.orch.busy++
	r.peak = max(r.peak, r.orch.busy)
	w := &r.orch.workers[slot]
	w.ref, w.start = ref, now
	w.reply = r.p.API.Call(now, r.keys[r.reqs.get(ref).client], r.p.CallTimeout, r.rng)
	r.k.schedule(now+w.reply.Latency, evOrchCall, uint64(slot))
}

func (r *runner) scheduleAsync(now time.Duration) {
	if at, ok := r.orch.async.NextDue(); ok && (r.orch.asyncAt <= now || at < r.orch.asyncAt) {
		r.orch.asyncAt = at
		r.k.schedule(at, evAsync, 0)
	}
}

// retryAsync gives the due worker invocations another attempt.
func (r *runner) retryAsync(now time.Duration) {
	r.orch.evs = r.orch.async.Due(now, r.orch.evs[:0])
	for _, ev := range r.orch.evs {
		if !r.p.Workers.TryAcquire(now) {
			if !r.orch.async.Throttled(now, ev) {
				r.endReq(now, ev.Payload, metrics.FailWorkerDLQ) // older than 6 h: dropped
			}
			continue
		}
		r.p.Workers.Release(now) // invokeWorker takes it again
		r.invokeWorker(now, ev.Payload)
	}
	r.scheduleAsync(now)
}

// orchCallDone is a worker's call answering: success ends the request; a failure is
// reported to the breaker and the worker re-queues the message.
func (r *runner) orchCallDone(now time.Duration, slot int) {
	w := r.orch.workers[slot]
	r.orch.free = append(r.orch.free, slot)
	r.orch.busy--
	if r.p.Workers != nil {
		r.p.Workers.Release(now)
	}
	rep := w.reply
	r.rec.Call(w.start, now-w.start, callResult(rep.Outcome), rep.Admitted)
	r.aws.lambdaInvokes++
	r.aws.lambdaTime += now - w.start
	o := r.p.Orchestrator
	if rep.Outcome == model.CallOK {
		o.WorkerDone(now, true, false)
		r.complete(now, w.ref)
	} else {
		opened, rq := o.WorkerDone(now, false, rep.Outcome != model.CallThrottled)
		if opened {
			r.rec.BreakerOpened(now)
		}
		r.aws.ddbWrites++ // the worker flags the failure in the state table
		r.requeue(now, w.ref, r.p.OrchQueues[rq])
	}
	r.stepOrch(now)
}

// requeue is a worker putting its request back on queue qi.
func (r *runner) requeue(now time.Duration, ref uint64, qi int) {
	q := r.p.Queues[qi]
	o := model.SendOptions{Delay: -1}
	if q.Config().FIFO {
		r.fifoOptions(&o, ref, int(r.reqs.get(ref).client))
	}
	if _, _, err := q.Send(now, ref, o); err != nil {
		r.fail(err)
		return
	}
	r.aws.sqsSends++
	r.rec.Requeued(now)
}

// HealthCheck is the orchestrator sending a health-check invocation.
func (r *runner) HealthCheck(now time.Duration) {
	r.k.schedule(now+healthLatency, evHealth, 0)
}

func (r *runner) healthDone(now time.Duration) {
	r.p.Orchestrator.HealthResult(now, r.p.API.Health(now-healthLatency))
	r.stepOrch(now)
}

// orchStats puts the orchestrator's counters in the summary.
func (r *runner) orchStats(end time.Duration) {
	if r.p.Orchestrator == nil {
		return
	}
	for k, v := range r.p.OrchestratorMetrics(end) {
		r.rec.Set(k, v)
	}
	r.rec.Set("worker_invokes_throttled_total", float64(r.orch.async.Retries()))
}
