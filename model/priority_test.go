package model

import (
	"testing"
	"time"
)

func priorityQueues(t *testing.T) ([]*Queue, []QueueAPI) {
	t.Helper()
	var qs []*Queue
	var apis []QueueAPI
	for _, name := range []string{"high", "normal", "batch"} {
		q, err := NewQueue(QueueConfig{Name: name, VisibilityTimeout: 30 * time.Second, MaxReceiveCount: 3}, QueueHooks{})
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
		apis = append(apis, q)
	}
	return qs, apis
}

// Deferral decisions at fixed instants: a worker about to handle a lower message takes a
// higher one when there is one, and handles a message at max_receive_count regardless.
func TestPriorityDeferral(t *testing.T) {
	const high, normal, batch = 0, 1, 2
	for _, c := range []struct {
		name      string
		queued    []int // queue of each message sent before the check (body = its index)
		from      int   // the queue of the message about to be handled
		receives  int   // times that message has been received (1 = first delivery)
		wantQueue int
		wantDefer bool
	}{
		{"normal, nothing higher", nil, normal, 1, normal, false},
		{"normal, high waiting", []int{high}, normal, 1, high, true},
		{"batch, normal waiting", []int{normal}, batch, 1, normal, true},
		{"batch, high and normal waiting: high first", []int{normal, high}, batch, 1, high, true},
		{"high never defers", []int{high}, high, 1, high, false},
		{"normal at max receive count is handled anyway", []int{high}, normal, 3, normal, false},
		{"normal below max receive count defers", []int{high}, normal, 2, high, true},
		{"batch ignores lower queues", []int{batch}, normal, 1, normal, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			qs, apis := priorityQueues(t)
			p, err := NewPriority(apis, PriorityConfig{Concurrency: 2, Order: []int{high, normal, batch}, MaxReceive: []int{3, 3, 3}})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Second
			for i, q := range c.queued {
				if _, _, err := qs[q].Send(0, uint64(100+i), SendOptions{Delay: -1}); err != nil {
					t.Fatal(err)
				}
			}
			m := Message{Body: 7, ReceiveCount: c.receives}
			got, q, deferred := p.Before(now, 0, c.from, m)
			if q != c.wantQueue || deferred != c.wantDefer {
				t.Fatalf("Before = queue %d deferred %v, want queue %d deferred %v", q, deferred, c.wantQueue, c.wantDefer)
			}
			if !deferred && got.Body != 7 {
				t.Errorf("handled body %d, want the message itself", got.Body)
			}
			if deferred {
				if got.Body < 100 || got.ReceiveCount != 1 {
					t.Errorf("took %+v, want a fresh higher message", got)
				}
				if _, inFlight, _ := qs[q].Counts(now); inFlight != 1 {
					t.Errorf("the higher message is not in flight on %s", qs[q].Name())
				}
				if p.Deferred() != 1 {
					t.Errorf("Deferred() = %d", p.Deferred())
				}
			}
		})
	}
}
