package live

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// remoteQueue is a real SQS queue as the engine reaches it (engine.Queue, engine.AsyncSender):
// the loop never waits on SQS. Sends, deletes and visibility changes go to the SQS callers;
// receives are the queue's poller's, which polls while the consumer wants messages — as an
// event-source mapping's pollers do — and hands what it gets to the loop, where Receive takes
// it; counts are refreshed in the background. The fields below the line are the loop's.
//
// A request SQS fails (other than with an error the model has too: an expired receipt) is the
// run's failure, named with the queue and the operation.
type remoteQueue struct {
	q, dlq *SQSQueue
	name   string // the scenario's name for it
	idx    int
	l      *loop
	b      *awsBackends
	fail   func(error)
	want   atomic.Int64  // messages the consumer asked for and did not get
	wake   chan struct{} // pokes the poller
	// the loop's
	buf    []model.Message
	counts [3]int                   // visible, in flight, delayed: the latest read
	bodies map[uint64]int           // bodies sent and not yet deleted or dead-lettered, with their copies
	rcpt   map[model.Receipt]uint64 // the body of each receipt handed out and not yet used
	last   map[uint64]model.Receipt // each body's latest receipt
}

// maxWant bounds what the poller fetches ahead of the consumer: messages wait in the buffer
// with their visibility timeout running.
const maxWant = 100

// Name is the scenario's name of the queue.
func (rq *remoteQueue) Name() string { return rq.name }

// Config is the queue's configuration.
func (rq *remoteQueue) Config() model.QueueConfig { return rq.q.Config() }

// Receive takes up to max messages the poller has received; when it has fewer, the poller is
// asked for more.
func (rq *remoteQueue) Receive(now time.Duration, max int, visibility time.Duration, buf []model.Message) []model.Message {
	n := min(max, len(rq.buf))
	buf = append(buf, rq.buf[:n]...)
	rq.buf = rq.buf[:copy(rq.buf, rq.buf[n:])]
	if n < max && rq.want.Load() < maxWant {
		rq.want.Add(int64(max - n))
		select {
		case rq.wake <- struct{}{}:
		default:
		}
	}
	return buf
}

// Delete deletes a received message, in the background.
func (rq *remoteQueue) Delete(now time.Duration, r model.Receipt) error {
	rq.forget(0, r)
	rq.do("delete", func() error { return rq.q.Delete(now, r) })
	return nil
}

// ChangeVisibility changes a message's visibility, in the background.
func (rq *remoteQueue) ChangeVisibility(now time.Duration, r model.Receipt, timeout time.Duration) error {
	rq.do("change visibility", func() error { return rq.q.ChangeVisibility(now, r, timeout) })
	return nil
}

// Counts are the queue's counts as last read (SQS's are approximate too).
func (rq *remoteQueue) Counts(now time.Duration) (visible, inFlight, delayed int) {
	return rq.counts[0], rq.counts[1], rq.counts[2]
}

// NextVisible: messages reach the engine when the poller has them, not at an instant it
// could know.
func (rq *remoteQueue) NextVisible(now time.Duration) (time.Duration, bool) {
	if len(rq.buf) > 0 {
		return now, true
	}
	return 0, false
}

// OldestAge is the age of the oldest message, as tracked here (see sqsTracker).
func (rq *remoteQueue) OldestAge(now time.Duration) time.Duration { return rq.q.OldestAge(now) }

// Send sends synchronously; the engine uses SendAsync.
func (rq *remoteQueue) Send(now time.Duration, body uint64, o model.SendOptions) (uint64, bool, error) {
	return rq.q.Send(now, body, o)
}

// SendAsync sends in the background; the outcome reaches the engine as SendDone(tag).
func (rq *remoteQueue) SendAsync(now time.Duration, body uint64, o model.SendOptions, tag uint64) {
	rq.enqueue(func() {
		id, _, err := rq.q.Send(now, body, o)
		rq.l.post(func(now time.Duration) {
			if err == nil {
				rq.bodies[body]++
			} else if !modelError(err) {
				rq.b.failed = true
			}
			rq.l.e.SendDone(now, tag, id, err)
		})
	})
}

// Bodies lists the bodies sent to the queue and not deleted or dead-lettered since, for the
// census.
func (rq *remoteQueue) Bodies(fn func(body uint64)) {
	for b, n := range rq.bodies {
		for range n {
			fn(b)
		}
	}
}

// received notes the messages the poller got, on the loop.
func (rq *remoteQueue) received(msgs []model.Message) {
	for _, m := range msgs {
		if old, ok := rq.last[m.Body]; ok {
			delete(rq.rcpt, old)
		}
		rq.rcpt[m.Receipt], rq.last[m.Body] = m.Body, m.Receipt
	}
	rq.buf = append(rq.buf, msgs...)
}

// forget drops one copy of a body (when body is 0: the body of receipt r's message).
func (rq *remoteQueue) forget(body uint64, r model.Receipt) {
	if body == 0 {
		var ok bool
		if body, ok = rq.rcpt[r]; !ok {
			return
		}
	}
	if r, ok := rq.last[body]; ok {
		delete(rq.rcpt, r)
		delete(rq.last, body)
	}
	if n := rq.bodies[body]; n > 1 {
		rq.bodies[body] = n - 1
	} else {
		delete(rq.bodies, body)
	}
}

// do runs op in the background; its failure, unless the model has the same error, ends
// the run.
func (rq *remoteQueue) do(what string, op func() error) {
	rq.enqueue(func() {
		if err := op(); err != nil && !modelError(err) {
			rq.fail(fmt.Errorf("sqs %s on queue %s: %w", what, rq.name, err))
		}
	})
}

// enqueue hands op to the SQS callers, never waiting: a backend that lets opsBuffer requests
// pile up is not keeping up, and the run ends saying so.
func (rq *remoteQueue) enqueue(op func()) {
	select {
	case rq.b.ops <- op:
	default:
		rq.fail(fmt.Errorf("sqs: %d requests waiting for the endpoint: it is not keeping up (queue %s)", opsBuffer, rq.name))
	}
}

// modelError reports whether err is one of the model's queue errors (an expired receipt, a
// message no longer in flight), which SQS answers too and which are not failures.
func modelError(err error) bool {
	for _, s := range []error{model.ErrReceiptExpired, model.ErrReceiptInvalid, model.ErrNotInFlight} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// poll receives messages while the consumer wants them and hands them to the loop.
func (rq *remoteQueue) poll(ctx context.Context) {
	for ctx.Err() == nil {
		want := rq.want.Load()
		if want <= 0 {
			select {
			case <-rq.wake:
			case <-ctx.Done():
			}
			continue
		}
		msgs := rq.q.Receive(rq.l.now(), int(min(want, model.QueueMaxBatch)), 0, nil)
		if err := rq.q.Err(); err != nil {
			rq.fail(fmt.Errorf("sqs receive on queue %s: %w", rq.name, err))
			return
		}
		if len(msgs) == 0 {
			sleep(ctx, SQSPollInterval)
			continue
		}
		rq.want.Add(-int64(len(msgs)))
		rq.l.post(func(now time.Duration) {
			rq.received(msgs)
			rq.l.e.Poll(now)
		})
	}
}

// readDLQ reads the dead-letter queue: each message there ends its request as failed.
func (rq *remoteQueue) readDLQ(ctx context.Context) {
	for ctx.Err() == nil {
		msgs := rq.dlq.Receive(rq.l.now(), model.QueueMaxBatch, 30*time.Second, nil)
		if err := rq.dlq.Err(); err != nil {
			rq.fail(fmt.Errorf("sqs receive on dead-letter queue of %s: %w", rq.name, err))
			return
		}
		for _, m := range msgs {
			body := m.Body
			rq.l.post(func(now time.Duration) {
				rq.forget(body, 0)
				rq.l.e.DeadLettered(now, rq.idx, body)
			})
			if err := rq.dlq.Delete(rq.l.now(), m.Receipt); err != nil && !modelError(err) {
				rq.fail(fmt.Errorf("sqs delete on dead-letter queue of %s: %w", rq.name, err))
				return
			}
		}
		if len(msgs) == 0 {
			sleep(ctx, 250*time.Millisecond)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
