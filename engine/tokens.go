package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// startExecution starts the Step Functions execution of request ref, which waits for its task
// token's callback (seed 000), and makes sure its deadline is watched.
func (e *Engine) startExecution(now time.Duration, ref uint64) {
	t := e.p.Tokens
	if t == nil {
		return
	}
	e.reqs.get(ref).token = t.Start(now, ref)
	e.watchTokens(now)
}

func (e *Engine) watchTokens(now time.Duration) {
	if at, ok := e.p.Tokens.NextDeadline(); ok && (e.tokAt <= now || at < e.tokAt) {
		e.tokAt = at
		e.k.schedule(at, evTokens, 0)
	}
}

// expireTokens times out the executions whose deadline came: States.Timeout ends the request
// as failed; its message, still queued, is dropped when a worker gets to it.
func (e *Engine) expireTokens(now time.Duration) {
	e.p.Tokens.Expire(now, func(tok model.Token, ref uint64, started time.Duration) {
		if e.reqs.get(ref) != nil {
			e.endReq(now, ref, metrics.FailTaskTimeout)
		}
	})
	e.watchTokens(now)
}

// heartbeat sends the worker's SendTaskHeartbeat as it takes the message of ref; false when
// the execution has already timed out (its work is dropped).
func (e *Engine) heartbeat(now time.Duration, ref uint64) bool {
	t := e.p.Tokens
	if t == nil || t.Config().Heartbeat == 0 {
		return true
	}
	if err := t.Heartbeat(now, e.reqs.get(ref).token); err != nil {
		e.expireTokens(now)
		return e.reqs.get(ref) != nil
	}
	e.watchTokens(now)
	return true
}

func (e *Engine) tokenStats() {
	for k, v := range e.p.TokenMetrics() {
		e.rec.Set(k, v)
	}
}
