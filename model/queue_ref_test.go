package model

import (
	"fmt"
	"slices"
	"time"
)

// refQueue is a naive model of the semantics documented on Queue, with no cleverness:
// every message in a slice, every timer found by scanning. queue_random_test.go checks
// that Queue behaves exactly like it.
type refQueue struct {
	cfg        QueueConfig
	visibility time.Duration
	dlq        *refQueue
	log        *[]string
	now        time.Duration
	msgs       []*refMsg // live messages in arrival order
	visOrder   []*refMsg // standard: visible messages in delivery order, lazily cleaned
	tseq       uint64
	nextID     uint64
	receipts   int
	dedup      map[qdedupKey]qdedupSeen
}

type refMsg struct {
	id, body              uint64
	group                 string
	sentAt, enqAt, recvAt time.Duration
	firstRecv             time.Duration
	state                 uint8
	deadline              time.Duration // wake timer
	wseq                  uint64
	retAt                 time.Duration // retention timer
	rseq                  uint64
	retFired, overdue     bool
	count                 int
	receipt               int
}

// refReceipt is what the reference hands out for a receive.
type refReceipt struct {
	m      *refMsg
	serial int
}

func newRefQueue(cfg QueueConfig, dlq *refQueue, log *[]string) *refQueue {
	if cfg.VisibilityTimeout == 0 {
		cfg.VisibilityTimeout = QueueDefaultVisibility
	}
	if cfg.Retention == 0 {
		cfg.Retention = QueueDefaultRetention
	}
	return &refQueue{cfg: cfg, visibility: max(0, cfg.VisibilityTimeout), dlq: dlq, log: log,
		dedup: map[qdedupKey]qdedupSeen{}}
}

func (r *refQueue) logf(format string, args ...any) {
	*r.log = append(*r.log, r.cfg.Name+" "+fmt.Sprintf(format, args...))
}

func (r *refQueue) advance(now time.Duration) time.Duration {
	r.now = max(r.now, now)
	for {
		var best *refMsg
		var at time.Duration
		var seq uint64
		wake := false
		earlier := func(a time.Duration, s uint64) bool { return best == nil || a < at || (a == at && s < seq) }
		for _, m := range r.msgs {
			if (m.state == qDelayed || m.state == qInFlight) && earlier(m.deadline, m.wseq) {
				best, at, seq, wake = m, m.deadline, m.wseq, true
			}
			if !m.retFired && earlier(m.retAt, m.rseq) {
				best, at, seq, wake = m, m.retAt, m.rseq, false
			}
		}
		if best == nil || at > r.now {
			return r.now
		}
		switch {
		case wake:
			r.unhide(at, best)
		case best.state == qInFlight:
			best.retFired, best.overdue = true, true
		default:
			r.drop(best)
			r.logf("expired %v %d", at, best.body)
		}
	}
}

func (r *refQueue) unhide(at time.Duration, m *refMsg) {
	if m.overdue {
		r.drop(m)
		r.logf("expired %v %d", at, m.body)
		return
	}
	m.state = qVisible
	r.visOrder = append(r.visOrder, m)
}

func (r *refQueue) drop(m *refMsg) {
	m.state = qFree
	r.msgs = slices.DeleteFunc(r.msgs, func(x *refMsg) bool { return x == m })
}

func (r *refQueue) enqueue(now time.Duration, id, body uint64, group string, sentAt, delay time.Duration) *refMsg {
	m := &refMsg{id: id, body: body, group: group, sentAt: sentAt, enqAt: now, state: qVisible}
	r.nextID = max(r.nextID, id)
	if delay > 0 {
		r.tseq++
		m.state, m.deadline, m.wseq = qDelayed, now+delay, r.tseq
	} else {
		r.visOrder = append(r.visOrder, m)
	}
	r.tseq++
	m.retAt, m.rseq = sentAt+r.cfg.Retention, r.tseq
	r.msgs = append(r.msgs, m)
	return m
}

func (r *refQueue) send(now time.Duration, body uint64, o SendOptions) (uint64, bool, error) {
	now = r.advance(now)
	delay := o.Delay
	switch {
	case delay < 0 || (r.cfg.FIFO && delay == 0):
		delay = r.cfg.Delay
	case r.cfg.FIFO:
		return 0, false, ErrFIFOMessageDelay
	case delay > QueueMaxDelay:
		return 0, false, ErrDelayRange
	}
	if !r.cfg.FIFO {
		return r.enqueue(now, r.nextID+1, body, o.Group, now, delay).id, false, nil
	}
	key := qdedupKey{id: o.DedupID}
	switch {
	case o.Group == "":
		return 0, false, ErrGroupRequired
	case o.DedupID == "" && !r.cfg.ContentDedup:
		return 0, false, ErrDedupRequired
	case o.DedupID == "":
		key = qdedupKey{body: body, byBody: true}
	}
	if seen, ok := r.dedup[key]; ok && now < seen.at+QueueDedupWindow {
		return seen.id, true, nil
	}
	id := r.enqueue(now, r.nextID+1, body, o.Group, now, delay).id
	r.dedup[key] = qdedupSeen{id: id, at: now}
	return id, false, nil
}

func (r *refQueue) receive(now time.Duration, n int, vis time.Duration) ([]Message, []refReceipt) {
	now = r.advance(now)
	n = min(max(n, 1), QueueMaxBatch)
	if vis <= 0 {
		vis = r.visibility
	}
	vis = min(vis, QueueMaxVisibility)
	var out []Message
	var rs []refReceipt
	take := func(m *refMsg) {
		if r.cfg.MaxReceiveCount > 0 && m.count >= r.cfg.MaxReceiveCount {
			r.redrive(now, m)
			return
		}
		r.tseq++
		r.receipts++
		m.count++
		if m.count == 1 {
			m.firstRecv = now
		}
		m.state, m.recvAt, m.deadline, m.wseq, m.receipt = qInFlight, now, now+vis, r.tseq, r.receipts
		out = append(out, r.message(m))
		rs = append(rs, refReceipt{m, m.receipt})
	}
	for len(out) < n {
		batch := r.nextBatch()
		if len(batch) == 0 {
			break
		}
		for _, m := range batch {
			if len(out) == n || m.state != qVisible {
				break
			}
			take(m)
		}
	}
	return out, rs
}

// nextBatch returns the messages a receive considers next: on a standard queue the first
// visible one; on a FIFO queue the ready group with the earliest first message.
func (r *refQueue) nextBatch() []*refMsg {
	if !r.cfg.FIFO {
		for len(r.visOrder) > 0 {
			m := r.visOrder[0]
			r.visOrder = r.visOrder[1:]
			if m.state == qVisible {
				return []*refMsg{m}
			}
		}
		return nil
	}
	blocked := map[string]bool{}
	for _, m := range r.msgs {
		if m.state == qInFlight {
			blocked[m.group] = true
		}
	}
	seen := map[string]bool{}
	for _, m := range r.msgs { // arrival order: the first head found is the earliest
		if seen[m.group] {
			continue
		}
		seen[m.group] = true
		if !blocked[m.group] && m.state == qVisible {
			return slices.DeleteFunc(slices.Clone(r.msgs), func(x *refMsg) bool { return x.group != m.group })
		}
	}
	return nil
}

func (r *refQueue) redrive(now time.Duration, m *refMsg) {
	r.drop(m)
	if r.dlq != nil {
		d := r.dlq
		d.advance(now)
		sentAt := m.sentAt
		if d.cfg.FIFO {
			sentAt = d.now
		}
		dm := d.enqueue(d.now, m.id, m.body, m.group, sentAt, 0)
		dm.count, dm.firstRecv = m.count, m.firstRecv
	}
	r.logf("dead %v %d", now, m.body)
}

func (r *refQueue) message(m *refMsg) Message {
	return Message{ID: m.id, Body: m.body, Group: m.group, SentAt: m.sentAt, FirstReceivedAt: m.firstRecv, ReceiveCount: m.count}
}

func (r *refQueue) lookup(rc refReceipt) (*refMsg, error) {
	switch {
	case rc.m == nil:
		return nil, ErrReceiptInvalid
	case rc.m.state == qFree || rc.m.receipt != rc.serial:
		return nil, ErrReceiptExpired
	}
	return rc.m, nil
}

func (r *refQueue) delete(now time.Duration, rc refReceipt) error {
	r.advance(now)
	m, err := r.lookup(rc)
	if err != nil {
		return err
	}
	if m.state != qInFlight && r.cfg.FIFO {
		return ErrReceiptExpired
	}
	r.drop(m)
	return nil
}

func (r *refQueue) changeVisibility(now time.Duration, rc refReceipt, timeout time.Duration) error {
	now = r.advance(now)
	m, err := r.lookup(rc)
	switch {
	case err != nil:
		return err
	case m.state != qInFlight && r.cfg.FIFO:
		return ErrReceiptExpired
	case m.state != qInFlight:
		return ErrNotInFlight
	case timeout < 0 || timeout > QueueMaxVisibility || now+timeout > m.recvAt+QueueMaxVisibility:
		return ErrVisibilityRange
	case timeout == 0:
		r.unhide(now, m)
		return nil
	}
	r.tseq++
	m.deadline, m.wseq = now+timeout, r.tseq
	return nil
}

func (r *refQueue) counts(now time.Duration) (v, f, d int) {
	r.advance(now)
	for _, m := range r.msgs {
		switch m.state {
		case qVisible:
			v++
		case qInFlight:
			f++
		case qDelayed:
			d++
		}
	}
	return v, f, d
}

func (r *refQueue) oldestAge(now time.Duration) time.Duration {
	now = r.advance(now)
	if len(r.msgs) == 0 {
		return 0
	}
	oldest := r.msgs[0].enqAt
	for _, m := range r.msgs {
		oldest = min(oldest, m.enqAt)
	}
	return now - oldest
}

func (r *refQueue) nextVisible(now time.Duration) (time.Duration, bool) {
	r.advance(now)
	at, ok := qNever, false
	for _, m := range r.msgs {
		if m.state == qDelayed || m.state == qInFlight {
			at, ok = min(at, m.deadline), true
		}
	}
	return at, ok
}
