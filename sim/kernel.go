// Package sim runs a scenario in virtual time: a discrete-event kernel (one goroutine, an event
// heap ordered by time then sequence, integer nanoseconds, one seeded rand) drives the models of
// package model and feeds package metrics. A day of traffic runs in seconds, and the same seed
// gives the same summary byte for byte.
package sim

import "time"

// kind says what an event does when it fires.
type kind uint8

const (
	evRetry      kind = iota // arg: request ref — a client retry
	evDirectDone             // arg: request ref — a synchronous backend call answers
	evCallDone               // arg: worker — a worker's downstream call answers
	evWake                   // arg: queue — something becomes visible on a queue
	evOrch                   // the orchestrator asked to be stepped
	evOrchCall               // arg: orchestrator worker — its downstream call answers
	evAsync                  // Lambda retries throttled asynchronous worker invocations
	evHealth                 // a health check answers
	evTokens                 // a task token's deadline
)

// event is one scheduled happening, 24 bytes: the heap holds no pointers, and nothing about a
// request is kept beyond its reference. data packs the kind (top 4 bits) and its argument: a
// client, worker or queue index, or a request reference (60 bits; see slab).
type event struct {
	at   time.Duration
	seq  uint64
	data uint64
}

const argBits = 60

func (e event) kind() kind  { return kind(e.data >> argBits) }
func (e event) arg() uint64 { return e.data & (1<<argBits - 1) }

// kernel is a binary min-heap of events ordered by (at, seq): events at the same instant fire
// in the order they were scheduled, which makes runs reproducible. It moves a hole rather than
// swapping, and pops bottom-up (Floyd): the simulator spends a third of its time here.
type kernel struct {
	heap []event
	seq  uint64
	now  time.Duration
}

func before(a, b *event) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

// schedule adds an event at instant at (never before now) with argument arg < 2^60.
func (k *kernel) schedule(at time.Duration, kd kind, arg uint64) {
	k.seq++
	e := event{at: max(at, k.now), seq: k.seq, data: uint64(kd)<<argBits | arg}
	k.heap = append(k.heap, e)
	k.up(len(k.heap)-1, e)
}

// next removes and returns the earliest event and advances now to it.
func (k *kernel) next() (event, bool) {
	n := len(k.heap)
	if n == 0 {
		return event{}, false
	}
	top := k.heap[0]
	last := k.heap[n-1]
	k.heap = k.heap[:n-1]
	if n > 1 {
		k.fill(last)
	}
	k.now = top.at
	return top, true
}

// peek returns the instant of the earliest event.
func (k *kernel) peek() (time.Duration, bool) {
	if len(k.heap) == 0 {
		return 0, false
	}
	return k.heap[0].at, true
}

// up moves e, at the hole i, towards the root.
func (k *kernel) up(i int, e event) {
	h := k.heap
	for i > 0 {
		p := (i - 1) / 2
		if !before(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// fill moves the hole at the root down to a leaf along the smaller children, then puts e
// there and lets it rise: about one comparison per level instead of two.
func (k *kernel) fill(e event) {
	h := k.heap
	n := len(h)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && before(&h[r], &h[l]) {
			l = r
		}
		h[i] = h[l]
		i = l
	}
	k.up(i, e)
}
