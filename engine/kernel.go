package engine

import (
	"cmp"
	"math/bits"
	"slices"
	"time"
)

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
	evSent                   // arg: request ref — a remote SendMessage of the gateway done (a tag only)
	evRequeued               // arg: request ref — a remote re-queue done (a tag only)
)

// tag names an outcome to come (a call's answer, a send's result) as the event it fires.
func tag(kd kind, arg uint64) uint64 { return uint64(kd)<<argBits | arg }

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

// kernel is the simulator's event queue: a radix heap ordered by (at, seq). Events at the
// same instant fire in the order they were scheduled, which makes runs reproducible.
//
// A radix heap suits a simulator because time never goes back: every event is scheduled at or
// after the instant last taken out (the key "last"). Bucket b holds the events whose time
// differs from last first at bit b−1 (bucket 0: at == last), so a push is an append; taking
// out the earliest event empties the lowest non-empty bucket into lower ones, each event moving
// down a few times over its life. It replaced a binary heap that cost a sixth of a run.
type kernel struct {
	buckets [65][]event
	nonzero uint64 // bit b set: buckets[b] is not empty (b ≥ 1)
	head    int    // buckets[0][head:] are the events at last, in scheduling order
	last    time.Duration
	n       int
	seq     uint64
	now     time.Duration
	// min caches the earliest instant among the buckets above 0 (valid when minOK).
	min   time.Duration
	minOK bool
}

func bucketOf(at, last time.Duration) int {
	if at == last {
		return 0
	}
	return bits.Len64(uint64(at) ^ uint64(last))
}

// schedule adds an event at instant at (never before now) with argument arg < 2^60.
func (k *kernel) schedule(at time.Duration, kd kind, arg uint64) {
	k.seq++
	at = max(at, k.now, k.last)
	k.push(event{at: at, seq: k.seq, data: uint64(kd)<<argBits | arg})
}

func (k *kernel) push(e event) {
	b := bucketOf(e.at, k.last)
	k.buckets[b] = append(k.buckets[b], e)
	k.n++
	if b > 0 {
		k.nonzero |= 1 << b
		if k.minOK && e.at < k.min {
			k.min = e.at
		}
	}
}

// next removes and returns the earliest event and advances now to it.
func (k *kernel) next() (event, bool) {
	if k.n == 0 {
		return event{}, false
	}
	if k.head == len(k.buckets[0]) {
		k.refill()
	}
	e := k.buckets[0][k.head]
	k.head++
	if k.head == len(k.buckets[0]) {
		k.buckets[0], k.head = k.buckets[0][:0], 0
	}
	k.n--
	k.now = e.at
	return e, true
}

// refill empties the lowest non-empty bucket into the lower ones: its earliest events become
// bucket 0, in scheduling order.
func (k *kernel) refill() {
	b := bits.TrailingZeros64(k.nonzero)
	src := k.buckets[b]
	k.last = k.earliest()
	k.buckets[b] = nil
	k.nonzero &^= 1 << b
	k.minOK = false
	k.n -= len(src)
	for _, e := range src {
		k.push(e)
	}
	zero := k.buckets[0]
	slices.SortFunc(zero, func(a, b event) int { return cmp.Compare(a.seq, b.seq) })
	k.buckets[b] = src[:0] // keep the storage for later pushes
}

// earliest is the earliest instant among the buckets above 0.
func (k *kernel) earliest() time.Duration {
	if k.minOK {
		return k.min
	}
	b := bits.TrailingZeros64(k.nonzero)
	m := k.buckets[b][0].at
	for _, e := range k.buckets[b][1:] {
		m = min(m, e.at)
	}
	k.min, k.minOK = m, true
	return m
}

// peek returns the instant of the earliest event.
func (k *kernel) peek() (time.Duration, bool) {
	switch {
	case k.n == 0:
		return 0, false
	case k.head < len(k.buckets[0]):
		return k.last, true
	default:
		return k.earliest(), true
	}
}
