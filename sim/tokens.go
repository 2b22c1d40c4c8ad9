package sim

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// startExecution starts the Step Functions execution of request ref, which waits for its task
// token's callback (seed 000), and makes sure its deadline is watched.
func (r *runner) startExecution(now time.Duration, ref uint64) {
	t := r.p.Tokens
	if t == nil {
		return
	}
	req := r.reqs.get(ref)
	req.token = t.Start(now, ref)
	req.execStart = now
	r.watchTokens(now)
}

func (r *runner) watchTokens(now time.Duration) {
	if at, ok := r.p.Tokens.NextDeadline(); ok && (r.tokAt <= now || at < r.tokAt) {
		r.tokAt = at
		r.k.schedule(at, evTokens, 0)
	}
}

// expireTokens times out the executions whose deadline came: States.Timeout ends the request
// as failed; its message, still queued, is dropped when a worker gets to it.
func (r *runner) expireTokens(now time.Duration) {
	r.p.Tokens.Expire(now, func(tok model.Token, ref uint64, started time.Duration) {
		if r.reqs.get(ref) != nil {
			r.endReq(now, ref, metrics.FailTaskTimeout)
		}
	})
	r.watchTokens(now)
}

// heartbeat sends the worker's SendTaskHeartbeat as it takes the message of ref; false when
// the execution has already timed out.
func (r *runner) heartbeat(now time.Duration, ref uint64) bool {
	t := r.p.Tokens
	if t == nil || t.Config().Heartbeat == 0 {
		return true
	}
	if err := t.Heartbeat(now, r.reqs.get(ref).token); err != nil {
		r.expireTokens(now)
		return r.reqs.get(ref) != nil
	}
	r.watchTokens(now)
	return true
}

// stale deletes a message whose request already ended: a second delivery, or the work of an
// execution that timed out.
func (r *runner) stale(now time.Duration, q int, m model.Message) {
	r.rec.Duplicate(now)
	_ = r.p.Queues[q].Delete(now, m.Receipt)
	r.aws.sqsDeletes++
}

func (r *runner) tokenStats() {
	for k, v := range r.p.TokenMetrics() {
		r.rec.Set(k, v)
	}
}
