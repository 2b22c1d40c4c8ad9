package model

import (
	"fmt"
	"time"
)

// QueueAPI is what a consumer pattern needs of a queue. *Queue implements it; a live driver may
// put a real SQS queue behind it.
type QueueAPI interface {
	Receive(now time.Duration, max int, visibility time.Duration, buf []Message) []Message
	Delete(now time.Duration, r Receipt) error
	ChangeVisibility(now time.Duration, r Receipt, timeout time.Duration) error
	Counts(now time.Duration) (visible, inFlight, delayed int)
	NextVisible(now time.Duration) (at time.Duration, ok bool)
}

// Action is what a worker does with a message once its downstream call has answered.
type Action uint8

// Worker actions.
const (
	// Delete removes the message: its work is done (or given up on).
	Delete Action = iota
	// Leave leaves the message in flight: it becomes visible again when its visibility timeout
	// runs out, and is received again or dead-lettered at max_receive_count.
	Leave
)

// StartFunc is called by a pattern for each batch it starts: one Lambda execution, in worker
// slot `slot`, processing msgs (received from queue index q) in order. msgs stays valid until
// the driver calls Finish for the slot.
type StartFunc func(slot, q int, msgs []Message)

// Pattern is a consumer pattern: how work leaves the queues. The driver calls Poll whenever
// something may have changed (a message was sent, an execution finished, a wake-up instant
// came), carries out the batches it starts, reports each message's outcome with Outcome, and
// ends executions with Finish.
type Pattern interface {
	Poll(now time.Duration, start StartFunc)
	// Before is asked before the execution in slot handles message m of queue q: it returns
	// the message to handle instead and its queue, and whether m was deferred (left in flight
	// to time out) in its favour.
	Before(now time.Duration, slot, q int, m Message) (Message, int, bool)
	Outcome(now time.Duration, slot int, m Message, ok bool) Action
	Finish(now time.Duration, slot int)
	// NextWake is the earliest instant after now at which Poll could start work that it cannot
	// start now (a delayed or in-flight message becoming visible), if any.
	NextWake(now time.Duration) (time.Duration, bool)
	InUse() int
	Limit() int
}

// ConcurrencyConfig configures the concurrency pattern.
type ConcurrencyConfig struct {
	Concurrency int // reserved concurrency of the function (≥ 1)
	BatchSize   int // messages per invocation, 1..10 (default 1)
	PollerRamp  bool
}

// Concurrency is the pattern of seeds 001 and 003: an SQS event-source mapping invoking a
// Lambda function with reserved concurrency N. Each execution receives up to BatchSize
// messages, processes them in order, and reports partial batch failures: a message whose call
// succeeded is deleted, a failed one is left to become visible again after its visibility
// timeout (ReportBatchItemFailures). With several queues, each has its own mapping sharing the
// function's concurrency; they are served round robin.
//
// Deviation from AWS: the mapping's pollers never receive more batches than the function has
// free concurrency (as when the mapping's MaximumConcurrency equals the reserved concurrency),
// so no message is received and then bounced by a Lambda throttle.
type Concurrency struct {
	queues []QueueAPI
	pool   *Pool
	ramp   *PollerRamp
	batch  int
	slots  [][]Message
	busy   []bool
	free   []int
	rr     int
}

// NewConcurrency returns the pattern over queues.
func NewConcurrency(queues []QueueAPI, cfg ConcurrencyConfig) (*Concurrency, error) {
	if cfg.Concurrency < 1 {
		return nil, fmt.Errorf("concurrency pattern: concurrency must be at least 1, got %d", cfg.Concurrency)
	}
	if len(queues) == 0 {
		return nil, fmt.Errorf("concurrency pattern: no queue to consume")
	}
	b := cfg.BatchSize
	if b == 0 {
		b = 1
	}
	if err := ValidateReceiveMax(b); err != nil {
		return nil, fmt.Errorf("concurrency pattern: batch size: %w", err)
	}
	c := &Concurrency{queues: queues, pool: NewPool(cfg.Concurrency), batch: b}
	if cfg.PollerRamp {
		c.ramp = NewPollerRamp(cfg.Concurrency)
	}
	c.slots = make([][]Message, cfg.Concurrency)
	c.busy = make([]bool, cfg.Concurrency)
	for i := cfg.Concurrency - 1; i >= 0; i-- {
		c.slots[i] = make([]Message, 0, b)
		c.free = append(c.free, i)
	}
	return c, nil
}

// allowed is how many executions may run now.
func (c *Concurrency) allowed(now time.Duration) int {
	if c.ramp == nil {
		return c.pool.Limit()
	}
	backlog := false
	for _, q := range c.queues {
		if v, _, _ := q.Counts(now); v > 0 {
			backlog = true
			break
		}
	}
	return c.ramp.Allowed(now, backlog || c.pool.InUse() > 0)
}

// Poll starts executions while concurrency is free and a queue has visible messages.
func (c *Concurrency) Poll(now time.Duration, start StartFunc) {
	limit := c.allowed(now)
	empty := 0
	for c.pool.InUse() < limit && len(c.free) > 0 && empty < len(c.queues) {
		qi := c.rr
		c.rr = (c.rr + 1) % len(c.queues)
		slot := c.free[len(c.free)-1]
		msgs := c.queues[qi].Receive(now, c.batch, 0, c.slots[slot][:0])
		if len(msgs) == 0 {
			empty++
			continue
		}
		empty = 0
		c.free = c.free[:len(c.free)-1]
		c.slots[slot] = msgs
		c.busy[slot] = true
		c.pool.TryAcquire(now)
		start(slot, qi, msgs)
	}
}

// Before handles every message as it comes.
func (c *Concurrency) Before(now time.Duration, slot, q int, m Message) (Message, int, bool) {
	return m, q, false
}

// Outcome deletes a message whose call succeeded and leaves a failed one to time out.
func (c *Concurrency) Outcome(now time.Duration, slot int, m Message, ok bool) Action {
	if ok {
		return Delete
	}
	return Leave
}

// Finish ends the execution in slot.
func (c *Concurrency) Finish(now time.Duration, slot int) {
	if !c.busy[slot] {
		panic(fmt.Sprintf("concurrency pattern: slot %d finished twice", slot))
	}
	c.busy[slot] = false
	c.pool.Release(now)
	c.free = append(c.free, slot)
}

// NextWake is the earliest instant a queue gets a visible message, when work could start.
func (c *Concurrency) NextWake(now time.Duration) (time.Duration, bool) {
	if len(c.free) == 0 {
		return 0, false
	}
	var at time.Duration
	found := false
	for _, q := range c.queues {
		if t, ok := q.NextVisible(now); ok && (!found || t < at) {
			at, found = t, true
		}
	}
	if c.ramp != nil {
		// The ramp may allow more executions at the next minute.
		next := (now/time.Minute + 1) * time.Minute
		if !found || next < at {
			at, found = next, true
		}
	}
	return at, found
}

// InUse is the number of executions running.
func (c *Concurrency) InUse() int { return c.pool.InUse() }

// Limit is the function's reserved concurrency.
func (c *Concurrency) Limit() int { return c.pool.Limit() }
