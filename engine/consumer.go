package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// worker is one Lambda execution slot of the consumer pattern.
type worker struct {
	q      int             // the queue its batch came from
	msgs   []model.Message // the batch
	i      int             // the message it is on
	recvAt time.Duration   // when the batch was received
	cur    model.Message   // the message it handles: msgs[i], or a higher one taken instead
	curQ   int
	curAt  time.Duration // when cur was received
	reply  model.Reply
}

// poll lets the consumer pattern start work, and makes sure it is polled again when a message
// becomes visible. While a wake-up is pending it is not recomputed: delays and visibility
// timeouts only ever add instants later than those already pending, a wake-up that finds
// nothing to do recomputes the next one, and whatever makes a message visible at once (a
// send, a visibility change to 0) polls right away.
func (e *Engine) poll(now time.Duration) {
	pat := e.p.Pattern
	if pat == nil {
		return
	}
	pat.Poll(now, e.startFn)
	e.peak = max(e.peak, pat.InUse())
	if e.wakeAt > now {
		return
	}
	if at, ok := pat.NextWake(now); ok {
		e.wakeAt = at
		e.k.schedule(at, evWake, 0)
	}
}

// Poll lets the consumer look for work now: a driver calls it when messages may have
// arrived that the engine did not send itself (a remote queue's receive came back).
func (e *Engine) Poll(now time.Duration) {
	e.advance(max(now, e.k.now))
	e.poll(e.k.now)
	e.stepOrch(e.k.now)
}

func (e *Engine) startBatch(slot, q int, msgs []model.Message) {
	now := e.k.now
	w := &e.workers[slot]
	w.q, w.msgs, w.i, w.recvAt = q, msgs, 0, now
	e.rec.Received(now, q, len(msgs))
	e.aws.sqsReceives++
	e.aws.lambdaInvokes++
	e.callNext(now, slot)
}

// callNext has the worker in slot call the API for its next message, or finish its batch.
func (e *Engine) callNext(now time.Duration, slot int) {
	w := &e.workers[slot]
	for ; w.i < len(w.msgs); w.i++ {
		m, q, at := w.msgs[w.i], w.q, w.recvAt
		if !e.plain {
			if m2, q2, deferred := e.p.Pattern.Before(now, slot, q, m); deferred {
				e.rec.Deferred(now, q)
				e.rec.Received(now, q2, 1)
				m, q, at = m2, q2, now
			}
		}
		req := e.reqs.get(m.Body)
		if req == nil {
			// A second delivery of a message whose request already ended.
			e.dropStale(now, q, m)
			continue
		}
		if !e.heartbeat(now, m.Body) {
			// Its execution timed out while the message waited: the worker's callback would
			// be refused (TaskTimedOut), so the work is dropped.
			e.dropStale(now, q, m)
			continue
		}
		w.cur, w.curQ, w.curAt = m, q, at
		e.call(now, tag(evCallDone, uint64(slot)), e.keys[req.client], e.p.CallTimeout)
		return
	}
	e.p.Pattern.Finish(now, slot)
	e.aws.lambdaTime += now - w.recvAt
	e.poll(now)
}

// callDone is the worker in slot hearing its call's answer: the pattern says whether the
// message is deleted (the request completes, or fails for good) or left to come back.
func (e *Engine) callDone(now time.Duration, slot int, rep model.Reply) {
	w := &e.workers[slot]
	m := w.cur
	e.rec.Call(now-rep.Latency, rep.Latency, callResult(rep.Outcome), rep.Admitted)
	ok := rep.Outcome == model.CallOK
	if e.p.Pattern.Outcome(now, slot, m, ok) == model.Delete {
		e.deleteDone(now, w, m, ok)
	}
	w.i++
	e.callNext(now, slot)
}

// deleteDone deletes a finished message and ends its request. A request that ended while
// its message was being worked on (its execution timed out) leaves a message whose work is
// done all the same: the worker deletes it, as the function reports it processed.
func (e *Engine) deleteDone(now time.Duration, w *worker, m model.Message, ok bool) {
	e.aws.sqsDeletes++
	// A receipt gone stale (the visibility timeout ran out during the call) deletes
	// nothing: the message is delivered again, and that delivery finds its request ended.
	e.delete(now, w.curQ, m.Receipt)
	req := e.reqs.get(m.Body)
	if req == nil {
		e.rec.Duplicate(now)
		return
	}
	e.rec.Deleted(now, w.curQ, int(req.client), w.curAt-m.SentAt)
	if ok {
		e.complete(now, m.Body)
		return
	}
	e.endReq(now, m.Body, metrics.FailDownstream)
}

// dropStale deletes a message whose request already ended: a second delivery, or the work
// of an execution that timed out.
func (e *Engine) dropStale(now time.Duration, q int, m model.Message) {
	e.rec.Duplicate(now)
	e.delete(now, q, m.Receipt)
	e.aws.sqsDeletes++
}
