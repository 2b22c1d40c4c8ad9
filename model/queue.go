package model

import (
	"errors"
	"fmt"
	"time"
)

// Limits and defaults of Amazon SQS that the queue model applies.
const (
	QueueDefaultVisibility = 30 * time.Second    // VisibilityTimeout when none is set
	QueueMaxVisibility     = 12 * time.Hour      // longest visibility timeout, counted from the receive
	QueueMaxDelay          = 15 * time.Minute    // longest delivery delay (DelaySeconds 900)
	QueueDefaultRetention  = 96 * time.Hour      // MessageRetentionPeriod when none is set (4 days)
	QueueMinRetention      = time.Minute         // shortest retention AWS accepts
	QueueMaxRetention      = 14 * 24 * time.Hour // longest retention AWS accepts
	QueueDedupWindow       = 5 * time.Minute     // FIFO deduplication interval
	QueueMaxBatch          = 10                  // MaxNumberOfMessages upper bound

	// QueueDefaultDelay as SendOptions.Delay means "the queue's own delay".
	QueueDefaultDelay time.Duration = -1
)

// Errors returned by Queue. Callers branch on them with errors.Is.
var (
	// ErrReceiptInvalid: the receipt was never issued by this queue (ReceiptHandleIsInvalid).
	ErrReceiptInvalid = errors.New("receipt handle is invalid")
	// ErrReceiptExpired: the receipt no longer names a message it can act on: the message was
	// deleted, dead-lettered or expired, received again since (a newer receipt exists), or,
	// on a FIFO queue, its visibility timeout ran out.
	ErrReceiptExpired = errors.New("receipt handle has expired")
	// ErrNotInFlight: ChangeVisibility on a standard-queue message that is visible again.
	ErrNotInFlight = errors.New("message is not in flight")
	// ErrVisibilityRange: a visibility timeout outside 0..12h, or one that would keep the
	// message in flight more than 12h after its receive.
	ErrVisibilityRange = errors.New("visibility timeout out of range")
	// ErrDelayRange: a delay outside 0..15m.
	ErrDelayRange = errors.New("delay out of range")
	// ErrGroupRequired: a send to a FIFO queue without a message group.
	ErrGroupRequired = errors.New("fifo queue needs a message group id")
	// ErrDedupRequired: a send to a FIFO queue without a deduplication id, the queue not
	// having content-based deduplication.
	ErrDedupRequired = errors.New("fifo queue needs a deduplication id or content-based deduplication")
	// ErrFIFOMessageDelay: a per-message delay on a FIFO queue (AWS allows only the queue's).
	ErrFIFOMessageDelay = errors.New("fifo queue takes no per-message delay")
	// ErrReceiveMax: a MaxNumberOfMessages outside 1..10 (see ValidateReceiveMax).
	ErrReceiveMax = errors.New("max number of messages must be 1..10")
)

// QueueConfig describes one queue. The zero value, given a Name, is a standard queue with
// AWS's defaults: 30 s visibility timeout, no delay, 4 days retention, no redrive.
type QueueConfig struct {
	Name string
	// VisibilityTimeout is how long a received message stays hidden: 0 means the default
	// 30 s, a negative value means a timeout of zero; at most 12h.
	VisibilityTimeout time.Duration
	// MaxReceiveCount is the redrive policy's maxReceiveCount: a message already received
	// this many times is moved to DeadLetter instead of being received again. 0 = no redrive.
	MaxReceiveCount int
	// FIFO makes a FIFO queue: message groups, ordering, deduplication (see queue_fifo.go).
	FIFO bool
	// ContentDedup is ContentBasedDeduplication (FIFO only): the Body is the dedup key.
	ContentDedup bool
	// Delay is DelaySeconds, the queue's delivery delay, 0..15m.
	Delay time.Duration
	// Retention is MessageRetentionPeriod: 0 means the default 96h; else 1m..14d.
	Retention time.Duration
	// DeadLetter receives redriven messages; it must be of the same type (FIFO or not).
	// With MaxReceiveCount > 0 and no DeadLetter the message is discarded after the
	// DeadLettered hook, as if moved to a dead-letter queue nobody reads.
	DeadLetter *Queue
}

// Receipt identifies one receive of one message (SQS's receipt handle). The zero Receipt
// is never issued.
type Receipt uint64

// Message is what Receive returns and what hooks observe: a copy, not a handle.
type Message struct {
	ID              uint64        // MessageId: unique among this queue's sends; kept when dead-lettered
	Body            uint64        // opaque payload: the driver's request reference
	Group           string        // MessageGroupId ("" on a standard queue without one)
	SentAt          time.Duration // SentTimestamp; a FIFO dead-letter queue resets it on arrival
	FirstReceivedAt time.Duration // ApproximateFirstReceiveTimestamp; 0 while ReceiveCount is 0
	ReceiveCount    int           // ApproximateReceiveCount, this receive included
	Receipt         Receipt       // for Delete and ChangeVisibility; 0 in hooks
}

// SendOptions are SendMessage's optional parameters. The zero value sends at once
// (no delay, even on a delay queue) with no group and no deduplication id.
type SendOptions struct {
	Group   string        // MessageGroupId: required on FIFO queues, informative otherwise
	DedupID string        // MessageDeduplicationId: FIFO only, ignored on standard queues
	Delay   time.Duration // DelaySeconds 0..15m; QueueDefaultDelay (-1) = the queue's Delay
}

// QueueHooks observe messages that leave the queue without being deleted, for the ledger.
// Either may be nil. Hooks run inside the queue's methods and must not call back into
// the same queue (they may call other queues).
type QueueHooks struct {
	// DeadLettered fires when the redrive policy moves m out, at the receive that found it
	// over MaxReceiveCount; m is the message as it was in this queue.
	DeadLettered func(now time.Duration, m Message)
	// Expired fires when retention drops m; now is the instant its retention ran out, or,
	// for a message that was in flight then, the instant its visibility timeout ended.
	Expired func(now time.Duration, m Message)
}

// Queue is an in-memory Amazon SQS queue in explicit time.
//
// Model. A message is delayed (until its delay ends), visible, or in flight (received, until
// it is deleted or its visibility timeout ends, when it is visible again). Standard queues
// deliver visible messages oldest-visible-first: a message whose visibility timeout ends
// goes to the back of the visible set, as if newly sent (AWS promises only best-effort
// ordering; this is the model's choice). FIFO queues are described in queue_fifo.go.
//
// Laziness. Every method first brings the queue up to now: delays that ended make messages
// visible, visibility timeouts that ended return messages, retention drops old messages
// (and fires Expired), all in time order, and things due at the same instant in the order
// they were scheduled (messages received together return together in the order received).
// Redrive is lazy as in SQS: a message over MaxReceiveCount moves to the dead-letter queue
// only when a receive would have returned it. Retention is not: a message is dropped at
// the instant it is Retention old, except that one in flight then is dropped when it
// would become visible again, never under its consumer (SQS documents neither; this is
// the model's choice). All instants are time.Durations since the run began, and must not
// go backwards: an earlier now is taken as the latest instant seen.
//
// Cost. Send, Receive (per message), Delete and ChangeVisibility are O(1) amortised when
// timeouts are added in time order (the usual case) and O(log n) otherwise; none allocates
// once the queue's buffers have grown to the working set, which spans the messages sent
// during the life of the oldest message still in the queue.
//
// The zero value is not usable: build a Queue with NewQueue. It is not safe for
// concurrent use.
type Queue struct {
	cfg        QueueConfig
	hooks      QueueHooks
	visibility time.Duration // default visibility timeout, >= 0

	now      time.Duration // latest instant seen
	nextAt   time.Duration // no timer is due before this instant
	nextID   uint64
	seq      uint64 // arrivals
	timerSeq uint64 // timers set

	slots  []qslot
	free   []uint32
	counts [qStates]int // messages per state

	visible qring[qref] // standard queues: visible messages in delivery order
	age     qring[qref] // every message in arrival order, for OldestAge

	delays, inFlight, retention qlane
	wake, expire                qheap[qtimer]

	fifo *qfifo // nil on a standard queue
}

// NewQueue checks cfg, fills in AWS's defaults and returns an empty queue.
func NewQueue(cfg QueueConfig, hooks QueueHooks) (*Queue, error) {
	if cfg.VisibilityTimeout == 0 {
		cfg.VisibilityTimeout = QueueDefaultVisibility
	}
	if cfg.Retention == 0 {
		cfg.Retention = QueueDefaultRetention
	}
	if err := checkQueueConfig(cfg); err != nil {
		return nil, fmt.Errorf("new queue %q: %w", cfg.Name, err)
	}
	q := &Queue{cfg: cfg, hooks: hooks, visibility: max(0, cfg.VisibilityTimeout), nextAt: qNever}
	q.delays.heap, q.inFlight.heap = &q.wake, &q.wake
	q.retention.heap = &q.expire
	if cfg.FIFO {
		q.fifo = newQFIFO()
	}
	return q, nil
}

func checkQueueConfig(cfg QueueConfig) error {
	switch {
	case cfg.VisibilityTimeout > QueueMaxVisibility:
		return fmt.Errorf("visibility timeout %v: %w", cfg.VisibilityTimeout, ErrVisibilityRange)
	case cfg.Delay < 0 || cfg.Delay > QueueMaxDelay:
		return fmt.Errorf("delay %v: %w", cfg.Delay, ErrDelayRange)
	case cfg.Retention < QueueMinRetention || cfg.Retention > QueueMaxRetention:
		return fmt.Errorf("retention %v out of range 1m..336h", cfg.Retention)
	case cfg.MaxReceiveCount < 0:
		return fmt.Errorf("max receive count %d is negative", cfg.MaxReceiveCount)
	case cfg.ContentDedup && !cfg.FIFO:
		return errors.New("content-based deduplication needs a fifo queue")
	case cfg.DeadLetter != nil && cfg.DeadLetter.cfg.FIFO != cfg.FIFO:
		return fmt.Errorf("dead-letter queue %q is not of the same type", cfg.DeadLetter.cfg.Name)
	}
	return nil
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.cfg.Name }

// Config returns the queue's configuration with defaults filled in.
func (q *Queue) Config() QueueConfig { return q.cfg }

// ValidateReceiveMax reports whether n is a valid MaxNumberOfMessages (1..10), for
// scenario validation; Receive itself clamps n into that range.
func ValidateReceiveMax(n int) error {
	if n < 1 || n > QueueMaxBatch {
		return fmt.Errorf("max messages %d: %w", n, ErrReceiveMax)
	}
	return nil
}

// Send enqueues a message whose payload is body and returns its id. A FIFO queue needs
// o.Group and a deduplication key (o.DedupID, or the body with ContentDedup); a send whose
// key was first seen less than 5 minutes ago is accepted but not enqueued: it returns the
// first message's id and duplicate=true. A failed send enqueues nothing.
func (q *Queue) Send(now time.Duration, body uint64, o SendOptions) (id uint64, duplicate bool, err error) {
	now = q.advance(now)
	delay, err := q.sendDelay(o.Delay)
	if err != nil {
		return 0, false, fmt.Errorf("send to %q: %w", q.cfg.Name, err)
	}
	if q.fifo == nil {
		idx := q.enqueue(now, q.nextID+1, body, o.Group, now, delay)
		return q.slots[idx].id, false, nil
	}
	id, duplicate, err = q.sendFIFO(now, body, o, delay)
	if err != nil {
		return 0, false, fmt.Errorf("send to %q: %w", q.cfg.Name, err)
	}
	return id, duplicate, nil
}

func (q *Queue) sendDelay(d time.Duration) (time.Duration, error) {
	switch {
	case d < 0:
		return q.cfg.Delay, nil
	case q.fifo != nil && d > 0:
		return 0, ErrFIFOMessageDelay
	case q.fifo != nil:
		return q.cfg.Delay, nil
	case d > QueueMaxDelay:
		return 0, fmt.Errorf("delay %v: %w", d, ErrDelayRange)
	}
	return d, nil
}

// Receive appends up to max visible messages to buf and returns it, each now in flight for
// visibility (<= 0: the queue's timeout; more than 12h is cut to 12h). max is clamped to
// 1..10. A message already received MaxReceiveCount times is dead-lettered instead of
// returned. Receive never waits: long polling is the driver's, with NextVisible.
func (q *Queue) Receive(now time.Duration, max int, visibility time.Duration, buf []Message) []Message {
	now = q.advance(now)
	if max < 1 {
		max = 1
	} else if max > QueueMaxBatch {
		max = QueueMaxBatch
	}
	if visibility <= 0 {
		visibility = q.visibility
	}
	visibility = min(visibility, QueueMaxVisibility)
	if q.fifo != nil {
		return q.receiveFIFO(now, max, visibility, buf)
	}
	for n := 0; n < max && q.visible.len() > 0; {
		r := q.visible.pop()
		if s := &q.slots[r.idx]; s.gen != r.tag || s.state != qVisible {
			continue // deleted or expired while visible
		}
		if q.redrive(now, r.idx) {
			continue
		}
		buf = q.deliver(now, r.idx, visibility, buf)
		n++
	}
	return buf
}

// Delete removes the message received with r. On a standard queue the latest receipt of a
// message still deletes it after its visibility timeout ended, as long as nobody received
// it since; on a FIFO queue that is ErrReceiptExpired (as SQS answers). An older receipt,
// or one for a message already gone, is ErrReceiptExpired: SQS answers such a request
// with success but may not delete anything; the model never deletes and says so.
func (q *Queue) Delete(now time.Duration, r Receipt) error {
	q.advance(now)
	idx, err := q.lookup(r)
	if err != nil {
		return fmt.Errorf("delete from %q: %w", q.cfg.Name, err)
	}
	if q.slots[idx].state != qInFlight && q.fifo != nil {
		return fmt.Errorf("delete from %q: %w", q.cfg.Name, ErrReceiptExpired)
	}
	q.release(idx)
	return nil
}

// ChangeVisibility sets the in-flight message's visibility timeout to timeout from now:
// 0 makes it visible at once. The message may stay in flight at most 12h after its
// receive (ErrVisibilityRange beyond). The receipt stays valid.
func (q *Queue) ChangeVisibility(now time.Duration, r Receipt, timeout time.Duration) error {
	now = q.advance(now)
	idx, err := q.lookup(r)
	if err == nil {
		err = q.changeVisibility(now, idx, timeout)
	}
	if err != nil {
		return fmt.Errorf("change visibility in %q: %w", q.cfg.Name, err)
	}
	return nil
}

func (q *Queue) changeVisibility(now time.Duration, idx uint32, timeout time.Duration) error {
	s := &q.slots[idx]
	switch {
	case s.state != qInFlight && q.fifo != nil:
		return ErrReceiptExpired
	case s.state != qInFlight:
		return ErrNotInFlight
	case timeout < 0 || timeout > QueueMaxVisibility || now+timeout > s.recvAt+QueueMaxVisibility:
		return fmt.Errorf("timeout %v: %w", timeout, ErrVisibilityRange)
	case timeout == 0:
		q.unhide(now, idx)
		return nil
	}
	q.setWake(&q.inFlight, idx, now+timeout)
	return nil
}

// Counts returns ApproximateNumberOfMessages (visible), ...NotVisible (in flight) and
// ...Delayed at now. On a FIFO queue visible includes messages behind a blocked group.
func (q *Queue) Counts(now time.Duration) (visible, inFlight, delayed int) {
	q.advance(now)
	return q.counts[qVisible], q.counts[qInFlight], q.counts[qDelayed]
}

// OldestAge returns ApproximateAgeOfOldestMessage: how long the oldest message not yet
// deleted (delayed, visible or in flight) has been in this queue; 0 when it is empty. A
// dead-lettered message's age counts from its arrival in the dead-letter queue, as in SQS.
func (q *Queue) OldestAge(now time.Duration) time.Duration {
	now = q.advance(now)
	q.trimAge()
	if q.age.len() == 0 {
		return 0
	}
	return now - q.slots[q.age.front().idx].enqAt
}

// NextVisible returns the earliest instant after now at which a delay or a visibility
// timeout ends, for long-poll wake-ups; ok is false when none is pending. The instant may
// bring nothing receivable (a FIFO group still blocked, a message retention then drops):
// the driver simply polls again.
func (q *Queue) NextVisible(now time.Duration) (at time.Duration, ok bool) {
	q.advance(now)
	at = qNever
	for _, src := range [...]int{qSrcDelay, qSrcInFlight, qSrcWake} {
		if t, ok := q.head(src); ok && t.at < at {
			at = t.at
		}
	}
	return at, at != qNever
}

// Bodies calls fn with the body of every message the queue holds (delayed, visible or in
// flight), in slot order: for a census of what is still in flight at the end of a run. It
// does not advance the queue's timers.
func (q *Queue) Bodies(fn func(body uint64)) {
	for i := range q.slots {
		if s := &q.slots[i]; s.state != qFree {
			fn(s.body)
		}
	}
}
