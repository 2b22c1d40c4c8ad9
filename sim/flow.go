package sim

import (
	"fmt"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// attempt sends one attempt of request ref through the gateway.
func (r *runner) attempt(now time.Duration, ref uint64) {
	req := r.reqs.get(ref)
	c := int(req.client)
	first := req.attempt == 1
	if gw := r.p.Gateway; gw != nil {
		d := gw.DecideFor(now, r.callers[c])
		if d.Outcome != model.Admitted {
			g, why := pipeline.GatewayRefusal(d.Outcome)
			r.rec.Attempted(now, c, first, g)
			r.retryOrEnd(now, ref, d.RetryAfter, why)
			return
		}
	}
	r.rec.Attempted(now, c, first, metrics.Admitted)
	if r.p.Integration == "queue" {
		r.enqueue(now, ref, c)
		return
	}
	r.callDirect(now, ref, c)
}

// retryOrEnd lets the client retry after a failed attempt, or give up with reason why.
func (r *runner) retryOrEnd(now time.Duration, ref uint64, retryAfter time.Duration, why metrics.Reason) {
	req := r.reqs.get(ref)
	wait, ok := r.p.Clients[req.client].Retry.Next(int(req.attempt), req.prev, retryAfter, r.rng)
	if !ok {
		r.endReq(now, ref, why)
		return
	}
	req.attempt++
	req.prev = wait
	r.retries++
	r.k.schedule(now+wait+r.netDelay(), evRetry, ref)
}

func (r *runner) endReq(now time.Duration, ref uint64, why metrics.Reason) {
	req := r.reqs.get(ref)
	if t := r.p.Tokens; t != nil && why != metrics.FailTaskTimeout && req.token != 0 {
		_, _ = t.Fail(now, req.token) // SendTaskFailure
	}
	r.rec.Ended(now, int(req.client), why)
	r.reqs.release(ref)
}

func (r *runner) complete(now time.Duration, ref uint64) {
	req := r.reqs.get(ref)
	e2e := now - req.first
	if t := r.p.Tokens; t != nil {
		// SendTaskSuccess: end to end is from the execution's start to its callback. A
		// callback at or after the deadline is refused (TaskTimedOut): the execution failed.
		_, started, err := t.Succeed(now, req.token)
		if err != nil {
			r.expireTokens(now)
			return
		}
		e2e = now - started
	}
	r.checkOrder(now, req)
	r.rec.Completed(now, int(req.client), e2e)
	r.reqs.release(ref)
}

// checkOrder counts a FIFO request completed after a later one of its message group: order
// holds within a group unless a message was re-queued (seed 002's "almost guaranteed").
func (r *runner) checkOrder(now time.Duration, req *request) {
	if req.group == 0 {
		return
	}
	k := groupKey{client: req.client, group: req.group}
	if last, ok := r.lastDone[k]; ok && req.first < last {
		r.rec.OrderBroken(now)
		return
	}
	r.lastDone[k] = req.first
}

// enqueue is the gateway's SQS integration: SendMessage, then answer 200.
func (r *runner) enqueue(now time.Duration, ref uint64, c int) {
	qi := r.p.Clients[c].Queue
	q := r.p.Queues[qi]
	o := model.SendOptions{Delay: -1}
	if q.Config().FIFO {
		r.fifoOptions(&o, ref, c)
	}
	if _, _, err := q.Send(now, ref, o); err != nil {
		r.fail(fmt.Errorf("sim: send to %s: %w", q.Name(), err))
		return
	}
	r.startExecution(now, ref)
	r.rec.Sent(now, qi)
	r.aws.sqsSends++
	r.poll(now)
	r.stepOrch(now)
}

// fifoOptions sets a FIFO send's message group (the request's, by its arrival) and a
// deduplication ID of its own: every send is a new message, a worker's re-queue too.
func (r *runner) fifoOptions(o *model.SendOptions, ref uint64, c int) {
	req := r.reqs.get(ref)
	g := r.groups[c]
	if req.group == 0 {
		req.group = int32(req.arrival%uint32(len(g))) + 1
	}
	o.Group = g[req.group-1]
	r.sends++
	o.DedupID = strconv.FormatUint(r.sends, 36)
}

// callDirect is a direct integration: the gateway calls its backend and waits.
func (r *runner) callDirect(now time.Duration, ref uint64, c int) {
	if b := r.p.Backend; b != nil && !b.TryAcquire(now) {
		// A throttled Lambda behind a proxy integration: API Gateway answers 500.
		r.rec.Gateway(now, c, metrics.BackendError)
		r.retryOrEnd(now, ref, 0, metrics.RejectBackend)
		return
	}
	if r.p.Backend != nil {
		r.aws.lambdaInvokes++
	}
	timeout := min(r.p.CallTimeout, r.p.GatewayTimeout)
	rep := r.p.API.Call(now, r.keys[c], timeout, r.rng)
	req := r.reqs.get(ref)
	req.callStart, req.outcome, req.retryAfter, req.admitted = now, rep.Outcome, rep.RetryAfter, rep.Admitted
	r.direct++
	r.k.schedule(now+rep.Latency, evDirectDone, ref)
}

func (r *runner) directDone(now time.Duration, ref uint64) {
	r.direct--
	req := r.reqs.get(ref)
	if b := r.p.Backend; b != nil {
		b.Release(now)
		r.aws.lambdaTime += now - req.callStart
	}
	r.rec.Call(req.callStart, now-req.callStart, callResult(req.outcome), req.admitted)
	if req.outcome == model.CallOK {
		r.complete(now, ref)
		return
	}
	r.rec.Gateway(now, int(req.client), metrics.BackendError)
	r.retryOrEnd(now, ref, req.retryAfter, metrics.FailDownstream)
}

func callResult(o model.CallOutcome) metrics.Call {
	switch o {
	case model.CallOK:
		return metrics.CallOK
	case model.CallThrottled:
		return metrics.Call429
	case model.CallTimeout:
		return metrics.CallTimeout
	case model.CallReset:
		return metrics.CallReset
	default:
		return metrics.Call5xx
	}
}

// poll lets the consumer pattern start work, and makes sure it is polled again when a message
// becomes visible. While a wake-up is pending it is not recomputed: delays and visibility
// timeouts only ever add instants later than those already pending, a wake-up that finds
// nothing to do recomputes the next one, and whatever makes a message visible at once (a
// send, a visibility change to 0) polls right away.
func (r *runner) poll(now time.Duration) {
	pat := r.p.Pattern
	if pat == nil {
		return
	}
	pat.Poll(now, r.startFn)
	r.peak = max(r.peak, pat.InUse())
	if r.wakeAt > now {
		return
	}
	if at, ok := pat.NextWake(now); ok {
		r.wakeAt = at
		r.k.schedule(at, evWake, 0)
	}
}

func (r *runner) startBatch(slot, q int, msgs []model.Message) {
	now := r.k.now
	w := &r.workers[slot]
	w.q, w.msgs, w.i, w.recvAt = q, msgs, 0, now
	r.rec.Received(now, q, len(msgs))
	r.aws.sqsReceives++
	r.aws.lambdaInvokes++
	r.callNext(now, slot)
}

// callNext has the worker in slot call the API for its next message, or finish its batch.
func (r *runner) callNext(now time.Duration, slot int) {
	w := &r.workers[slot]
	for ; w.i < len(w.msgs); w.i++ {
		m, q, at := w.msgs[w.i], w.q, w.recvAt
		if !r.plain {
			if m2, q2, deferred := r.p.Pattern.Before(now, slot, q, m); deferred {
				r.rec.Deferred(now, q)
				r.rec.Received(now, q2, 1)
				m, q, at = m2, q2, now
			}
		}
		req := r.reqs.get(m.Body)
		if req == nil {
			// A second delivery of a message whose request already ended.
			r.stale(now, q, m)
			continue
		}
		if !r.heartbeat(now, m.Body) {
			// Its execution timed out while the message waited: the worker's callback would
			// be refused (TaskTimedOut), so the work is dropped.
			r.stale(now, q, m)
			continue
		}
		w.cur, w.curQ, w.curAt = m, q, at
		w.start = now
		w.reply = r.p.API.Call(now, r.keys[req.client], r.p.CallTimeout, r.rng)
		r.k.schedule(now+w.reply.Latency, evCallDone, uint64(slot))
		return
	}
	r.p.Pattern.Finish(now, slot)
	r.aws.lambdaTime += now - w.recvAt
	r.poll(now)
}

func (r *runner) callDone(now time.Duration, slot int) {
	w := &r.workers[slot]
	m := w.cur
	rep := w.reply
	r.rec.Call(w.start, now-w.start, callResult(rep.Outcome), rep.Admitted)
	ok := rep.Outcome == model.CallOK
	if r.p.Pattern.Outcome(now, slot, m, ok) == model.Delete {
		r.deleteDone(now, w, m, ok)
	}
	w.i++
	r.callNext(now, slot)
}

// deleteDone deletes a finished message and ends its request.
func (r *runner) deleteDone(now time.Duration, w *worker, m model.Message, ok bool) {
	req := r.reqs.get(m.Body)
	if req == nil {
		r.rec.Duplicate(now)
		return
	}
	r.aws.sqsDeletes++
	if err := r.p.Queues[w.curQ].Delete(now, m.Receipt); err != nil {
		// The receipt went stale (the visibility timeout ran out during the call): the message
		// will be delivered again, and that delivery finds its request ended.
		_ = err
	}
	r.rec.Deleted(now, w.curQ, int(req.client), w.curAt-m.SentAt)
	if ok {
		r.complete(now, m.Body)
		return
	}
	r.endReq(now, m.Body, metrics.FailDownstream)
}
