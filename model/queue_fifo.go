package model

import "time"

// FIFO queues (QueueConfig.FIFO) share Queue's storage and timers but deliver by message
// group, as Amazon SQS FIFO queues do:
//
//   - Every message belongs to a group (SendOptions.Group, required). Within a group,
//     messages come out in send order, and a group is blocked while any of its messages is
//     in flight: nothing more of it is delivered until they are deleted or visible again.
//     A message whose visibility timeout ends is still at its place in the group, so it is
//     the next one delivered.
//   - A receive takes the ready group whose first message was sent earliest, returns as
//     many of that group's messages as it can (in order, up to max), then moves to the next
//     ready group.
//   - Deduplication: a send whose key (SendOptions.DedupID, or the body when ContentDedup
//     is set and no DedupID is given) was first accepted less than 5 minutes earlier is
//     accepted but not enqueued; it returns the first message's id. Keys are remembered
//     after the message is deleted. A duplicate does not extend the window.
//   - Only the queue's Delay applies; a per-message delay is an error (ErrFIFOMessageDelay).
//   - Receipts expire with the visibility timeout (ErrReceiptExpired), as in SQS.
//   - A message dead-lettered into a FIFO queue keeps its group and restarts its retention
//     (SQS resets the enqueue timestamp of FIFO messages moved to a dead-letter queue).
//
// Not modelled: throughput quotas (300 or 3,000 messages per second, high-throughput
// mode), the in-flight message quota, ReceiveRequestAttemptId, and deduplication scope
// per message group.

// qgroup is one message group: a doubly linked list, through the slots, of its messages
// in send order (delayed, visible and in flight alike).
type qgroup struct {
	name       string
	head, tail int32  // slot indices, -1 = none
	size       int32  // messages in the group
	inFlight   int32  // of which in flight
	heapSeq    uint64 // head seq this group is queued under in ready; 0 = not queued
}

// qgref queues a group in ready by the seq of its first message.
type qgref struct {
	seq uint64
	grp int32
}

func (g qgref) before(h qgref) bool { return g.seq < h.seq }

type qdedupKey struct {
	id     string
	body   uint64
	byBody bool
}

type qdedupSeen struct {
	id uint64
	at time.Duration
}

type qdedupRec struct {
	key qdedupKey
	at  time.Duration
}

// qfifo is the FIFO part of a Queue.
type qfifo struct {
	groups     []qgroup
	byName     map[string]int32
	freeGroups []int32
	ready      qheap[qgref] // groups that can deliver now, lazily: entries are checked when popped
	dedup      map[qdedupKey]qdedupSeen
	dedupOrder qring[qdedupRec] // keys in the order first seen, to forget them after 5 minutes
}

func newQFIFO() *qfifo {
	return &qfifo{byName: map[string]int32{}, dedup: map[qdedupKey]qdedupSeen{}}
}

func (q *Queue) sendFIFO(now time.Duration, body uint64, o SendOptions, delay time.Duration) (uint64, bool, error) {
	if o.Group == "" {
		return 0, false, ErrGroupRequired
	}
	key := qdedupKey{id: o.DedupID}
	if o.DedupID == "" {
		if !q.cfg.ContentDedup {
			return 0, false, ErrDedupRequired
		}
		key = qdedupKey{body: body, byBody: true}
	}
	f := q.fifo
	f.forget(now)
	if seen, ok := f.dedup[key]; ok {
		return seen.id, true, nil
	}
	id := q.slots[q.enqueue(now, q.nextID+1, body, o.Group, now, delay)].id
	f.dedup[key] = qdedupSeen{id: id, at: now}
	f.dedupOrder.push(qdedupRec{key: key, at: now})
	return id, false, nil
}

// forget drops the deduplication keys first seen 5 minutes or more before now.
func (f *qfifo) forget(now time.Duration) {
	for f.dedupOrder.len() > 0 {
		r := f.dedupOrder.front()
		if now < r.at+QueueDedupWindow {
			return
		}
		f.dedupOrder.pop()
		if f.dedup[r.key].at == r.at {
			delete(f.dedup, r.key)
		}
	}
}

func (q *Queue) receiveFIFO(now time.Duration, max int, visibility time.Duration, buf []Message) []Message {
	for n := 0; n < max; {
		gi, ok := q.fifoPopReady()
		if !ok {
			break
		}
		for cur := q.fifo.groups[gi].head; cur >= 0 && n < max; {
			idx := uint32(cur)
			if q.slots[idx].state != qVisible {
				break // still delayed
			}
			cur = q.slots[idx].next
			if q.redrive(now, idx) {
				continue
			}
			q.fifo.groups[gi].inFlight++
			buf = q.deliver(now, idx, visibility, buf)
			n++
		}
		q.fifoMaybeReady(gi)
	}
	return buf
}

// fifoPopReady returns the ready group with the earliest first message.
func (q *Queue) fifoPopReady() (int32, bool) {
	f := q.fifo
	for f.ready.len() > 0 {
		e := f.ready.pop()
		g := &f.groups[e.grp]
		if g.heapSeq != e.seq {
			continue // superseded by a later entry
		}
		g.heapSeq = 0
		if g.inFlight == 0 && g.head >= 0 && q.slots[g.head].seq == e.seq && q.slots[g.head].state == qVisible {
			return e.grp, true
		}
	}
	return -1, false
}

// fifoMaybeReady queues group gi in ready if it can deliver and is not queued already.
func (q *Queue) fifoMaybeReady(gi int32) {
	f := q.fifo
	g := &f.groups[gi]
	if g.inFlight > 0 || g.head < 0 {
		return
	}
	h := &q.slots[g.head]
	if h.state != qVisible || g.heapSeq == h.seq {
		return
	}
	g.heapSeq = h.seq
	f.ready.push(qgref{seq: h.seq, grp: gi})
}

// fifoAppend links a new message at the tail of its group.
func (q *Queue) fifoAppend(idx uint32) {
	f := q.fifo
	s := &q.slots[idx]
	gi, ok := f.byName[s.group]
	if !ok {
		gi = f.newGroup(s.group)
	}
	g := &f.groups[gi]
	s.grp, s.prev, s.next = gi, g.tail, -1
	if g.tail >= 0 {
		q.slots[g.tail].next = int32(idx)
	} else {
		g.head = int32(idx)
	}
	g.tail = int32(idx)
	g.size++
	q.fifoMaybeReady(gi)
}

func (f *qfifo) newGroup(name string) int32 {
	var gi int32
	if n := len(f.freeGroups); n > 0 {
		gi, f.freeGroups = f.freeGroups[n-1], f.freeGroups[:n-1]
	} else {
		f.groups = append(f.groups, qgroup{})
		gi = int32(len(f.groups) - 1)
	}
	f.groups[gi] = qgroup{name: name, head: -1, tail: -1}
	f.byName[name] = gi
	return gi
}

// fifoUnlink takes a message out of its group before its slot is freed; an emptied group
// is forgotten.
func (q *Queue) fifoUnlink(idx uint32) {
	f := q.fifo
	s := &q.slots[idx]
	gi := s.grp
	g := &f.groups[gi]
	if s.state == qInFlight {
		g.inFlight--
	}
	if s.prev >= 0 {
		q.slots[s.prev].next = s.next
	} else {
		g.head = s.next
	}
	if s.next >= 0 {
		q.slots[s.next].prev = s.prev
	} else {
		g.tail = s.prev
	}
	s.grp, s.prev, s.next = -1, -1, -1
	if g.size--; g.size == 0 {
		delete(f.byName, g.name)
		*g = qgroup{head: -1, tail: -1}
		f.freeGroups = append(f.freeGroups, gi)
		return
	}
	q.fifoMaybeReady(gi)
}

// fifoUnhide notes that a message of the group became visible (delay over, or back from
// flight).
func (q *Queue) fifoUnhide(idx uint32, wasInFlight bool) {
	gi := q.slots[idx].grp
	if wasInFlight {
		q.fifo.groups[gi].inFlight--
	}
	q.fifoMaybeReady(gi)
}
