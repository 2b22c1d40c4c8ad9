package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// The queue conformance suite runs the same assertions against the in-memory model (a
// *model.Queue on a real-time clock) and against SQSQueue on the fauxqs emulator: what a
// consumer pattern relies on must hold for both. Cases run in parallel to overlap their
// waits for visibility timeouts and delays.

// queueUnderTest is what the suite needs of a queue.
type queueUnderTest interface {
	model.QueueAPI
	Send(now time.Duration, body uint64, o model.SendOptions) (uint64, bool, error)
	OldestAge(now time.Duration) time.Duration
}

// queueFactory makes a queue for cfg and, when cfg.MaxReceiveCount > 0, its dead-letter
// queue; now is the clock both read.
type queueFactory struct {
	make func(t *testing.T, cfg model.QueueConfig) (q, dlq queueUnderTest)
	now  func() time.Duration
}

func TestConformanceQueue(t *testing.T) {
	t.Run("memory", func(t *testing.T) { runQueueConformance(t, memoryQueues()) })
	t.Run("sqs", func(t *testing.T) { runQueueConformance(t, sqsQueues(t, startFauxqs(t))) })
}

// memoryQueues makes model queues read at time.Since(start).
func memoryQueues() queueFactory {
	start := time.Now()
	return queueFactory{
		now: func() time.Duration { return time.Since(start) },
		make: func(t *testing.T, cfg model.QueueConfig) (queueUnderTest, queueUnderTest) {
			var dlq *model.Queue
			if cfg.MaxReceiveCount > 0 {
				d, err := model.NewQueue(model.QueueConfig{Name: cfg.Name + "-dlq", FIFO: cfg.FIFO}, model.QueueHooks{})
				if err != nil {
					t.Fatal(err)
				}
				dlq, cfg.DeadLetter = d, d
			}
			q, err := model.NewQueue(cfg, model.QueueHooks{})
			if err != nil {
				t.Fatal(err)
			}
			if dlq == nil {
				return q, nil
			}
			return q, dlq
		},
	}
}

// sqsQueues makes SQS queues on endpoint, with run-unique names, deleted at the end.
func sqsQueues(t *testing.T, endpoint string) queueFactory {
	client, err := NewSQSClient(context.Background(), endpoint, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	run := fmt.Sprintf("tl%x", start.UnixNano()&0xffffffff)
	var seq atomic.Int64
	create := func(t *testing.T, cfg model.QueueConfig, dlq *SQSQueue) *SQSQueue {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q, err := CreateSQSQueue(ctx, client, cfg, dlq, start)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := q.Err(); err != nil {
				t.Errorf("backend error on %s: %v", q.Name(), err)
			}
			_ = q.DeleteQueue(context.Background())
		})
		return q
	}
	return queueFactory{
		now: func() time.Duration { return time.Since(start) },
		make: func(t *testing.T, cfg model.QueueConfig) (queueUnderTest, queueUnderTest) {
			base, fifo := strings.CutSuffix(cfg.Name, ".fifo")
			base = fmt.Sprintf("%s-%d-%s", run, seq.Add(1), base)
			suffix := map[bool]string{true: ".fifo"}[fifo]
			if cfg.MaxReceiveCount == 0 {
				cfg.Name = base + suffix
				return create(t, cfg, nil), nil
			}
			dlq := create(t, model.QueueConfig{Name: base + "-dlq" + suffix, FIFO: cfg.FIFO}, nil)
			cfg.Name = base + suffix
			return create(t, cfg, dlq), dlq
		},
	}
}

func runQueueConformance(t *testing.T, f queueFactory) {
	cases := []struct {
		name string
		run  func(t *testing.T, f queueFactory)
	}{
		{"send-receive-delete", queueSendReceiveDelete},
		{"visibility-timeout", queueVisibilityTimeout},
		{"redrive", queueRedrive},
		{"change-visibility", queueChangeVisibility},
		{"delay", queueDelay},
		{"fifo-groups", queueFIFOGroups},
		{"fifo-dedup", queueFIFODedup},
		{"fifo-visibility", queueFIFOVisibility},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, f)
		})
	}
}

func queueSendReceiveDelete(t *testing.T, f queueFactory) {
	q, _ := f.make(t, model.QueueConfig{Name: "basic"})
	if age := q.OldestAge(f.now()); age != 0 {
		t.Errorf("OldestAge of an empty queue = %v, want 0", age)
	}
	sentAt := f.now()
	ids := map[uint64]uint64{} // body -> id
	for body := uint64(1); body <= 3; body++ {
		id, dup, err := q.Send(f.now(), body, model.SendOptions{Delay: model.QueueDefaultDelay})
		if err != nil || dup || id == 0 {
			t.Fatalf("Send(%d) = %d, %v, %v; want an id, false, nil", body, id, dup, err)
		}
		ids[body] = id
	}
	wantCounts(t, q, f.now(), 3, 0, 0)
	time.Sleep(20 * time.Millisecond)
	if age := q.OldestAge(f.now()); age < 20*time.Millisecond || age > 5*time.Second {
		t.Errorf("OldestAge = %v, want 20ms..5s", age)
	}
	recvAt := f.now()
	got := q.Receive(recvAt, 10, 0, nil)
	if len(got) != 3 {
		t.Fatalf("Receive got %d messages, want 3", len(got))
	}
	for _, m := range got {
		if ids[m.Body] != m.ID || m.ReceiveCount != 1 || m.Receipt == 0 {
			t.Errorf("message %+v: want id %d, receive count 1, a receipt", m, ids[m.Body])
		}
		near(t, "SentAt", m.SentAt, sentAt)
		near(t, "FirstReceivedAt", m.FirstReceivedAt, recvAt)
	}
	wantCounts(t, q, f.now(), 0, 3, 0)
	for _, m := range got {
		if err := q.Delete(f.now(), m.Receipt); err != nil {
			t.Errorf("Delete: %v", err)
		}
	}
	wantCounts(t, q, f.now(), 0, 0, 0)
	if age := q.OldestAge(f.now()); age != 0 {
		t.Errorf("OldestAge after deleting everything = %v, want 0", age)
	}
	wantErr(t, "Delete again", q.Delete(f.now(), got[0].Receipt), model.ErrReceiptExpired)
	wantErr(t, "Delete(0)", q.Delete(f.now(), 0), model.ErrReceiptInvalid)
	if again := q.Receive(f.now(), 10, 0, nil); len(again) != 0 {
		t.Errorf("Receive from an empty queue got %d messages", len(again))
	}
}

func queueVisibilityTimeout(t *testing.T, f queueFactory) {
	q, _ := f.make(t, model.QueueConfig{Name: "vis", VisibilityTimeout: time.Second})
	send(t, q, f.now(), 7, model.SendOptions{Delay: model.QueueDefaultDelay})
	first := receiveOne(t, q, f.now(), 0)
	if first.ReceiveCount != 1 {
		t.Errorf("first ReceiveCount = %d, want 1", first.ReceiveCount)
	}
	if got := q.Receive(f.now(), 10, 0, nil); len(got) != 0 {
		t.Fatalf("message in flight was received again: %+v", got)
	}
	if at, ok := q.NextVisible(f.now()); !ok || at <= f.now()-time.Millisecond {
		t.Errorf("NextVisible = %v, %v; want a later instant, true", at, ok)
	}
	time.Sleep(1200 * time.Millisecond)
	wantCounts(t, q, f.now(), 1, 0, 0)
	second := receiveOne(t, q, f.now(), 0)
	if second.ID != first.ID || second.ReceiveCount != 2 || second.FirstReceivedAt != first.FirstReceivedAt {
		t.Errorf("after the timeout got %+v, want id %d, ReceiveCount 2, FirstReceivedAt %v", second, first.ID, first.FirstReceivedAt)
	}
	wantErr(t, "Delete with the superseded receipt", q.Delete(f.now(), first.Receipt), model.ErrReceiptExpired)
	if err := q.Delete(f.now(), second.Receipt); err != nil {
		t.Errorf("Delete: %v", err)
	}
	wantCounts(t, q, f.now(), 0, 0, 0)
}

func queueRedrive(t *testing.T, f queueFactory) {
	const maxReceives = 2
	q, dlq := f.make(t, model.QueueConfig{Name: "redrive", MaxReceiveCount: maxReceives})
	id := send(t, q, f.now(), 9, model.SendOptions{Delay: model.QueueDefaultDelay})
	for i := 1; i <= maxReceives; i++ {
		m := receiveOne(t, q, f.now(), 0)
		if m.ReceiveCount != i {
			t.Errorf("receive %d: ReceiveCount = %d", i, m.ReceiveCount)
		}
		if err := q.ChangeVisibility(f.now(), m.Receipt, 0); err != nil {
			t.Fatalf("ChangeVisibility(0): %v", err)
		}
	}
	if got := q.Receive(f.now(), 10, 0, nil); len(got) != 0 {
		t.Fatalf("receive %d returned %+v, want the message redriven", maxReceives+1, got)
	}
	wantCounts(t, q, f.now(), 0, 0, 0)
	if age := q.OldestAge(f.now()); age != 0 {
		t.Errorf("OldestAge of the source queue after the redrive = %v, want 0", age)
	}
	m := receiveOne(t, dlq, f.now(), 0)
	if m.ID != id || m.Body != 9 || m.ReceiveCount < maxReceives+1 {
		t.Errorf("dead letter %+v: want id %d, body 9, ReceiveCount >= %d", m, id, maxReceives+1)
	}
	t.Logf("ReceiveCount at the first receive from the dead-letter queue: %d", m.ReceiveCount)
	if err := dlq.Delete(f.now(), m.Receipt); err != nil {
		t.Errorf("Delete from the dead-letter queue: %v", err)
	}
}

func queueChangeVisibility(t *testing.T, f queueFactory) {
	q, _ := f.make(t, model.QueueConfig{Name: "chvis"})
	send(t, q, f.now(), 5, model.SendOptions{Delay: model.QueueDefaultDelay})
	r1 := receiveOne(t, q, f.now(), 0)
	if err := q.ChangeVisibility(f.now(), r1.Receipt, 0); err != nil {
		t.Fatalf("ChangeVisibility(0): %v", err)
	}
	wantCounts(t, q, f.now(), 1, 0, 0)
	wantErr(t, "ChangeVisibility on a visible message", q.ChangeVisibility(f.now(), r1.Receipt, 10*time.Second), model.ErrNotInFlight)
	r2 := receiveOne(t, q, f.now(), 0)
	if r2.ReceiveCount != 2 {
		t.Errorf("ReceiveCount = %d, want 2", r2.ReceiveCount)
	}
	wantErr(t, "ChangeVisibility(-1s)", q.ChangeVisibility(f.now(), r2.Receipt, -time.Second), model.ErrVisibilityRange)
	wantErr(t, "ChangeVisibility with a superseded receipt", q.ChangeVisibility(f.now(), r1.Receipt, 0), model.ErrReceiptExpired)
	if err := q.ChangeVisibility(f.now(), r2.Receipt, time.Hour); err != nil {
		t.Errorf("ChangeVisibility(1h): %v", err)
	}
	wantCounts(t, q, f.now(), 0, 1, 0)
	if err := q.Delete(f.now(), r2.Receipt); err != nil {
		t.Errorf("Delete: %v", err)
	}
}

func queueDelay(t *testing.T, f queueFactory) {
	q, _ := f.make(t, model.QueueConfig{Name: "delay"})
	dq, _ := f.make(t, model.QueueConfig{Name: "delayq", Delay: time.Second})
	send(t, q, f.now(), 1, model.SendOptions{Delay: time.Second})
	send(t, q, f.now(), 2, model.SendOptions{Delay: model.QueueDefaultDelay})
	send(t, q, f.now(), 3, model.SendOptions{Delay: model.QueueDefaultDelay})
	send(t, dq, f.now(), 4, model.SendOptions{Delay: model.QueueDefaultDelay})
	wantCounts(t, q, f.now(), 2, 0, 1)
	wantCounts(t, dq, f.now(), 0, 0, 1)
	m := receiveOne(t, q, f.now(), 0)
	if m.Body == 1 {
		t.Fatalf("received the delayed message before its delay ended")
	}
	wantCounts(t, q, f.now(), 1, 1, 1)
	if got := dq.Receive(f.now(), 10, 0, nil); len(got) != 0 {
		t.Fatalf("delay queue delivered %+v during its delay", got)
	}
	if at, ok := q.NextVisible(f.now()); !ok || at <= f.now()-time.Millisecond {
		t.Errorf("NextVisible = %v, %v; want a later instant, true", at, ok)
	}
	time.Sleep(1200 * time.Millisecond)
	wantCounts(t, q, f.now(), 2, 1, 0)
	wantCounts(t, dq, f.now(), 1, 0, 0)
	bodies := map[uint64]bool{}
	for _, m := range q.Receive(f.now(), 10, 0, nil) {
		bodies[m.Body] = true
	}
	if len(bodies) != 2 || !bodies[1] {
		t.Errorf("after the delay received bodies %v, want 2 including 1", bodies)
	}
	if got := receiveOne(t, dq, f.now(), 0); got.Body != 4 {
		t.Errorf("delay queue delivered body %d, want 4", got.Body)
	}
}

func queueFIFOGroups(t *testing.T, f queueFactory) {
	q, _ := f.make(t, model.QueueConfig{Name: "groups.fifo", FIFO: true})
	for _, s := range []struct {
		body  uint64
		group string
	}{{11, "A"}, {12, "A"}, {21, "B"}} {
		send(t, q, f.now(), s.body, model.SendOptions{Group: s.group, DedupID: fmt.Sprint(s.body), Delay: model.QueueDefaultDelay})
	}
	a1 := receiveOne(t, q, f.now(), 0)
	b1 := receiveOne(t, q, f.now(), 0)
	if a1.Body != 11 || a1.Group != "A" || b1.Body != 21 || b1.Group != "B" {
		t.Fatalf("first receives got %d (group %q) and %d (group %q), want 11 (A) then 21 (B)", a1.Body, a1.Group, b1.Body, b1.Group)
	}
	if got := q.Receive(f.now(), 10, 0, nil); len(got) != 0 {
		t.Fatalf("received %+v while both groups had a message in flight", got)
	}
	wantCounts(t, q, f.now(), 1, 2, 0)
	if err := q.Delete(f.now(), a1.Receipt); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if a2 := receiveOne(t, q, f.now(), 0); a2.Body != 12 {
		t.Errorf("after deleting 11 got %d, want 12 (order within group A)", a2.Body)
	}
}

func queueFIFOVisibility(t *testing.T, f queueFactory) {
	q, _ := f.make(t, model.QueueConfig{Name: "fvis.fifo", FIFO: true, VisibilityTimeout: time.Second})
	for _, body := range []uint64{51, 52} {
		send(t, q, f.now(), body, model.SendOptions{Group: "A", DedupID: fmt.Sprint(body), Delay: model.QueueDefaultDelay})
	}
	first := receiveOne(t, q, f.now(), 0)
	time.Sleep(1200 * time.Millisecond)
	wantErr(t, "Delete after the visibility timeout", q.Delete(f.now(), first.Receipt), model.ErrReceiptExpired)
	again := receiveOne(t, q, f.now(), 0)
	if again.Body != 51 || again.ReceiveCount != 2 {
		t.Fatalf("after the timeout got body %d (ReceiveCount %d), want 51 again (2): it keeps its place", again.Body, again.ReceiveCount)
	}
	if err := q.Delete(f.now(), again.Receipt); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if next := receiveOne(t, q, f.now(), 0); next.Body != 52 {
		t.Errorf("then got %d, want 52", next.Body)
	}
}

func queueFIFODedup(t *testing.T, f queueFactory) {
	q, _ := f.make(t, model.QueueConfig{Name: "dedup.fifo", FIFO: true})
	cq, _ := f.make(t, model.QueueConfig{Name: "cdedup.fifo", FIFO: true, ContentDedup: true})
	o := model.SendOptions{Group: "g", DedupID: "d", Delay: model.QueueDefaultDelay}
	id := send(t, q, f.now(), 31, o)
	if id2, dup, err := q.Send(f.now(), 32, o); err != nil || !dup || id2 != id {
		t.Errorf("second Send with dedup id %q = %d, %v, %v; want %d, true, nil", o.DedupID, id2, dup, err, id)
	}
	wantCounts(t, q, f.now(), 1, 0, 0)
	co := model.SendOptions{Group: "g", Delay: model.QueueDefaultDelay}
	cid := send(t, cq, f.now(), 41, co)
	if id2, dup, err := cq.Send(f.now(), 41, co); err != nil || !dup || id2 != cid {
		t.Errorf("second Send of the same body = %d, %v, %v; want %d, true, nil", id2, dup, err, cid)
	}
	send(t, cq, f.now(), 42, co)
	wantCounts(t, cq, f.now(), 2, 0, 0)
	_, _, err := q.Send(f.now(), 1, model.SendOptions{DedupID: "x", Delay: model.QueueDefaultDelay})
	wantErr(t, "Send without a group", err, model.ErrGroupRequired)
	_, _, err = q.Send(f.now(), 1, model.SendOptions{Group: "g", Delay: model.QueueDefaultDelay})
	wantErr(t, "Send without a dedup id", err, model.ErrDedupRequired)
	_, _, err = q.Send(f.now(), 1, model.SendOptions{Group: "g", DedupID: "y", Delay: time.Second})
	wantErr(t, "Send with a per-message delay", err, model.ErrFIFOMessageDelay)
}

func send(t *testing.T, q queueUnderTest, now time.Duration, body uint64, o model.SendOptions) uint64 {
	t.Helper()
	id, dup, err := q.Send(now, body, o)
	if err != nil || dup {
		t.Fatalf("Send(%d) = %d, %v, %v", body, id, dup, err)
	}
	return id
}

func receiveOne(t *testing.T, q queueUnderTest, now, visibility time.Duration) model.Message {
	t.Helper()
	got := q.Receive(now, 1, visibility, nil)
	if len(got) != 1 {
		t.Fatalf("Receive(max 1) got %d messages, want 1", len(got))
	}
	return got[0]
}

func wantCounts(t *testing.T, q queueUnderTest, now time.Duration, visible, inFlight, delayed int) {
	t.Helper()
	v, f, d := q.Counts(now)
	if v != visible || f != inFlight || d != delayed {
		t.Errorf("Counts = %d visible, %d in flight, %d delayed; want %d, %d, %d", v, f, d, visible, inFlight, delayed)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// near checks that an instant read from the queue is within a second of when it happened
// (SQS's timestamps are in milliseconds, and the request takes time).
func near(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	if got < want-time.Second || got > want+time.Second {
		t.Errorf("%s = %v, want about %v", what, got, want)
	}
}
