package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// hooks observes queue q: a message moved to the dead-letter queue or dropped at the end of
// its retention ends its request as failed.
func (e *Engine) hooks(q int) model.QueueHooks {
	return model.QueueHooks{
		DeadLettered: func(now time.Duration, m model.Message) { e.deadLettered(now, q, m.Body) },
		Expired: func(now time.Duration, m model.Message) {
			if e.reqs.get(m.Body) != nil {
				e.endReq(now, m.Body, metrics.FailExpired)
			}
		},
	}
}

// deadLettered is the message of body moved to queue q's dead-letter queue.
func (e *Engine) deadLettered(now time.Duration, q int, body uint64) {
	e.rec.DeadLettered(now, q)
	if e.reqs.get(body) != nil {
		e.endReq(now, body, metrics.FailDLQ)
	}
}

// DeadLettered is a remote queue's message found on queue q's dead-letter queue.
func (e *Engine) DeadLettered(now time.Duration, q int, body uint64) {
	e.advance(max(now, e.k.now))
	e.deadLettered(e.k.now, q, body)
}

// sample fills the gauges at the end of a second.
func (e *Engine) sample(at time.Duration, g *metrics.Gauges) {
	for i, q := range e.queues {
		v, f, d := q.Counts(at)
		g.Queues[i] = metrics.QueueGauge{Visible: v, InFlight: f, Delayed: d, OldestAge: q.OldestAge(at)}
	}
	g.InFlight = e.reqs.live
	// Concurrency in use is the second's peak: read at the second's end alone it misses
	// executions that start and end within it.
	defer func() {
		g.ConcurrencyInUse = max(g.ConcurrencyInUse, e.peak)
		e.peak = g.ConcurrencyInUse
		if e.p.Pattern != nil {
			e.peak = e.p.Pattern.InUse()
		} else if e.p.Orchestrator != nil {
			e.peak = e.orch.busy
		}
	}()
	switch p := e.p; {
	case p.Pattern != nil:
		g.ConcurrencyInUse, g.ConcurrencyLimit = p.Pattern.InUse(), p.Pattern.Limit()
	case p.Backend != nil:
		g.ConcurrencyInUse, g.ConcurrencyLimit = p.Backend.InUse(), p.Backend.Limit()
	case p.Orchestrator != nil:
		g.ConcurrencyInUse = e.orch.busy
		if p.Workers != nil {
			g.ConcurrencyLimit = p.Workers.Limit()
		}
		g.BreakerOpen = p.Orchestrator.BreakerOpen(at)
		g.OrchestratorRunning = p.Orchestrator.Running()
	}
}

// census counts the requests still in flight: where the engine left each (waiting for a
// retry, an attempt on its way, a direct integration's call, a send under way), and, for
// those in the consumer, from the pipeline's own state — the messages on the queues whose
// request still lives, the orchestrator's workers and the invocations Lambda holds — so that
// a request the consumer lost shows in the ledger.
func (e *Engine) census() metrics.Census {
	var retry, attempts, direct, sending int64
	e.reqs.each(func(r *request) {
		switch r.state {
		case stRetry:
			retry++
		case stAttempt:
			attempts++
		case stDirect:
			direct++
		case stSending:
			sending++
		}
	})
	c := metrics.Census{"retry_wait": retry, "client_attempts": attempts, "direct_calls": direct,
		"worker_calls": int64(e.orch.busy)}
	if e.orch.async != nil {
		c["worker_invoke_retries"] = int64(e.orch.async.Len())
	}
	lost := false // a queue's backend failed: what it held is unknown
	for _, q := range e.queues {
		n := e.queued(q)
		if f, ok := q.(failer); ok && f.Failed() {
			c[metrics.UnknownPrefix+"sqs"] += n
			lost = true
			continue
		}
		c["queue:"+q.Name()] = n
	}
	switch {
	case sending > 0 && lost:
		c[metrics.UnknownPrefix+"sqs"] += sending // sends the failed backend may or may not have taken
	case sending > 0:
		c["queue_sends"] = sending
	}
	if e.stale > 0 {
		// Messages whose request already ended (a duplicate delivery, or an execution that
		// timed out while its message waited): not requests in flight.
		e.rec.Set("queue_stale_messages_at_end", float64(e.stale))
	}
	return c
}

// failer is a remote queue that can tell whether its backend failed.
type failer interface{ Failed() bool }

// queued counts the messages on q whose request still lives.
func (e *Engine) queued(q Queue) int64 {
	q.Counts(e.k.now) // let the queue's timers catch up (redrive, retention)
	bl, ok := q.(bodyLister)
	if !ok {
		v, f, d := q.Counts(e.k.now)
		return int64(v + f + d)
	}
	var live int64
	bl.Bodies(func(body uint64) {
		if e.reqs.get(body) != nil {
			live++
		} else {
			e.stale++
		}
	})
	return live
}
