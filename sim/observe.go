package sim

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// hooks observes queue q: a message moved to the dead-letter queue or dropped at the end of
// its retention ends its request as failed.
func (r *runner) hooks(q int) model.QueueHooks {
	return model.QueueHooks{
		DeadLettered: func(now time.Duration, m model.Message) {
			r.rec.DeadLettered(now, q)
			if r.reqs.get(m.Body) != nil {
				r.endReq(now, m.Body, metrics.FailDLQ)
			}
		},
		Expired: func(now time.Duration, m model.Message) {
			if r.reqs.get(m.Body) != nil {
				r.endReq(now, m.Body, metrics.FailExpired)
			}
		},
	}
}

// sample fills the gauges at the end of a second.
func (r *runner) sample(at time.Duration, g *metrics.Gauges) {
	for i, q := range r.p.Queues {
		v, f, d := q.Counts(at)
		g.Queues[i] = metrics.QueueGauge{Visible: v, InFlight: f, Delayed: d, OldestAge: q.OldestAge(at)}
	}
	g.InFlight = r.reqs.live
	// Concurrency in use is the second's peak: read at the second's end alone it misses
	// executions that start and end within it.
	defer func() {
		g.ConcurrencyInUse = max(g.ConcurrencyInUse, r.peak)
		r.peak = g.ConcurrencyInUse
		if r.p.Pattern != nil {
			r.peak = r.p.Pattern.InUse()
		} else if r.p.Orchestrator != nil {
			r.peak = r.orch.busy
		}
	}()
	switch {
	case r.p.Pattern != nil:
		g.ConcurrencyInUse, g.ConcurrencyLimit = r.p.Pattern.InUse(), r.p.Pattern.Limit()
	case r.p.Backend != nil:
		g.ConcurrencyInUse, g.ConcurrencyLimit = r.p.Backend.InUse(), r.p.Backend.Limit()
	case r.p.Orchestrator != nil:
		g.ConcurrencyInUse = r.orch.busy
		if r.p.Workers != nil {
			g.ConcurrencyLimit = r.p.Workers.Limit()
		}
		g.BreakerOpen = r.p.Orchestrator.BreakerOpen(at)
		g.OrchestratorRunning = r.p.Orchestrator.Running()
	}
}

// census counts the requests still in flight from the pipeline's own state: messages on the
// work queues whose request still lives, retries waiting, synchronous calls under way.
func (r *runner) census() metrics.Census {
	c := metrics.Census{"retry_wait": int64(r.retries), "direct_calls": int64(r.direct),
		"worker_calls": int64(r.orch.busy)}
	if r.orch.async != nil {
		c["worker_invoke_retries"] = int64(r.orch.async.Len())
	}
	for _, q := range r.p.Queues {
		q.Counts(r.k.now) // let the queue's timers catch up (redrive, retention)
		var live, stale int64
		q.Bodies(func(body uint64) {
			if r.reqs.get(body) != nil {
				live++
			} else {
				stale++
			}
		})
		c["queue:"+q.Name()] = live
		if stale > 0 {
			// Messages whose request already ended (a duplicate delivery, or an execution that
			// timed out while its message waited): not requests in flight.
			r.rec.Set("queue_stale_messages_at_end", float64(stale))
		}
	}
	return c
}
