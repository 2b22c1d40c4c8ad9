package live

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
)

// stateMirror writes the orchestrator's state through to its state store (memory, or a
// DynamoDB table with consumer.state: dynamodb): a conditional ADD on each quota tier's
// counter for every invoke, and the breaker's record when it opens or closes. The model's
// in-memory state decides, as the orchestrator's local copy does in seed 002; the store sees
// what the orchestrator would write, so its calls, latency and conditional updates are
// exercised and counted. Writes go through a queue served by one goroutine, off the
// pipeline's lock; a store that fails ends the run with a clear error.
type stateMirror struct {
	store    StateStore
	ops      chan func(context.Context) error
	refused  atomic.Int64 // quota takes the store refused
	dropped  atomic.Int64 // writes dropped because the queue was full
	version  int64
	failures int
}

// setupState opens the orchestrator's state store.
func (r *runner) setupState(ctx context.Context, prefix string) error {
	c := r.sc.Consumer
	if r.p.Orchestrator == nil || c == nil {
		return nil
	}
	store := NewMemoryStore()
	if c.State == "dynamodb" && r.opts.DynamoEndpoint != "" {
		client, err := NewDynamoClient(ctx, r.opts.DynamoEndpoint, r.opts.Region)
		if err != nil {
			return err
		}
		if store, err = NewDynamoStore(ctx, client, prefix+"state"); err != nil {
			return fmt.Errorf("orchestrator state: %w", err)
		}
	}
	r.state = &stateMirror{store: store, ops: make(chan func(context.Context) error, 4096)}
	return nil
}

// serve runs the queued writes until ctx ends, then the ones left.
func (m *stateMirror) serve(ctx context.Context, fail func(error)) {
	run := func(op func(context.Context) error) {
		octx, cancel := context.WithTimeout(context.Background(), BackendCallTimeout)
		defer cancel()
		if err := op(octx); err != nil {
			fail(fmt.Errorf("orchestrator state store: %w", err))
		}
	}
	for {
		select {
		case op := <-m.ops:
			run(op)
		case <-ctx.Done():
			for {
				select {
				case op := <-m.ops:
					run(op)
				default:
					return
				}
			}
		}
	}
}

func (m *stateMirror) enqueue(op func(context.Context) error) {
	select {
	case m.ops <- op:
	default:
		m.dropped.Add(1)
	}
}

// invoked mirrors one invoke: every quota tier's counter for its current window.
func (m *stateMirror) invoked(at time.Time, tiers []metrics.Tier) {
	keys := make([]QuotaKey, len(tiers))
	for i, t := range tiers {
		start := at.Truncate(t.Per)
		keys[i] = QuotaKey{Name: tierKey(i, start), Limit: t.Limit, Expires: start.Add(2 * t.Per)}
	}
	m.enqueue(func(ctx context.Context) error {
		ok, err := m.store.TakeQuota(ctx, keys, 1)
		if err == nil && !ok {
			m.refused.Add(1)
		}
		return err
	})
}

// breaker mirrors the breaker opening or closing.
func (m *stateMirror) breaker(at time.Time, open bool) {
	m.enqueue(func(ctx context.Context) error {
		rec, err := m.store.GetBreaker(ctx)
		if err != nil {
			return err
		}
		rec.Open, rec.Since = open, at
		if open {
			rec.Failures++
		}
		_, err = m.store.PutBreaker(ctx, rec)
		return err
	})
}
