package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// An external run (Options.External) sends the clients' attempts to a target outside the
// engine: a real endpoint (a staging API Gateway stage, the user's service) stands where the
// scenario's gateway, queues, consumer and downstream API would be. Nothing reaches a
// gateway the engine owns; the client port reports each request's first attempt (Arrive) and
// what its client heard for each attempt (Heard, or Answered), and the engine keeps the
// ledger: a 2xx completes the request, end to end from its first attempt; anything else goes
// through the client's retry policy, and when that gives up the request is rejected for the
// reason the status gives.
//
// A driver builds an external run's engine from a scenario without the sections the target
// replaces (see ForTarget): the census then holds only the clients' own states — attempts
// awaiting their answer and retries waiting their turn.

// Heard is what a client outside the engine heard from an external target for one attempt.
type Heard struct {
	// Sent is when the client sent the attempt, in run time: its attempt and, for a first
	// attempt, its offer are counted in that second (the answer comes later).
	Sent time.Duration
	// Status is the HTTP status; 0 when there was no answer (a transport error or the
	// client's timeout).
	Status int
	// RetryAfter is the answer's Retry-After; 0 when absent.
	RetryAfter time.Duration
	// QuotaExceeded says a 429 was API Gateway's usage-plan quota
	// (x-amzn-ErrorType: LimitExceededException) rather than its throttle.
	QuotaExceeded bool
	// TargetFailed says that no answer (Status 0) was the target's doing — a refused or
	// reset connection, no answer within the client's timeout — rather than the client's
	// own failure to make the attempt (file descriptors, ephemeral ports): a backend error,
	// not a load error.
	TargetFailed bool
}

// HTTP statuses the ledger tells apart (the engine knows no HTTP beyond these numbers).
const (
	statusForbidden       = 403
	statusTooManyRequests = 429
)

// outcome classifies an answer as the ledger counts a gateway's: 2xx admitted; 429 throttled
// (or quota exceeded); 403 forbidden; any other status a backend error (5xx, and 4xx a
// target gives for a request it will not serve), and so is no answer through the target's
// fault; no answer through the client's own is a load error.
func (h Heard) outcome() (metrics.Gateway, metrics.Reason) {
	switch s := h.Status; {
	case s/100 == 2:
		return metrics.Admitted, 0
	case s == statusTooManyRequests && h.QuotaExceeded:
		return metrics.QuotaExceeded, metrics.RejectQuota
	case s == statusTooManyRequests:
		return metrics.Throttled, metrics.RejectThrottled
	case s == statusForbidden:
		return metrics.Forbidden, metrics.RejectForbidden
	case s == 0 && !h.TargetFailed:
		return metrics.LoadError, metrics.RejectLoadError
	default:
		return metrics.BackendError, metrics.RejectBackend
	}
}

// arriveExternal is a first attempt of client c sent at instant sent (which may be before
// the engine's now: the client reports it with its answer).
func (e *Engine) arriveExternal(sent time.Duration, c int, seq uint64) uint64 {
	ref := e.reqs.alloc()
	req := e.reqs.get(ref)
	req.first, req.client, req.attempt, req.arrival = sent, int32(c), 1, uint32(seq)
	req.state = stAttempt
	return ref
}

// Heard is what the client of request ref heard for attempt n from an external target
// (Options.External). A request that has ended, or an attempt other than the one its client
// is on, is a stray and changes nothing.
func (e *Engine) Heard(now time.Duration, ref uint64, n int, h Heard) {
	e.advance(max(now, e.k.now))
	now = e.k.now
	req := e.reqs.get(ref)
	if req == nil || int(req.attempt) != n || req.seen >= int32(n) || req.state != stAttempt {
		return
	}
	req.seen = int32(n)
	g, why := h.outcome()
	sent := min(h.Sent, now)
	if n == 1 {
		sent = min(req.first, now)
	}
	e.rec.Attempted(sent, int(req.client), n == 1, g)
	if g == metrics.Admitted {
		e.complete(now, ref)
		return
	}
	e.retryOrEnd(now, ref, h.RetryAfter, why)
}

// ForTarget is sc as an external run's engine needs it: the clients and their traffic, with
// neither the gateway, queues, consumer and downstream API that the target replaces nor
// variants. sc itself is not changed; its sections remain the model a simulation of the
// same scenario uses.
func ForTarget(sc *scenarios.Scenario) *scenarios.Scenario {
	t := *sc
	t.Gateway, t.Queues, t.Consumer, t.Downstream, t.Variants = nil, nil, nil, nil, nil
	return &t
}
