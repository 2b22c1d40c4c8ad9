package live

import (
	"context"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// watchTokens times out, as they come due, the Step Functions executions whose callback
// never came (States.Timeout): their requests end as failed.
func (r *runner) watchTokens(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.expireTokens()
		}
	}
}

// expireTokens ends the requests whose execution's deadline has passed.
func (r *runner) expireTokens() {
	var refs []uint64
	r.mu.Lock()
	now := r.now()
	r.p.Tokens.Expire(now, func(tok model.Token, ref uint64, started time.Duration) {
		refs = append(refs, ref)
	})
	r.mu.Unlock()
	for _, ref := range refs {
		r.endRef(now, ref, metrics.FailTaskTimeout)
	}
}

// heartbeat is the worker's SendTaskHeartbeat as it takes k's message; false when the
// execution has already timed out (its work is dropped).
func (r *runner) heartbeat(k reqKey) bool {
	t := r.p.Tokens
	if t == nil || t.Config().Heartbeat == 0 {
		return true
	}
	r.tab.mu.Lock()
	tok := r.tab.m[k].token
	r.tab.mu.Unlock()
	r.mu.Lock()
	err := t.Heartbeat(r.now(), tok)
	r.mu.Unlock()
	if err != nil {
		r.expireTokens()
		return false
	}
	return true
}
