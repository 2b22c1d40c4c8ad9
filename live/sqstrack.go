package live

import (
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/throttlelab/throttlelab/model"
)

// sqsTracker keeps what SQS does not tell, for a queue and its dead-letter queue together
// (a redriven message keeps its MessageId): the receipt handle each model.Receipt stands
// for, where each message is and since when, and the FIFO sends of the last 5 minutes.
//
// OldestAge. A message counts in a queue from its send through this SQSQueue, or, for one
// that arrived otherwise (a redriven message in a dead-letter queue), from the first
// receive that returns it there. It stops counting when it is deleted, when its retention
// has passed, and when it was last received MaxReceiveCount times and its visibility
// timeout has ended: the next receive that reaches it moves it to the dead-letter queue.
// The model moves it at that receive, so OldestAge on SQS may fall earlier; messages
// sent by other clients are seen only once received. The bookkeeping grows with the
// messages sent since the oldest one still counted, as the model's does.
type sqsTracker struct {
	mu       sync.Mutex
	next     uint64 // receipts issued
	receipts map[model.Receipt]sqsReceipt
	latest   map[string]model.Receipt // MessageId -> its latest receipt
	msgs     map[string]*sqsMsg       // MessageId -> where it counts
	queues   map[*SQSQueue]*sqsQueueTrack
}

// sqsReceipt is what a model.Receipt stands for.
type sqsReceipt struct {
	q      *SQSQueue
	handle string
	msgID  string
}

// sqsMsg is a message counted in queue q since at.
type sqsMsg struct {
	q           *SQSQueue
	at          time.Duration // since when it counts in q
	hiddenUntil time.Duration // end of its latest visibility timeout
	count       int           // ApproximateReceiveCount at its latest receive
}

// sqsQueueTrack is one queue's arrivals, in order, and its recent FIFO sends.
type sqsQueueTrack struct {
	arrivals sqsRing
	recent   map[string]time.Duration // FIFO: MessageId -> first send, for 5 minutes
	order    sqsRing                  // recent, in send order
}

type sqsArrival struct {
	id string
	at time.Duration
}

// sqsRing is a queue of arrivals in time order.
type sqsRing struct {
	items []sqsArrival
	head  int
}

func (r *sqsRing) push(a sqsArrival) { r.items = append(r.items, a) }
func (r *sqsRing) len() int          { return len(r.items) - r.head }
func (r *sqsRing) front() sqsArrival { return r.items[r.head] }

func (r *sqsRing) pop() {
	r.items[r.head] = sqsArrival{}
	r.head++
	if r.head >= 1024 && r.head*2 >= len(r.items) {
		r.items = append(r.items[:0], r.items[r.head:]...)
		r.head = 0
	}
}

func newSQSTracker() *sqsTracker {
	return &sqsTracker{receipts: map[model.Receipt]sqsReceipt{}, latest: map[string]model.Receipt{},
		msgs: map[string]*sqsMsg{}, queues: map[*SQSQueue]*sqsQueueTrack{}}
}

// queue returns q's track; t.mu is held.
func (t *sqsTracker) queue(q *SQSQueue) *sqsQueueTrack {
	qt := t.queues[q]
	if qt == nil {
		qt = &sqsQueueTrack{recent: map[string]time.Duration{}}
		t.queues[q] = qt
	}
	return qt
}

// sent records a send that SQS answered with msgID and reports whether it was a FIFO
// duplicate: a MessageId already returned by a send of the last 5 minutes.
func (t *sqsTracker) sent(q *SQSQueue, now time.Duration, msgID string) (duplicate bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	qt := t.queue(q)
	if q.cfg.FIFO {
		for qt.order.len() > 0 && now-qt.order.front().at >= model.QueueDedupWindow {
			delete(qt.recent, qt.order.front().id)
			qt.order.pop()
		}
		if _, dup := qt.recent[msgID]; dup {
			return true
		}
		qt.recent[msgID] = now
		qt.order.push(sqsArrival{msgID, now})
	}
	t.msgs[msgID] = &sqsMsg{q: q, at: now}
	qt.arrivals.push(sqsArrival{msgID, now})
	return false
}

// received records a receive of sm at now, hidden for hidden, and returns its receipt. An
// older receipt of the same message is forgotten.
func (t *sqsTracker) received(q *SQSQueue, now, hidden time.Duration, sm *types.Message, count int) model.Receipt {
	msgID := aws.ToString(sm.MessageId)
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.msgs[msgID]
	if e == nil || e.q != q {
		e = &sqsMsg{q: q, at: now}
		t.msgs[msgID] = e
		t.queue(q).arrivals.push(sqsArrival{msgID, now})
	}
	e.count, e.hiddenUntil = count, now+hidden
	if old, ok := t.latest[msgID]; ok {
		delete(t.receipts, old)
	}
	t.next++
	r := model.Receipt(t.next)
	t.receipts[r] = sqsReceipt{q: q, handle: aws.ToString(sm.ReceiptHandle), msgID: msgID}
	t.latest[msgID] = r
	return r
}

// lookup returns what r stands for in q: ErrReceiptInvalid if q never issued it,
// ErrReceiptExpired if it was deleted or superseded.
func (t *sqsTracker) lookup(q *SQSQueue, r model.Receipt) (sqsReceipt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rc, ok := t.receipts[r]
	switch {
	case r == 0 || uint64(r) > t.next || ok && rc.q != q:
		return rc, fmt.Errorf("receipt %d: %w", r, model.ErrReceiptInvalid)
	case !ok:
		return rc, fmt.Errorf("receipt %d: %w", r, model.ErrReceiptExpired)
	}
	return rc, nil
}

// deleted forgets receipt r and its message, deleted from q.
func (t *sqsTracker) deleted(q *SQSQueue, r model.Receipt, rc sqsReceipt) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.receipts, r)
	if t.latest[rc.msgID] == r {
		delete(t.latest, rc.msgID)
	}
	if e := t.msgs[rc.msgID]; e != nil && e.q == q {
		delete(t.msgs, rc.msgID)
	}
}

// timedOut reports whether the visibility timeout of rc's message in q has ended by now,
// as far as the tracker knows (it counts from before the receive request was sent).
func (t *sqsTracker) timedOut(q *SQSQueue, rc sqsReceipt, now time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.msgs[rc.msgID]
	return e != nil && e.q == q && now >= e.hiddenUntil
}

// hide records that the message of rc is hidden until until.
func (t *sqsTracker) hide(q *SQSQueue, rc sqsReceipt, until time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.msgs[rc.msgID]; e != nil && e.q == q {
		e.hiddenUntil = until
	}
}

// oldest returns how long the oldest message counted in q has been there at now.
func (t *sqsTracker) oldest(q *SQSQueue, now time.Duration) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	qt := t.queue(q)
	for qt.arrivals.len() > 0 {
		a := qt.arrivals.front()
		e := t.msgs[a.id]
		switch {
		case e == nil || e.q != q || e.at != a.at:
			// deleted, moved, or counted again from a later arrival
		case t.gone(q, e, now):
			delete(t.msgs, a.id)
		default:
			return now - a.at
		}
		qt.arrivals.pop()
	}
	return 0
}

// gone reports whether e has left q though nobody deleted it: retention, or redrive due.
func (t *sqsTracker) gone(q *SQSQueue, e *sqsMsg, now time.Duration) bool {
	if now-e.at >= q.cfg.Retention {
		return true
	}
	mrc := q.cfg.MaxReceiveCount
	return mrc > 0 && e.count >= mrc && now >= e.hiddenUntil
}

// messageID is the model's id of an SQS MessageId: its 64-bit FNV-1a hash, never 0.
func messageID(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return max(h, 1)
}
