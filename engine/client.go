package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// NetJitter bounds the delay between an in-process client sending an attempt and the gateway
// seeing it: uniform in [0, NetJitter). On a real network (and in a live run: vegeta's pacing
// tick and a loopback hop) it is never zero and never constant; without it, an exactly
// periodic client and an exactly periodic token refill fall into lock step, and the same
// first attempts win every token while retries always lose.
const NetJitter = time.Millisecond

func (e *Engine) netDelay() time.Duration { return time.Duration(e.net.Int64N(int64(NetJitter))) }

// Arrive is a first attempt of client c, the seq-th of its arrivals (counting from 0),
// reaching the engine from a client outside it: it returns the new request's reference,
// which the client's later attempts carry. Its first attempt then reaches the gateway
// through AtGateway (or fails on its way: Answered). In an external run (Options.External)
// now is when the attempt was sent, and Heard for attempt 1 follows at once: a client
// reports a first attempt with its answer.
func (e *Engine) Arrive(now time.Duration, c int, seq uint64) uint64 {
	if e.external {
		return e.arriveExternal(now, c, seq)
	}
	e.advance(max(now, e.k.now))
	ref := e.reqs.alloc()
	req := e.reqs.get(ref)
	req.first, req.client, req.attempt, req.arrival = e.k.now, int32(c), 1, uint32(seq)
	req.state, req.cause = stAttempt, metrics.RejectBackend // until the gateway says otherwise
	return ref
}

// AtGateway is attempt n of request ref reaching the gateway from a client outside the
// engine; the answer goes to the client port with handle h. It reports false, answering
// nothing, when the request is not live or the attempt is not the one the client is on
// (the caller answers it as a stray).
func (e *Engine) AtGateway(now time.Duration, ref uint64, n int, h uint64) bool {
	req := e.reqs.get(ref)
	if req == nil || int(req.attempt) != n || req.seen >= int32(n) {
		return false
	}
	e.advance(max(now, e.k.now))
	e.atGateway(e.k.now, ref, h)
	return true
}

// atGateway is an attempt of request ref at the gateway: the gateway decides, then the
// integration enqueues or calls the backend.
func (e *Engine) atGateway(now time.Duration, ref uint64, h uint64) {
	req := e.reqs.get(ref)
	c := int(req.client)
	req.seen = req.attempt
	first := req.attempt == 1
	if gw := e.p.Gateway; gw != nil {
		d := gw.DecideFor(now, e.callers[c])
		if d.Outcome != model.Admitted {
			g, why := pipeline.GatewayRefusal(d.Outcome)
			e.rec.Attempted(now, c, first, g)
			e.answer(now, ref, h, Answer{Kind: Refused, Decision: d}, why, gw.ClientRetryAfter(d))
			return
		}
	}
	e.rec.Attempted(now, c, first, metrics.Admitted)
	if e.p.Integration == "queue" {
		e.enqueue(now, ref, c, h)
		return
	}
	e.callDirect(now, ref, c, h)
}

// answer gives the client of request ref the gateway's answer a. An in-process client sees
// it at once: after a refusal or a failure it retries or gives up (with reason why, waiting
// at least retryAfter if its policy honours it). A client outside hears it through the port,
// and its view comes back through Answered.
func (e *Engine) answer(now time.Duration, ref, h uint64, a Answer, why metrics.Reason, retryAfter time.Duration) {
	failed := a.Kind == Refused || a.Kind == BackendFailed
	if e.ports.Client == nil {
		if failed {
			e.retryOrEnd(now, ref, retryAfter, why)
		}
		return
	}
	if req := e.reqs.get(ref); req != nil && failed {
		req.cause = why
		req.state = stAttempt // until its client has heard the answer
	}
	e.ports.Client.Answer(h, a)
}

// Answered is what the client of request ref made of attempt n's answer: an HTTP status (0:
// no answer at all, a transport error) and the Retry-After it carried. After a 2xx there is
// nothing to do (the request lives on in a queue, or has completed); otherwise the client
// retries or gives up, for the reason the gateway gave (a request the gateway never saw
// failed in the load generator itself).
func (e *Engine) Answered(now time.Duration, ref uint64, n, status int, retryAfter time.Duration) {
	if e.external {
		e.Heard(now, ref, n, Heard{Sent: now, Status: status, RetryAfter: retryAfter})
		return
	}
	e.advance(max(now, e.k.now))
	now = e.k.now
	req := e.reqs.get(ref)
	if req == nil || int(req.attempt) != n || req.state == stRetry {
		return // it ended meanwhile (completed by its direct integration, timed out), or a stray
	}
	if status/100 == 2 {
		return
	}
	why := req.cause
	if req.seen < req.attempt {
		// The attempt never reached the gateway: the load generator could not make it.
		e.rec.Attempted(now, int(req.client), req.attempt == 1, metrics.LoadError)
		req.seen = req.attempt
		why = metrics.RejectLoadError
	} else if status == 0 && req.state != stAttempt {
		// The client stopped waiting (its timeout) while the gateway still works on the
		// attempt: the request is the gateway's until that ends.
		return
	}
	e.retryOrEnd(now, ref, retryAfter, why)
}

// retryOrEnd lets the client retry after a failed attempt, or give up with reason why.
func (e *Engine) retryOrEnd(now time.Duration, ref uint64, retryAfter time.Duration, why metrics.Reason) {
	req := e.reqs.get(ref)
	wait, ok := e.p.Clients[req.client].Retry.Next(int(req.attempt), req.prev, retryAfter, e.rng)
	if !ok {
		e.endReq(now, ref, why)
		return
	}
	req.attempt++
	req.prev = wait
	req.state = stRetry
	if e.ports.Client == nil {
		wait += e.netDelay()
	}
	e.k.schedule(now+wait, evRetry, ref)
}

// retry is a client's retry coming due.
func (e *Engine) retry(now time.Duration, ref uint64) {
	req := e.reqs.get(ref)
	if req == nil {
		return // ended while it waited (a direct call its client had stopped waiting for)
	}
	if e.ports.Client == nil {
		e.atGateway(now, ref, 0)
		return
	}
	req.state = stAttempt
	e.ports.Client.Retry(ref, int(req.client), int(req.attempt))
}

// endReq ends request ref without completing it, for reason why.
func (e *Engine) endReq(now time.Duration, ref uint64, why metrics.Reason) {
	req := e.reqs.get(ref)
	if t := e.p.Tokens; t != nil && why != metrics.FailTaskTimeout && req.token != 0 {
		_, _ = t.Fail(now, req.token) // SendTaskFailure
	}
	e.rec.Ended(now, int(req.client), why)
	e.reqs.release(ref)
}

// complete ends request ref as completed: its downstream call succeeded.
func (e *Engine) complete(now time.Duration, ref uint64) {
	req := e.reqs.get(ref)
	e2e := now - req.first
	if t := e.p.Tokens; t != nil && req.token != 0 {
		// SendTaskSuccess: end to end is from the execution's start to its callback. A
		// callback at or after the deadline is refused (TaskTimedOut): the execution failed.
		_, started, err := t.Succeed(now, req.token)
		if err != nil {
			e.expireTokens(now)
			return
		}
		e2e = now - started
	}
	e.checkOrder(now, req)
	e.rec.Completed(now, int(req.client), e2e)
	e.reqs.release(ref)
}

// checkOrder counts a FIFO request completed after a later one of its message group: order
// holds within a group unless a message was re-queued (seed 002's "almost guaranteed").
func (e *Engine) checkOrder(now time.Duration, req *request) {
	if req.group == 0 {
		return
	}
	k := groupKey{client: req.client, group: req.group}
	if last, ok := e.lastDone[k]; ok && req.first < last {
		e.rec.OrderBroken(now)
		return
	}
	e.lastDone[k] = req.first
}
