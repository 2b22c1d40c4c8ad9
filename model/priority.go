package model

import (
	"fmt"
	"time"
)

// PriorityConfig configures the priority pattern.
type PriorityConfig struct {
	Concurrency int
	BatchSize   int
	// Order lists queue indexes from the highest priority down (high, normal, batch).
	Order []int
	// MaxReceive is each queue's max_receive_count (by queue index; 0: no redrive).
	MaxReceive []int
}

// Priority is seed 000's pattern: one Lambda function with reserved concurrency N consumes
// several queues (HIGH, NORMAL, BATCH) through their event-source mappings, which deliver
// whatever is visible, round robin as Concurrency does. The priority logic is inside the
// function: about to handle a message, a worker first checks each higher queue (one
// ReceiveMessage each, highest first); if one has a message, the worker handles that one
// instead and leaves the lower message in flight, to come back when its visibility timeout
// runs out (counted as deferred). A message already received max_receive_count times is
// handled without checking — processed rather than dead-lettered, the seed's "no DLQ
// clogging".
//
// Each deferral costs the lower message a whole visibility timeout and a receive. Our
// standard queue puts a message whose visibility timeout ran out at the back of the queue
// (real SQS gives no order, and a message received several times may well come back behind
// newer ones), so a deferred message also loses its place: under sustained high-priority
// load, lower messages reach max_receive_count and are then forced through.
type Priority struct {
	*Concurrency
	order      []int
	rank       []int // rank[q]: position of queue q in order
	maxReceive []int
	buf        []Message
	deferred   int64
	checks     int64
}

// NewPriority returns the pattern over queues.
func NewPriority(queues []QueueAPI, cfg PriorityConfig) (*Priority, error) {
	c, err := NewConcurrency(queues, ConcurrencyConfig{Concurrency: cfg.Concurrency, BatchSize: cfg.BatchSize})
	if err != nil {
		return nil, fmt.Errorf("priority pattern: %w", err)
	}
	p := &Priority{Concurrency: c, order: cfg.Order, rank: make([]int, len(queues)),
		maxReceive: make([]int, len(queues)), buf: make([]Message, 0, 1)}
	copy(p.maxReceive, cfg.MaxReceive)
	for i := range p.rank {
		p.rank[i] = len(queues) // queues outside the order rank lowest
	}
	for r, q := range cfg.Order {
		if q < 0 || q >= len(queues) {
			return nil, fmt.Errorf("priority pattern: order names queue %d of %d", q, len(queues))
		}
		p.rank[q] = r
	}
	return p, nil
}

// Before checks the queues above q, highest first, and takes the first message found there,
// deferring m; a message at its max receive count is handled as it is.
func (p *Priority) Before(now time.Duration, slot, q int, m Message) (Message, int, bool) {
	if mr := p.maxReceive[q]; mr > 0 && m.ReceiveCount >= mr {
		return m, q, false
	}
	for _, h := range p.order {
		if p.rank[h] >= p.rank[q] {
			break
		}
		p.checks++
		if got := p.queues[h].Receive(now, 1, 0, p.buf[:0]); len(got) > 0 {
			p.deferred++
			return got[0], h, true
		}
	}
	return m, q, false
}

// Checks is how many ReceiveMessage calls workers made on higher queues.
func (p *Priority) Checks() int64 { return p.checks }

// Deferred is how many messages were left to time out in favour of higher ones.
func (p *Priority) Deferred() int64 { return p.deferred }
