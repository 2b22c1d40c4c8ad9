package model

import (
	"math"
	"time"
)

// This file holds the Queue's storage: a slab of message slots with a free list, the state
// transitions of a message, and the timers that drive them.

// qNever is an instant later than any run.
const qNever = time.Duration(math.MaxInt64)

// Message states; qFree marks an unused slot.
const (
	qFree uint8 = iota
	qDelayed
	qVisible
	qInFlight
	qStates
)

// Timer sources: delay ends and visibility ends (in their lanes or the wake heap), and
// retention (its lane or the expire heap).
const (
	qSrcDelay = iota
	qSrcInFlight
	qSrcWake
	qSrcRetention
	qSrcExpire
	qSources
)

// qslot is one message. gen changes at every receive and when the slot is freed: a receipt
// or visible-ring reference carrying an older gen is stale. life changes only when the
// slot is freed: it names the message across receives (age ring, retention timer).
type qslot struct {
	id, body, seq uint64
	group         string
	sentAt        time.Duration // retention counts from here
	enqAt         time.Duration // arrival in this queue, for OldestAge
	firstRecv     time.Duration
	recvAt        time.Duration // latest receive, for the 12h visibility cap
	wake          uint64        // seq of the timer ending the delay or the visibility timeout
	count         int32
	gen, life     uint32
	grp           int32 // FIFO: group index
	prev, next    int32 // FIFO: neighbours in the group, -1 = none
	state         uint8
	overdue       bool // retention ran out while in flight: drop when it returns
}

// qref names a slot as it was when the reference was taken (tag: gen or life).
type qref struct{ idx, tag uint32 }

func (q *Queue) alloc() uint32 {
	if n := len(q.free); n > 0 {
		idx := q.free[n-1]
		q.free = q.free[:n-1]
		return idx
	}
	q.slots = append(q.slots, qslot{})
	return uint32(len(q.slots) - 1)
}

// setState moves s to st and keeps the counts (that of qFree is meaningless).
func (q *Queue) setState(s *qslot, st uint8) {
	q.counts[s.state]--
	s.state = st
	q.counts[st]++
}

// enqueue stores a new message arriving at now and returns its slot.
func (q *Queue) enqueue(now time.Duration, id, body uint64, group string, sentAt, delay time.Duration) uint32 {
	idx := q.alloc()
	s := &q.slots[idx]
	q.seq++
	if id > q.nextID {
		q.nextID = id
	}
	*s = qslot{id: id, body: body, seq: q.seq, group: group, sentAt: sentAt, enqAt: now,
		gen: s.gen, life: s.life, grp: -1, prev: -1, next: -1}
	if delay > 0 {
		q.setState(s, qDelayed)
		q.setWake(&q.delays, idx, now+delay)
	} else {
		q.setState(s, qVisible)
	}
	if q.fifo != nil {
		q.fifoAppend(idx)
	} else if delay <= 0 {
		q.visible.push(qref{idx, s.gen})
	}
	q.addTimer(&q.retention, sentAt+q.cfg.Retention, idx, s.life)
	q.age.push(qref{idx, s.life})
	return idx
}

// deliver puts a visible message in flight for visibility and appends it to buf.
func (q *Queue) deliver(now time.Duration, idx uint32, visibility time.Duration, buf []Message) []Message {
	s := &q.slots[idx]
	s.count++
	if s.count == 1 {
		s.firstRecv = now
	}
	s.gen++
	s.recvAt = now
	q.setState(s, qInFlight)
	q.setWake(&q.inFlight, idx, now+visibility)
	buf = append(buf, Message{})
	m := &buf[len(buf)-1]
	q.fill(m, idx)
	m.Receipt = Receipt(uint64(s.gen)<<32 | uint64(idx+1))
	return buf
}

// unhide makes a delayed or in-flight message visible at instant at, or drops it when
// retention ran out while it was in flight.
func (q *Queue) unhide(at time.Duration, idx uint32) {
	s := &q.slots[idx]
	if s.overdue {
		q.expireNow(at, idx)
		return
	}
	wasInFlight := s.state == qInFlight
	q.setState(s, qVisible)
	if q.fifo != nil {
		q.fifoUnhide(idx, wasInFlight)
		return
	}
	q.visible.push(qref{idx, s.gen})
}

// release frees a message's slot: deleted, dead-lettered or expired.
func (q *Queue) release(idx uint32) {
	s := &q.slots[idx]
	if q.fifo != nil {
		q.fifoUnlink(idx)
	}
	q.setState(s, qFree)
	s.gen++
	s.life++
	s.overdue = false
	s.group = ""
	q.free = append(q.free, idx)
}

func (q *Queue) snapshot(idx uint32) Message {
	var m Message
	q.fill(&m, idx)
	return m
}

// fill copies the message in slot idx to m, all but the receipt.
func (q *Queue) fill(m *Message, idx uint32) {
	s := &q.slots[idx]
	m.ID, m.Body, m.Group, m.SentAt = s.id, s.body, s.group, s.sentAt
	m.FirstReceivedAt, m.ReceiveCount = s.firstRecv, int(s.count)
}

func (q *Queue) expireNow(at time.Duration, idx uint32) {
	m := q.snapshot(idx)
	q.release(idx)
	if q.hooks.Expired != nil {
		q.hooks.Expired(at, m)
	}
}

// redrive moves the message to the dead-letter queue if it was already received
// MaxReceiveCount times, and reports whether it did.
func (q *Queue) redrive(now time.Duration, idx uint32) bool {
	if q.cfg.MaxReceiveCount <= 0 || int(q.slots[idx].count) < q.cfg.MaxReceiveCount {
		return false
	}
	m := q.snapshot(idx)
	q.release(idx)
	if dlq := q.cfg.DeadLetter; dlq != nil {
		dlq.arrive(now, m)
	}
	if q.hooks.DeadLettered != nil {
		q.hooks.DeadLettered(now, m)
	}
	return true
}

// arrive takes in a dead-lettered message: visible at once, with its id, group and
// receive count. A standard queue keeps its SentAt (retention goes on counting from the
// original send); a FIFO queue resets it, as SQS does.
func (q *Queue) arrive(now time.Duration, m Message) {
	now = q.advance(now)
	sentAt := m.SentAt
	if q.fifo != nil {
		sentAt = now
	}
	s := &q.slots[q.enqueue(now, m.ID, m.Body, m.Group, sentAt, 0)]
	s.count, s.firstRecv = int32(m.ReceiveCount), m.FirstReceivedAt
}

// lookup resolves a receipt to the slot of its message.
func (q *Queue) lookup(r Receipt) (uint32, error) {
	lo := uint32(r)
	if lo == 0 || int(lo) > len(q.slots) {
		return 0, ErrReceiptInvalid
	}
	idx := lo - 1
	if s := &q.slots[idx]; s.state == qFree || s.gen != uint32(r>>32) {
		return 0, ErrReceiptExpired
	}
	return idx, nil
}

// addTimer schedules a timer for slot idx at instant at and returns its seq.
func (q *Queue) addTimer(l *qlane, at time.Duration, idx, tag uint32) uint64 {
	q.timerSeq++
	l.add(qtimer{at: at, seq: q.timerSeq, idx: idx, tag: tag})
	q.nextAt = min(q.nextAt, at)
	return q.timerSeq
}

// setWake schedules the end of the message's delay or visibility timeout at instant at;
// any earlier such timer of the message becomes stale.
func (q *Queue) setWake(l *qlane, idx uint32, at time.Duration) {
	q.slots[idx].wake = q.addTimer(l, at, idx, 0)
}

// advance brings the queue up to now, firing every timer due by then in time order, and
// returns the instant it is at.
func (q *Queue) advance(now time.Duration) time.Duration {
	if now < q.now {
		now = q.now
	}
	q.now = now
	if now < q.nextAt {
		return now
	}
	for {
		src, t := q.earliest()
		if t.at > now {
			q.nextAt = t.at
			break
		}
		q.popHead(src)
		q.fire(src, t)
	}
	q.trimAge()
	return now
}

// earliest returns the earliest valid timer and its source; t.at is qNever when none.
func (q *Queue) earliest() (src int, t qtimer) {
	t.at = qNever
	for i := range qSources {
		if h, ok := q.head(i); ok && h.before(t) {
			src, t = i, h
		}
	}
	return src, t
}

// head drops the stale timers at the front of source src and returns the first valid one.
func (q *Queue) head(src int) (qtimer, bool) {
	retention := src >= qSrcRetention
	if r := q.sourceRing(src); r != nil {
		for r.len() > 0 {
			if t := r.front(); q.valid(t, retention) {
				return t, true
			}
			r.pop()
		}
		return qtimer{}, false
	}
	h := q.sourceHeap(src)
	for h.len() > 0 {
		if t := h.top(); q.valid(t, retention) {
			return t, true
		}
		h.pop()
	}
	return qtimer{}, false
}

func (q *Queue) sourceRing(src int) *qring[qtimer] {
	switch src {
	case qSrcDelay:
		return &q.delays.ring
	case qSrcInFlight:
		return &q.inFlight.ring
	case qSrcRetention:
		return &q.retention.ring
	}
	return nil
}

func (q *Queue) sourceHeap(src int) *qheap[qtimer] {
	if src == qSrcWake {
		return &q.wake
	}
	return &q.expire
}

func (q *Queue) popHead(src int) {
	if r := q.sourceRing(src); r != nil {
		r.pop()
		return
	}
	q.sourceHeap(src).pop()
}

func (q *Queue) valid(t qtimer, retention bool) bool {
	s := &q.slots[t.idx]
	if retention {
		return s.life == t.tag && s.state != qFree
	}
	return s.wake == t.seq && (s.state == qDelayed || s.state == qInFlight)
}

func (q *Queue) fire(src int, t qtimer) {
	if src < qSrcRetention {
		q.unhide(t.at, t.idx)
		return
	}
	if q.slots[t.idx].state == qInFlight {
		q.slots[t.idx].overdue = true // dropped when it comes back, not under its consumer
		return
	}
	q.expireNow(t.at, t.idx)
}

// trimAge drops the references to gone messages at the front of the age ring.
func (q *Queue) trimAge() {
	for q.age.len() > 0 {
		r := q.age.front()
		if s := &q.slots[r.idx]; s.life == r.tag && s.state != qFree {
			return
		}
		q.age.pop()
	}
}
