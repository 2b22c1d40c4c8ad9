package model

import (
	"errors"
	"testing"
	"time"
)

func qtFIFO(t *testing.T, cfg QueueConfig, h QueueHooks) *Queue {
	t.Helper()
	cfg.FIFO = true
	return qtQueue(t, cfg, h)
}

// qtSendGroup sends body to group g with a deduplication id made from the body.
func qtSendGroup(t *testing.T, q *Queue, now time.Duration, g string, body uint64) {
	t.Helper()
	qtSend(t, q, now, body, SendOptions{Group: g, DedupID: string(rune('A' + body))})
}

// Group "a" holds 1, 2, 3 and group "b" holds 4: a group is blocked while any of its
// messages is in flight, and comes out in send order.
func TestFIFOGroupBlocking(t *testing.T) {
	q := qtFIFO(t, QueueConfig{}, QueueHooks{})
	qtSendGroup(t, q, 0, "a", 1)
	qtSendGroup(t, q, 0, "a", 2)
	qtSendGroup(t, q, 0, "b", 4)
	qtSendGroup(t, q, 0, "a", 3)
	held := map[uint64]Receipt{}
	for _, tc := range []struct {
		at     time.Duration
		delete []uint64 // bodies deleted first
		max    int
		want   []uint64
	}{
		{1 * qSec, nil, 1, []uint64{1}},
		{2 * qSec, nil, 10, []uint64{4}}, // a is blocked by 1
		{3 * qSec, nil, 10, []uint64{}},  // a by 1, b by 4
		{4 * qSec, []uint64{4}, 10, []uint64{}},
		{5 * qSec, []uint64{1}, 1, []uint64{2}},
		{6 * qSec, nil, 10, []uint64{}}, // a blocked by 2
		{7 * qSec, []uint64{2}, 10, []uint64{3}},
	} {
		for _, b := range tc.delete {
			if err := q.Delete(tc.at, held[b]); err != nil {
				t.Fatalf("at %v delete %d: %v", tc.at, b, err)
			}
		}
		got := q.Receive(tc.at, tc.max, 0, nil)
		for _, m := range got {
			held[m.Body] = m.Receipt
		}
		if !qtSame(qtBodies(got), tc.want) {
			t.Errorf("at %v: received %v, want %v", tc.at, qtBodies(got), tc.want)
		}
	}
}

func TestFIFOGroupUnblocksOnDelete(t *testing.T) {
	q := qtFIFO(t, QueueConfig{}, QueueHooks{})
	qtSendGroup(t, q, 0, "a", 1)
	qtSendGroup(t, q, 0, "a", 2)
	qtSendGroup(t, q, 0, "a", 3)
	first := q.Receive(1*qSec, 1, 0, nil)
	if err := q.Delete(2*qSec, first[0].Receipt); err != nil {
		t.Fatal(err)
	}
	if got := qtBodies(q.Receive(3*qSec, 10, 0, nil)); !qtSame(got, []uint64{2, 3}) {
		t.Errorf("after deleting 1: %v, want [2 3] in one receive", got)
	}
}

// After a visibility expiry the message is again the first of its group, ahead of the
// messages sent after it, and keeps its receive count.
func TestFIFOOrderAfterExpiry(t *testing.T) {
	q := qtFIFO(t, QueueConfig{VisibilityTimeout: 10 * qSec}, QueueHooks{})
	for b := uint64(1); b <= 3; b++ {
		qtSendGroup(t, q, 0, "a", b)
	}
	var last []Message
	for _, tc := range []struct {
		at     time.Duration
		max    int
		delete int // index into the previous receive to delete first; -1 none
		want   []uint64
		counts []int
	}{
		{0, 2, -1, []uint64{1, 2}, []int{1, 1}},
		{5 * qSec, 10, -1, []uint64{}, nil},
		{6 * qSec, 10, -1, []uint64{}, nil},
		{10 * qSec, 1, -1, []uint64{1}, []int{2}},       // both back: 1 first
		{11 * qSec, 10, 0, []uint64{2, 3}, []int{2, 1}}, // 1 deleted
	} {
		if tc.delete >= 0 {
			if err := q.Delete(tc.at, last[tc.delete].Receipt); err != nil {
				t.Fatalf("at %v: %v", tc.at, err)
			}
		}
		got := q.Receive(tc.at, tc.max, 0, nil)
		if !qtSame(qtBodies(got), tc.want) {
			t.Errorf("at %v: received %v, want %v", tc.at, qtBodies(got), tc.want)
		}
		for i, c := range tc.counts {
			if i < len(got) && got[i].ReceiveCount != c {
				t.Errorf("at %v: message %d count %d, want %d", tc.at, got[i].Body, got[i].ReceiveCount, c)
			}
		}
		if len(got) > 0 {
			last = got
		}
	}
}

// In flight: 1 and 2 of group a; 2 is deleted, 1 expires: 1 is delivered again alone
// (3 waits behind it).
func TestFIFOPartialDeleteThenExpiry(t *testing.T) {
	q := qtFIFO(t, QueueConfig{VisibilityTimeout: 10 * qSec}, QueueHooks{})
	for b := uint64(1); b <= 3; b++ {
		qtSendGroup(t, q, 0, "a", b)
	}
	got := q.Receive(0, 2, 0, nil)
	if err := q.Delete(1*qSec, got[1].Receipt); err != nil {
		t.Fatal(err)
	}
	if got := qtBodies(q.Receive(9*qSec, 10, 0, nil)); len(got) != 0 {
		t.Errorf("at 9s: %v, want nothing (1 still in flight)", got)
	}
	if got := qtBodies(q.Receive(10*qSec, 1, 0, nil)); !qtSame(got, []uint64{1}) {
		t.Errorf("at 10s: %v, want [1]", got)
	}
}

// Groups are served oldest first message first, several messages per group per receive.
func TestFIFOGroupsOldestHeadFirst(t *testing.T) {
	q := qtFIFO(t, QueueConfig{}, QueueHooks{})
	qtSendGroup(t, q, 0, "b", 1)
	qtSendGroup(t, q, 1*qSec, "a", 2)
	qtSendGroup(t, q, 2*qSec, "c", 3)
	qtSendGroup(t, q, 3*qSec, "a", 4)
	qtSendGroup(t, q, 4*qSec, "b", 5)
	for _, tc := range []struct {
		max  int
		want []uint64
	}{
		{1, []uint64{1}},       // b's head is oldest
		{3, []uint64{2, 4, 3}}, // b blocked: a (both), then c
		{10, []uint64{}},
	} {
		if got := qtBodies(q.Receive(5*qSec, tc.max, 0, nil)); !qtSame(got, tc.want) {
			t.Errorf("Receive(max %d) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

func TestFIFODeduplication(t *testing.T) {
	q := qtFIFO(t, QueueConfig{ContentDedup: true}, QueueHooks{})
	for _, tc := range []struct {
		at     time.Duration
		body   uint64
		dedup  string
		wantID uint64
		dup    bool
	}{
		{0, 10, "x", 1, false},
		{1 * qSec, 11, "x", 1, true}, // same dedup id, other body
		{2 * qSec, 10, "", 2, false}, // content key 10 is not the id "x"
		{3 * qSec, 10, "", 2, true},  // same body
		{4 * qSec, 10, "y", 3, false},
		{5*time.Minute - 1, 12, "x", 1, true}, // still within 5 minutes of the first "x"
		{5 * time.Minute, 12, "x", 4, false},  // window over: accepted again
		{5*time.Minute + 2*qSec, 10, "", 5, false},
	} {
		id, dup, err := q.Send(tc.at, tc.body, SendOptions{Group: "g", DedupID: tc.dedup})
		if err != nil || id != tc.wantID || dup != tc.dup {
			t.Errorf("at %v send %d/%q = id %d dup %v err %v, want id %d dup %v", tc.at, tc.body, tc.dedup, id, dup, err, tc.wantID, tc.dup)
		}
	}
	if v, _, _ := q.Counts(5*time.Minute + 2*qSec); v != 5 {
		t.Errorf("%d messages enqueued, want 5", v)
	}
}

// A deleted message's key is still remembered.
func TestFIFODeduplicationAfterDelete(t *testing.T) {
	q := qtFIFO(t, QueueConfig{}, QueueHooks{})
	qtSend(t, q, 0, 1, SendOptions{Group: "g", DedupID: "k"})
	m := q.Receive(1*qSec, 1, 0, nil)
	if err := q.Delete(2*qSec, m[0].Receipt); err != nil {
		t.Fatal(err)
	}
	if id, dup, _ := q.Send(3*qSec, 1, SendOptions{Group: "g", DedupID: "k"}); !dup || id != 1 {
		t.Errorf("resend after delete: id %d dup %v, want 1 true", id, dup)
	}
}

func TestFIFOSendErrors(t *testing.T) {
	q := qtFIFO(t, QueueConfig{Delay: 5 * qSec}, QueueHooks{})
	for _, tc := range []struct {
		name string
		o    SendOptions
		err  error
	}{
		{"no group", SendOptions{DedupID: "x"}, ErrGroupRequired},
		{"no dedup id", SendOptions{Group: "g"}, ErrDedupRequired},
		{"per-message delay", SendOptions{Group: "g", DedupID: "x", Delay: qSec}, ErrFIFOMessageDelay},
		{"zero delay: the queue's", SendOptions{Group: "g", DedupID: "y"}, nil},
		{"default delay", SendOptions{Group: "g", DedupID: "z", Delay: QueueDefaultDelay}, nil},
	} {
		if _, _, err := q.Send(0, 1, tc.o); !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
		}
	}
	if got := qtCountsAt(q, 0); got != (qtCounts{0, 0, 2}) {
		t.Errorf("counts: %+v, want two delayed", got)
	}
}

// FIFO delay is the queue's: group order holds across delays.
func TestFIFODelay(t *testing.T) {
	q := qtFIFO(t, QueueConfig{Delay: 10 * qSec}, QueueHooks{})
	qtSendGroup(t, q, 0, "a", 1)
	qtSendGroup(t, q, 5*qSec, "a", 2)
	for _, tc := range []struct {
		at   time.Duration
		want []uint64
		next time.Duration
	}{
		{9 * qSec, []uint64{}, 10 * qSec},
		{10 * qSec, []uint64{1}, 15 * qSec}, // 2 still delayed
		{15 * qSec, []uint64{}, 40 * qSec},  // 2 visible, but a blocked by 1
	} {
		if got := qtBodies(q.Receive(tc.at, 10, 0, nil)); !qtSame(got, tc.want) {
			t.Errorf("at %v: received %v, want %v", tc.at, got, tc.want)
		}
		if next, _ := q.NextVisible(tc.at); next != tc.next {
			t.Errorf("NextVisible(%v) = %v, want %v", tc.at, next, tc.next)
		}
	}
}

// FIFO receipts expire with the visibility timeout.
func TestFIFOExpiredReceipt(t *testing.T) {
	q := qtFIFO(t, QueueConfig{VisibilityTimeout: 10 * qSec}, QueueHooks{})
	qtSendGroup(t, q, 0, "a", 1)
	r := q.Receive(0, 1, 0, nil)[0].Receipt
	if err := q.Delete(10*qSec, r); !errors.Is(err, ErrReceiptExpired) {
		t.Errorf("delete after expiry: %v, want ErrReceiptExpired", err)
	}
	if err := q.ChangeVisibility(10*qSec, r, qSec); !errors.Is(err, ErrReceiptExpired) {
		t.Errorf("change visibility after expiry: %v, want ErrReceiptExpired", err)
	}
	if got := qtCountsAt(q, 10*qSec); got != (qtCounts{1, 0, 0}) {
		t.Errorf("counts %+v", got)
	}
}

// Redrive on a FIFO queue: the (MaxReceiveCount+1)th receive of 1 moves it to the FIFO
// DLQ, which resets its SentAt, and the same receive goes on with 2.
func TestFIFORedrive(t *testing.T) {
	var log qtLog
	dlq := qtFIFO(t, QueueConfig{}, QueueHooks{})
	q := qtFIFO(t, QueueConfig{VisibilityTimeout: 10 * qSec, MaxReceiveCount: 2, DeadLetter: dlq}, log.hooks())
	qtSendGroup(t, q, 0, "a", 1)
	qtSendGroup(t, q, 0, "a", 2)
	for _, tc := range []struct {
		at   time.Duration
		want []uint64
	}{
		{0, []uint64{1}},
		{10 * qSec, []uint64{1}},
		{20 * qSec, []uint64{2}},
	} {
		if got := qtBodies(q.Receive(tc.at, 1, 0, nil)); !qtSame(got, tc.want) {
			t.Errorf("at %v: %v, want %v", tc.at, got, tc.want)
		}
	}
	if len(log.dead) != 1 || log.dead[0] != (qtEvent{20 * qSec, 1}) {
		t.Errorf("DeadLettered: %v", log.dead)
	}
	got := dlq.Receive(30*qSec, 10, 0, nil)
	if len(got) != 1 || got[0].Body != 1 || got[0].Group != "a" || got[0].SentAt != 20*qSec {
		t.Errorf("dlq: %+v", got)
	}
}

// Retention drops a visible message in the middle of a group; a message in flight then
// is dropped when it comes back; the group goes on in order.
func TestFIFORetention(t *testing.T) {
	var log qtLog
	q := qtFIFO(t, QueueConfig{Retention: time.Minute, VisibilityTimeout: 90 * qSec}, log.hooks())
	qtSendGroup(t, q, 0, "a", 1)
	qtSendGroup(t, q, 0, "a", 2)
	qtSendGroup(t, q, 30*qSec, "a", 3)
	q.Receive(30*qSec, 1, 0, nil) // 1, until 120s
	if got := qtCountsAt(q, 60*qSec); got != (qtCounts{1, 1, 0}) {
		t.Errorf("counts at 60s: %+v (2 expired, 1 overdue in flight)", got)
	}
	if got := qtBodies(q.Receive(119*qSec, 10, 0, nil)); len(got) != 0 {
		t.Errorf("at 119s: %v, want nothing", got)
	}
	if got := qtCountsAt(q, 120*qSec); got != (qtCounts{0, 0, 0}) {
		t.Errorf("counts at 120s: %+v", got)
	}
	if len(log.expired) != 3 || log.expired[0] != (qtEvent{60 * qSec, 2}) ||
		log.expired[1] != (qtEvent{90 * qSec, 3}) || log.expired[2] != (qtEvent{120 * qSec, 1}) {
		t.Errorf("Expired: %v", log.expired)
	}
}

// Groups emptied are forgotten and their slots reused without confusing the order.
func TestFIFOGroupReuse(t *testing.T) {
	q := qtFIFO(t, QueueConfig{ContentDedup: true}, QueueHooks{})
	var now time.Duration
	for round := range 3 {
		for g := range 4 {
			now += qSec
			qtSend(t, q, now, uint64(round*10+g), SendOptions{Group: string(rune('a' + (g+round)%4))})
		}
		got := q.Receive(now, 10, 0, nil)
		want := []uint64{uint64(round * 10), uint64(round*10 + 1), uint64(round*10 + 2), uint64(round*10 + 3)}
		if !qtSame(qtBodies(got), want) {
			t.Errorf("round %d: %v, want %v", round, qtBodies(got), want)
		}
		for _, m := range got {
			if err := q.Delete(now, m.Receipt); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(q.fifo.byName); n != 0 {
		t.Errorf("%d groups remembered after all were emptied", n)
	}
}
