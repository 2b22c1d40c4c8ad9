package model

import (
	"errors"
	"testing"
	"time"
)

const qSec = time.Second

// qtLog records what a queue's hooks saw.
type qtLog struct {
	dead, expired []qtEvent
}

type qtEvent struct {
	at   time.Duration
	body uint64
}

func (l *qtLog) hooks() QueueHooks {
	return QueueHooks{
		DeadLettered: func(now time.Duration, m Message) { l.dead = append(l.dead, qtEvent{now, m.Body}) },
		Expired:      func(now time.Duration, m Message) { l.expired = append(l.expired, qtEvent{now, m.Body}) },
	}
}

func qtQueue(t *testing.T, cfg QueueConfig, h QueueHooks) *Queue {
	t.Helper()
	q, err := NewQueue(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func qtSend(t *testing.T, q *Queue, now time.Duration, body uint64, o SendOptions) uint64 {
	t.Helper()
	id, dup, err := q.Send(now, body, o)
	if err != nil || dup {
		t.Fatalf("send %d at %v: id %d dup %v err %v", body, now, id, dup, err)
	}
	return id
}

func qtBodies(ms []Message) []uint64 {
	out := []uint64{}
	for _, m := range ms {
		out = append(out, m.Body)
	}
	return out
}

func qtSame(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type qtCounts struct{ visible, inFlight, delayed int }

func qtCountsAt(q *Queue, now time.Duration) qtCounts {
	v, f, d := q.Counts(now)
	return qtCounts{v, f, d}
}

func TestNewQueueConfig(t *testing.T) {
	std := qtQueue(t, QueueConfig{Name: "dlq"}, QueueHooks{})
	fifo := qtQueue(t, QueueConfig{Name: "dlq.fifo", FIFO: true}, QueueHooks{})
	for _, tc := range []struct {
		name string
		cfg  QueueConfig
		ok   bool
	}{
		{"zero", QueueConfig{}, true},
		{"visibility 12h", QueueConfig{VisibilityTimeout: 12 * time.Hour}, true},
		{"visibility over 12h", QueueConfig{VisibilityTimeout: 12*time.Hour + 1}, false},
		{"visibility zero (negative)", QueueConfig{VisibilityTimeout: -1}, true},
		{"delay 15m", QueueConfig{Delay: 15 * time.Minute}, true},
		{"delay over 15m", QueueConfig{Delay: 15*time.Minute + 1}, false},
		{"delay negative", QueueConfig{Delay: -1}, false},
		{"retention 59s", QueueConfig{Retention: 59 * qSec}, false},
		{"retention 14d", QueueConfig{Retention: 14 * 24 * time.Hour}, true},
		{"retention over 14d", QueueConfig{Retention: 14*24*time.Hour + 1}, false},
		{"max receive negative", QueueConfig{MaxReceiveCount: -1}, false},
		{"content dedup on standard", QueueConfig{ContentDedup: true}, false},
		{"dlq same type", QueueConfig{MaxReceiveCount: 3, DeadLetter: std}, true},
		{"dlq fifo for standard", QueueConfig{MaxReceiveCount: 3, DeadLetter: fifo}, false},
		{"dlq standard for fifo", QueueConfig{FIFO: true, DeadLetter: std}, false},
	} {
		_, err := NewQueue(tc.cfg, QueueHooks{})
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	got := std.Config()
	if got.VisibilityTimeout != 30*qSec || got.Retention != 96*time.Hour || std.Name() != "dlq" {
		t.Errorf("defaults: %+v", got)
	}
}

func TestQueueValidateReceiveMax(t *testing.T) {
	for n, ok := range map[int]bool{-1: false, 0: false, 1: true, 10: true, 11: false} {
		if err := ValidateReceiveMax(n); (err == nil) != ok || (err != nil && !errors.Is(err, ErrReceiveMax)) {
			t.Errorf("ValidateReceiveMax(%d) = %v", n, err)
		}
	}
}

func TestQueueReceiveClampsMax(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	for i := range 25 {
		qtSend(t, q, 0, uint64(i), SendOptions{})
	}
	for _, tc := range []struct{ max, want int }{{0, 1}, {-5, 1}, {3, 3}, {50, 10}, {10, 10}} {
		if got := len(q.Receive(0, tc.max, 0, nil)); got != tc.want {
			t.Errorf("Receive(max %d) returned %d, want %d", tc.max, got, tc.want)
		}
	}
}

// A message received at 1s with the default 30s timeout is in flight on [1s, 31s).
func TestQueueVisibilityExpiry(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	qtSend(t, q, 0, 7, SendOptions{})
	if got := q.Receive(1*qSec, 1, 0, nil); len(got) != 1 || got[0].ReceiveCount != 1 {
		t.Fatalf("first receive: %+v", got)
	}
	for _, tc := range []struct {
		at   time.Duration
		want qtCounts
	}{
		{1 * qSec, qtCounts{0, 1, 0}},
		{30 * qSec, qtCounts{0, 1, 0}},
		{31*qSec - 1, qtCounts{0, 1, 0}},
		{31 * qSec, qtCounts{1, 0, 0}},
		{45 * qSec, qtCounts{1, 0, 0}},
	} {
		if got := qtCountsAt(q, tc.at); got != tc.want {
			t.Errorf("counts at %v = %+v, want %+v", tc.at, got, tc.want)
		}
	}
}

// Each receive increments ApproximateReceiveCount; a per-receive visibility overrides the
// queue's; FirstReceivedAt stays the first receive's instant.
func TestQueueReceiveCount(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	qtSend(t, q, 0, 7, SendOptions{})
	for _, tc := range []struct {
		at, visibility time.Duration
		wantCount      int // 0: nothing received
	}{
		{0, 10 * qSec, 1},
		{9 * qSec, 0, 0},
		{10 * qSec, 0, 2}, // queue default: back at 40s
		{39 * qSec, 0, 0},
		{40 * qSec, 5 * qSec, 3},
		{45 * qSec, 0, 4},
	} {
		got := q.Receive(tc.at, 10, tc.visibility, nil)
		switch {
		case tc.wantCount == 0 && len(got) != 0:
			t.Errorf("at %v: received %+v, want nothing", tc.at, got)
		case tc.wantCount > 0 && (len(got) != 1 || got[0].ReceiveCount != tc.wantCount || got[0].FirstReceivedAt != 0):
			t.Errorf("at %v: received %+v, want count %d", tc.at, got, tc.wantCount)
		}
	}
}

// Standard queue: a message whose visibility ends goes behind the messages already visible.
func TestQueueExpiredMessageGoesToBack(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	for b := uint64(1); b <= 3; b++ {
		qtSend(t, q, 0, b, SendOptions{})
	}
	if got := qtBodies(q.Receive(0, 1, 0, nil)); !qtSame(got, []uint64{1}) {
		t.Fatalf("first receive: %v", got)
	}
	qtSend(t, q, 10*qSec, 4, SendOptions{})
	if got := qtBodies(q.Receive(30*qSec, 10, 0, nil)); !qtSame(got, []uint64{2, 3, 4, 1}) {
		t.Errorf("after expiry: %v, want [2 3 4 1]", got)
	}
}

func TestQueueNextVisible(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	if _, ok := q.NextVisible(0); ok {
		t.Error("empty queue: NextVisible ok")
	}
	qtSend(t, q, 0, 1, SendOptions{})
	qtSend(t, q, 0, 2, SendOptions{})
	q.Receive(1*qSec, 1, 0, nil)       // back at 31s
	q.Receive(2*qSec, 1, 60*qSec, nil) // back at 62s
	for _, tc := range []struct {
		at   time.Duration
		want time.Duration
		ok   bool
	}{
		{2 * qSec, 31 * qSec, true},
		{31 * qSec, 62 * qSec, true},
	} {
		if got, ok := q.NextVisible(tc.at); got != tc.want || ok != tc.ok {
			t.Errorf("NextVisible(%v) = %v %v, want %v %v", tc.at, got, ok, tc.want, tc.ok)
		}
	}
	q.Receive(40*qSec, 10, 5*qSec, nil) // 1 again, back at 45s
	if got, _ := q.NextVisible(40 * qSec); got != 45*qSec {
		t.Errorf("NextVisible(40s) = %v, want 45s (out-of-order deadline)", got)
	}
}

func TestQueueOldestAge(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	qtSend(t, q, 1*qSec, 1, SendOptions{})
	qtSend(t, q, 2*qSec, 2, SendOptions{Delay: 10 * qSec})
	qtSend(t, q, 3*qSec, 3, SendOptions{})
	var r1 Receipt
	for _, tc := range []struct {
		at   time.Duration
		do   func(now time.Duration)
		want time.Duration
	}{
		{5 * qSec, nil, 4 * qSec},
		{6 * qSec, func(now time.Duration) { r1 = q.Receive(now, 1, 0, nil)[0].Receipt }, 5 * qSec}, // in flight still counts
		{7 * qSec, func(now time.Duration) { _ = q.Delete(now, r1) }, 5 * qSec},                     // 2 (delayed) is now oldest
		{20 * qSec, func(now time.Duration) {
			for _, m := range q.Receive(now, 10, 0, nil) {
				_ = q.Delete(now, m.Receipt)
			}
		}, 0},
	} {
		if tc.do != nil {
			tc.do(tc.at)
		}
		if got := q.OldestAge(tc.at); got != tc.want {
			t.Errorf("OldestAge(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestQueueCounts(t *testing.T) {
	q := qtQueue(t, QueueConfig{VisibilityTimeout: 10 * qSec}, QueueHooks{})
	for b := uint64(1); b <= 5; b++ {
		qtSend(t, q, 0, b, SendOptions{})
	}
	qtSend(t, q, 0, 6, SendOptions{Delay: 3 * qSec})
	var got []Message
	for _, tc := range []struct {
		at   time.Duration
		do   func(now time.Duration)
		want qtCounts
	}{
		{0, nil, qtCounts{5, 0, 1}},
		{1 * qSec, func(now time.Duration) { got = q.Receive(now, 3, 0, nil) }, qtCounts{2, 3, 1}},
		{2 * qSec, func(now time.Duration) { _ = q.Delete(now, got[0].Receipt) }, qtCounts{2, 2, 1}},
		{3 * qSec, nil, qtCounts{3, 2, 0}},
		{11 * qSec, nil, qtCounts{5, 0, 0}},
	} {
		if tc.do != nil {
			tc.do(tc.at)
		}
		if c := qtCountsAt(q, tc.at); c != tc.want {
			t.Errorf("counts at %v = %+v, want %+v", tc.at, c, tc.want)
		}
	}
}

func TestQueueChangeVisibility(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	qtSend(t, q, 0, 1, SendOptions{})
	qtSend(t, q, 0, 2, SendOptions{})
	ms := q.Receive(0, 2, 0, nil)
	r1, r2 := ms[0].Receipt, ms[1].Receipt
	for _, tc := range []struct {
		at      time.Duration
		r       Receipt
		timeout time.Duration
		err     error
		want    qtCounts
	}{
		{20 * qSec, r1, 60 * qSec, nil, qtCounts{0, 2, 0}},                     // 1 until 80s
		{25 * qSec, r2, 0, nil, qtCounts{1, 1, 0}},                             // 2 visible at once
		{26 * qSec, r2, 10 * qSec, ErrNotInFlight, qtCounts{1, 1, 0}},          // 2 is not in flight
		{27 * qSec, r1, 12 * time.Hour, ErrVisibilityRange, qtCounts{1, 1, 0}}, // 12h after the receive at 0 is the cap
		{27 * qSec, r1, 12*time.Hour - 27*qSec, nil, qtCounts{1, 1, 0}},        // exactly the cap
		{28 * qSec, r1, -1, ErrVisibilityRange, qtCounts{1, 1, 0}},             // negative
		{29 * qSec, Receipt(0), 1, ErrReceiptInvalid, qtCounts{1, 1, 0}},       // never issued
		{30 * qSec, r1, 50 * qSec, nil, qtCounts{1, 1, 0}},                     // 1 until 80s again
		{80 * qSec, r1, 10 * qSec, ErrNotInFlight, qtCounts{2, 0, 0}},          // it came back at 80s
	} {
		if err := q.ChangeVisibility(tc.at, tc.r, tc.timeout); !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
			t.Errorf("at %v ChangeVisibility(%v): err %v, want %v", tc.at, tc.timeout, err, tc.err)
		}
		if c := qtCountsAt(q, tc.at); c != tc.want {
			t.Errorf("counts at %v = %+v, want %+v", tc.at, c, tc.want)
		}
	}
}

func TestQueueStaleReceipts(t *testing.T) {
	q := qtQueue(t, QueueConfig{VisibilityTimeout: 10 * qSec}, QueueHooks{})
	qtSend(t, q, 0, 1, SendOptions{})
	qtSend(t, q, 0, 2, SendOptions{})
	first := q.Receive(0, 2, 0, nil)
	r1, r2 := first[0].Receipt, first[1].Receipt
	again := q.Receive(10*qSec, 1, 0, nil) // 1 again, after its first receipt expired
	r1b := again[0].Receipt
	for _, tc := range []struct {
		name string
		at   time.Duration
		r    Receipt
		err  error
		want qtCounts
	}{
		{"superseded receipt", 11 * qSec, r1, ErrReceiptExpired, qtCounts{1, 1, 0}},
		{"latest receipt after expiry (standard: deletes)", 12 * qSec, r2, nil, qtCounts{0, 1, 0}},
		{"same receipt twice", 13 * qSec, r2, ErrReceiptExpired, qtCounts{0, 1, 0}},
		{"latest receipt", 14 * qSec, r1b, nil, qtCounts{0, 0, 0}},
		{"zero receipt", 15 * qSec, 0, ErrReceiptInvalid, qtCounts{0, 0, 0}},
		{"receipt of another slab", 15 * qSec, Receipt(1<<32 | 99), ErrReceiptInvalid, qtCounts{0, 0, 0}},
	} {
		if err := q.Delete(tc.at, tc.r); !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
		}
		if c := qtCountsAt(q, tc.at); c != tc.want {
			t.Errorf("%s: counts %+v, want %+v", tc.name, c, tc.want)
		}
	}
	// A freed slot reused by a new message does not honour the old receipt.
	qtSend(t, q, 20*qSec, 3, SendOptions{})
	if err := q.Delete(20*qSec, r1b); !errors.Is(err, ErrReceiptExpired) {
		t.Errorf("receipt of the slot's previous message: %v", err)
	}
}

// Instants that go backwards are taken as the latest seen.
func TestQueueTimeNeverGoesBack(t *testing.T) {
	q := qtQueue(t, QueueConfig{VisibilityTimeout: 10 * qSec}, QueueHooks{})
	qtSend(t, q, 0, 1, SendOptions{})
	q.Receive(0, 1, 0, nil)
	if c := qtCountsAt(q, 10*qSec); c != (qtCounts{1, 0, 0}) {
		t.Fatalf("counts at 10s: %+v", c)
	}
	if got := q.Receive(5*qSec, 1, 0, nil); len(got) != 1 || got[0].FirstReceivedAt != 0 {
		t.Fatalf("receive at 5s after 10s: %+v", got)
	}
	if next, _ := q.NextVisible(5 * qSec); next != 20*qSec {
		t.Errorf("visibility counted from %v, want from 10s", next-10*qSec)
	}
}
