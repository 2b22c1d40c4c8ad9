// Package sim runs a scenario in virtual time: a discrete-event kernel (one goroutine, an event
// heap ordered by time then sequence, integer nanoseconds, one seeded rand) drives the models of
// package model and feeds package metrics. A day of traffic runs in seconds, and the same seed
// gives the same summary byte for byte.
package sim

import "time"

// kind says what an event does when it fires.
type kind uint8

const (
	evArrival    kind = iota // a: client — the client's next first attempt
	evRetry                  // b: request ref — a client retry
	evDirectDone             // b: request ref — a synchronous backend call answers
	evCallDone               // a: worker — a worker's downstream call answers
	evWake                   // a: queue — something becomes visible on a queue
	evTimer                  // a: pattern timer id — a consumer pattern's own timer
)

// event is one scheduled happening. It is a plain value: the heap holds no pointers, and
// nothing about a request is kept beyond its reference.
type event struct {
	at   time.Duration
	seq  uint64
	kind kind
	a    int32
	b    uint64
}

// kernel is a binary min-heap of events ordered by (at, seq): events at the same instant fire
// in the order they were scheduled, which makes runs reproducible.
type kernel struct {
	heap []event
	seq  uint64
	now  time.Duration
}

func (k *kernel) less(i, j int) bool {
	a, b := &k.heap[i], &k.heap[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// schedule adds an event at instant at (never before now).
func (k *kernel) schedule(at time.Duration, kd kind, a int32, b uint64) {
	at = max(at, k.now)
	k.seq++
	k.heap = append(k.heap, event{at: at, seq: k.seq, kind: kd, a: a, b: b})
	k.up(len(k.heap) - 1)
}

// next removes and returns the earliest event and advances now to it.
func (k *kernel) next() (event, bool) {
	n := len(k.heap)
	if n == 0 {
		return event{}, false
	}
	e := k.heap[0]
	k.heap[0] = k.heap[n-1]
	k.heap = k.heap[:n-1]
	if n > 1 {
		k.down(0)
	}
	k.now = e.at
	return e, true
}

// peek returns the instant of the earliest event.
func (k *kernel) peek() (time.Duration, bool) {
	if len(k.heap) == 0 {
		return 0, false
	}
	return k.heap[0].at, true
}

func (k *kernel) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !k.less(i, p) {
			return
		}
		k.heap[i], k.heap[p] = k.heap[p], k.heap[i]
		i = p
	}
}

func (k *kernel) down(i int) {
	n := len(k.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && k.less(r, l) {
			m = r
		}
		if !k.less(m, i) {
			return
		}
		k.heap[i], k.heap[m] = k.heap[m], k.heap[i]
		i = m
	}
}
