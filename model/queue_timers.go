package model

import "time"

// This file holds the allocation-free containers behind Queue: a ring deque, a binary
// min-heap, and a "lane" that keeps timers in a ring while they arrive in time order and
// falls back to a heap when they do not. All grow by doubling and never shrink, so a queue
// in steady state allocates nothing.

// qring is a FIFO deque over a power-of-two circular buffer. The zero value is empty.
type qring[T any] struct {
	buf  []T
	head int
	n    int
}

func (r *qring[T]) len() int { return r.n }

func (r *qring[T]) push(x T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = x
	r.n++
}

// front and back must only be called on a non-empty ring.
func (r *qring[T]) front() T { return r.buf[r.head] }

func (r *qring[T]) back() T { return r.buf[(r.head+r.n-1)&(len(r.buf)-1)] }

func (r *qring[T]) pop() T {
	x := r.buf[r.head]
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return x
}

func (r *qring[T]) grow() {
	size := max(16, 2*len(r.buf))
	buf := make([]T, size)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = buf, 0
}

// qordered is an element of a qheap: before reports whether it must come out first.
type qordered[T any] interface{ before(T) bool }

// qheap is a binary min-heap. The zero value is empty.
type qheap[T qordered[T]] struct{ items []T }

func (h *qheap[T]) len() int { return len(h.items) }

func (h *qheap[T]) top() T { return h.items[0] }

func (h *qheap[T]) push(x T) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.items[i].before(h.items[p]) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *qheap[T]) pop() T {
	x := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < last && h.items[l].before(h.items[m]) {
			m = l
		}
		if r < last && h.items[r].before(h.items[m]) {
			m = r
		}
		if m == i {
			return x
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
}

// qtimer is an instant at which something may happen to the message in slot idx. Timers
// are never removed when they become moot: the queue recognises a stale one when it
// reaches the front (lazy deletion) by its seq (the slot's wake timer) or its tag (the
// slot's life, for retention). Timers due at the same instant fire in the order they were
// set (seq).
type qtimer struct {
	at  time.Duration
	seq uint64
	idx uint32
	tag uint32
}

func (t qtimer) before(u qtimer) bool { return t.at < u.at || (t.at == u.at && t.seq < u.seq) }

// qlane holds timers of one kind. Timers added in non-decreasing order of at (the usual
// case: now plus a fixed timeout, with now non-decreasing) go to the ring, in O(1); any
// other goes to the shared heap, in O(log n). Timers get increasing seqs, so the ring stays
// ordered by (at, seq) too. The earliest timer is the earlier of the ring's front and the
// heap's top.
type qlane struct {
	ring qring[qtimer]
	heap *qheap[qtimer]
}

func (l *qlane) add(t qtimer) {
	if l.ring.len() == 0 || t.at >= l.ring.back().at {
		l.ring.push(t)
		return
	}
	l.heap.push(t)
}
