package live

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// stateMirror writes the orchestrator's state through to its state store (memory, or a
// DynamoDB table with consumer.state: dynamodb): a conditional ADD on each quota tier's
// counter for every invoke, and the breaker's record when it opens or closes. It is the
// engine's State port. The model's in-memory state decides, as the orchestrator's local copy
// does in seed 002; the store sees what the orchestrator would write, so its calls, latency
// and conditional updates are exercised and counted. Writes go through a queue served by one
// goroutine, off the loop; a store that fails ends the run with a clear error.
type stateMirror struct {
	l       *loop
	store   StateStore
	tiers   []QuotaKey // each tier's limit and period (Name: unused, Expires: the period)
	per     []time.Duration
	ops     chan func(context.Context) error
	refused atomic.Int64 // quota takes the store refused
	dropped atomic.Int64 // writes dropped because the queue was full
	timeout time.Duration
}

// setupState opens the orchestrator's state store: DynamoDB with consumer.state dynamodb
// and an endpoint, else memory.
func (r *runner) setupState(ctx context.Context, prefix string) error {
	m := r.state
	if m == nil {
		return nil
	}
	m.l, m.store, m.timeout = r.l, NewMemoryStore(), r.backendTimeout()
	m.ops = make(chan func(context.Context) error, 4096)
	for _, q := range r.sc.Consumer.Quotas {
		m.tiers = append(m.tiers, QuotaKey{Limit: q.Limit})
		m.per = append(m.per, q.Per.D())
	}
	if r.sc.Consumer.State == "dynamodb" && r.dynamoEndpoint() != "" {
		client, err := NewDynamoClient(ctx, r.dynamoEndpoint(), r.opts.Region)
		if err != nil {
			return err
		}
		if m.store, err = NewDynamoStore(ctx, client, prefix+"state"); err != nil {
			return fmt.Errorf("orchestrator state: %w", err)
		}
	}
	return nil
}

// serve runs the queued writes until ctx ends; a failed write is posted to the loop as the
// run's failure.
func (m *stateMirror) serve(ctx context.Context, fail func(error)) {
	for {
		select {
		case op := <-m.ops:
			octx, cancel := context.WithTimeout(ctx, m.timeout)
			err := op(octx)
			cancel()
			if err != nil && ctx.Err() == nil {
				fail(fmt.Errorf("orchestrator state store (DynamoDB): %w", err))
				return
			}
		case <-ctx.Done():
			return
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

// Invoked mirrors one invoke: every quota tier's counter for its current window.
func (m *stateMirror) Invoked(now time.Duration) {
	at := m.l.start.Add(now)
	keys := make([]QuotaKey, len(m.tiers))
	for i, t := range m.tiers {
		start := at.Truncate(m.per[i])
		keys[i] = QuotaKey{Name: tierKey(i, start), Limit: t.Limit, Expires: start.Add(2 * m.per[i])}
	}
	m.enqueue(func(ctx context.Context) error {
		ok, err := m.store.TakeQuota(ctx, keys, 1)
		if err == nil && !ok {
			m.refused.Add(1)
		}
		return err
	})
}

// Breaker mirrors the breaker opening or closing.
func (m *stateMirror) Breaker(now time.Duration, open bool) {
	at := m.l.start.Add(now)
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
