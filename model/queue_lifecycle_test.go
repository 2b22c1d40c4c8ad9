package model

import (
	"errors"
	"testing"
	"time"
)

// maxReceiveCount 3: the 4th receive moves the message to the DLQ instead, with its
// SentAt and receive count; the DLQ's age counts from the move.
func TestQueueRedrive(t *testing.T) {
	var srcLog, dlqLog qtLog
	dlq := qtQueue(t, QueueConfig{Name: "dlq"}, dlqLog.hooks())
	q := qtQueue(t, QueueConfig{Name: "src", VisibilityTimeout: 10 * qSec, MaxReceiveCount: 3, DeadLetter: dlq}, srcLog.hooks())
	qtSend(t, q, 0, 7, SendOptions{})
	qtSend(t, q, 0, 8, SendOptions{Delay: 25 * qSec})
	for _, tc := range []struct {
		at     time.Duration
		want   []uint64
		counts []int
	}{
		{0, []uint64{7}, []int{1}},
		{10 * qSec, []uint64{7}, []int{2}},
		{20 * qSec, []uint64{7}, []int{3}},
		{30 * qSec, []uint64{8}, []int{1}}, // 7 (received 3 times) is redriven, 8 returned
		{40 * qSec, []uint64{8}, []int{2}},
	} {
		got := q.Receive(tc.at, 10, 0, nil)
		if !qtSame(qtBodies(got), tc.want) || got[0].ReceiveCount != tc.counts[0] {
			t.Errorf("at %v: received %+v, want %v counts %v", tc.at, got, tc.want, tc.counts)
		}
	}
	if want := []qtEvent{{30 * qSec, 7}}; len(srcLog.dead) != 1 || srcLog.dead[0] != want[0] {
		t.Errorf("DeadLettered hook: %v, want %v", srcLog.dead, want)
	}
	if got := qtCountsAt(dlq, 30*qSec); got != (qtCounts{1, 0, 0}) {
		t.Errorf("dlq counts: %+v", got)
	}
	if got := dlq.OldestAge(45 * qSec); got != 15*qSec {
		t.Errorf("dlq OldestAge at 45s = %v, want 15s (since the move)", got)
	}
	got := dlq.Receive(50*qSec, 10, 0, nil)
	if len(got) != 1 || got[0].Body != 7 || got[0].SentAt != 0 || got[0].ReceiveCount != 4 || got[0].ID != 1 {
		t.Errorf("dlq receive: %+v", got)
	}
}

// A standard DLQ keeps the original SentAt: retention counts from the first send.
func TestQueueDeadLetterRetentionFromOriginalSend(t *testing.T) {
	var dlqLog qtLog
	dlq := qtQueue(t, QueueConfig{Retention: 2 * time.Minute}, dlqLog.hooks())
	q := qtQueue(t, QueueConfig{VisibilityTimeout: 10 * qSec, MaxReceiveCount: 1, DeadLetter: dlq}, QueueHooks{})
	qtSend(t, q, 0, 7, SendOptions{})
	q.Receive(0, 1, 0, nil)
	q.Receive(60*qSec, 1, 0, nil) // moves 7 at 60s
	for _, tc := range []struct {
		at   time.Duration
		want qtCounts
	}{
		{60 * qSec, qtCounts{1, 0, 0}},
		{120*qSec - 1, qtCounts{1, 0, 0}},
		{120 * qSec, qtCounts{0, 0, 0}},
	} {
		if got := qtCountsAt(dlq, tc.at); got != tc.want {
			t.Errorf("dlq counts at %v = %+v, want %+v", tc.at, got, tc.want)
		}
	}
	if len(dlqLog.expired) != 1 || dlqLog.expired[0] != (qtEvent{120 * qSec, 7}) {
		t.Errorf("dlq Expired hook: %v", dlqLog.expired)
	}
}

// Without a DeadLetter queue, a redriven message is dropped after the hook.
func TestQueueRedriveWithoutDeadLetterQueue(t *testing.T) {
	var log qtLog
	q := qtQueue(t, QueueConfig{VisibilityTimeout: -1, MaxReceiveCount: 1}, log.hooks())
	qtSend(t, q, 0, 7, SendOptions{})
	if got := q.Receive(0, 1, 0, nil); len(got) != 1 {
		t.Fatalf("first receive: %v", got)
	}
	if got := q.Receive(0, 1, 0, nil); len(got) != 0 {
		t.Errorf("second receive at once (zero visibility): %v, want nothing", got)
	}
	if got := qtCountsAt(q, 0); got != (qtCounts{}) || len(log.dead) != 1 {
		t.Errorf("counts %+v, dead %v", got, log.dead)
	}
}

func TestQueueDelay(t *testing.T) {
	q := qtQueue(t, QueueConfig{Delay: 10 * qSec}, QueueHooks{})
	qtSend(t, q, 0, 1, SendOptions{Delay: QueueDefaultDelay}) // queue default: 10s
	qtSend(t, q, 0, 2, SendOptions{})                         // explicit zero
	qtSend(t, q, 0, 3, SendOptions{Delay: 5 * qSec})
	if _, _, err := q.Send(0, 4, SendOptions{Delay: 15*time.Minute + 1}); !errors.Is(err, ErrDelayRange) {
		t.Errorf("16m delay: err %v", err)
	}
	for _, tc := range []struct {
		at       time.Duration
		want     qtCounts
		next     time.Duration
		nextOK   bool
		received []uint64
	}{
		{0, qtCounts{1, 0, 2}, 5 * qSec, true, []uint64{2}},
		{5*qSec - 1, qtCounts{0, 1, 2}, 5 * qSec, true, nil},
		{5 * qSec, qtCounts{1, 1, 1}, 10 * qSec, true, []uint64{3}},
		{10 * qSec, qtCounts{1, 2, 0}, 30 * qSec, true, []uint64{1}},
		{30 * qSec, qtCounts{1, 2, 0}, 35 * qSec, true, nil},
	} {
		if got := qtCountsAt(q, tc.at); got != tc.want {
			t.Errorf("counts at %v = %+v, want %+v", tc.at, got, tc.want)
		}
		if next, ok := q.NextVisible(tc.at); next != tc.next || ok != tc.nextOK {
			t.Errorf("NextVisible(%v) = %v %v, want %v %v", tc.at, next, ok, tc.next, tc.nextOK)
		}
		if got := qtBodies(q.Receive(tc.at, 1, 0, nil)); len(tc.received) > 0 && !qtSame(got, tc.received) {
			t.Errorf("receive at %v = %v, want %v", tc.at, got, tc.received)
		}
	}
}

// Retention 1m: a visible message is dropped when it is 1m old; one in flight then is
// dropped when its visibility timeout ends, not under its consumer.
func TestQueueRetention(t *testing.T) {
	var log qtLog
	q := qtQueue(t, QueueConfig{Retention: time.Minute}, log.hooks())
	qtSend(t, q, 0, 1, SendOptions{})
	qtSend(t, q, 30*qSec, 2, SendOptions{})
	qtSend(t, q, 30*qSec, 3, SendOptions{Delay: 5 * qSec})
	got := q.Receive(40*qSec, 1, 60*qSec, nil) // 1, in flight until 100s
	if !qtSame(qtBodies(got), []uint64{1}) {
		t.Fatalf("receive: %v", qtBodies(got))
	}
	for _, tc := range []struct {
		at      time.Duration
		want    qtCounts
		expired int
	}{
		{60*qSec - 1, qtCounts{2, 1, 0}, 0},
		{60 * qSec, qtCounts{2, 1, 0}, 0},  // 1 is overdue but in flight
		{90 * qSec, qtCounts{0, 1, 0}, 2},  // 2 and 3 expire at 90s
		{100 * qSec, qtCounts{0, 0, 0}, 3}, // 1 dropped when it comes back
	} {
		if got := qtCountsAt(q, tc.at); got != tc.want || len(log.expired) != tc.expired {
			t.Errorf("at %v: counts %+v expired %v, want %+v and %d", tc.at, got, log.expired, tc.want, tc.expired)
		}
	}
	want := []qtEvent{{90 * qSec, 2}, {90 * qSec, 3}, {100 * qSec, 1}}
	for i := range want {
		if log.expired[i] != want[i] {
			t.Errorf("Expired hook %d = %v, want %v", i, log.expired[i], want[i])
		}
	}
	if err := q.Delete(100*qSec, got[0].Receipt); !errors.Is(err, ErrReceiptExpired) {
		t.Errorf("delete after expiry: %v", err)
	}
}
