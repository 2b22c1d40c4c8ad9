package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestQueueMatchesReference drives Queue and refQueue (queue_ref_test.go) with the same
// random operations, standard and FIFO, with and without a dead-letter queue, and checks
// that every answer, count, age, wake-up instant and hook call is the same.
func TestQueueMatchesReference(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		h := newQtHarness(t, rng, seed%2 == 1)
		for step := range 400 {
			h.step()
			if t.Failed() {
				t.Fatalf("seed %d step %d at %v: config %+v", seed, step, h.now, h.real.Config())
			}
		}
	}
}

type qtHarness struct {
	t                  *testing.T
	rng                *rand.Rand
	real, realDLQ      *Queue
	ref, refDLQ        *refQueue
	realLog, refLog    []string
	now                time.Duration
	receipts           []qtReceiptPair
	dedupIDs, groupIDs []string
}

type qtReceiptPair struct {
	real Receipt
	ref  refReceipt
}

func newQtHarness(t *testing.T, rng *rand.Rand, fifo bool) *qtHarness {
	h := &qtHarness{t: t, rng: rng,
		dedupIDs: []string{"", "", "d1", "d2", "d3"}, groupIDs: []string{"a", "b", "c", ""}}
	if fifo {
		h.groupIDs = h.groupIDs[:3]
	}
	cfg := QueueConfig{Name: "src", FIFO: fifo, ContentDedup: fifo && rng.IntN(2) == 0,
		VisibilityTimeout: qtPick(rng, -1, 0, h.dur(20*time.Second)),
		Delay:             qtPick(rng, 0, h.dur(5*time.Second)),
		Retention:         qtPick(rng, 0, time.Minute, 90*time.Second),
		MaxReceiveCount:   rng.IntN(5)}
	if rng.IntN(2) == 0 {
		dcfg := QueueConfig{Name: "dlq", FIFO: fifo, Retention: qtPick(rng, time.Minute, 2*time.Minute)}
		h.realDLQ = qtQueue(t, dcfg, h.hooks("dlq"))
		h.refDLQ = newRefQueue(dcfg, nil, &h.refLog)
		cfg.DeadLetter = h.realDLQ
	}
	h.real = qtQueue(t, cfg, h.hooks("src"))
	cfg.DeadLetter = nil
	h.ref = newRefQueue(cfg, h.refDLQ, &h.refLog)
	return h
}

func qtPick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// dur returns a random duration in (0, d], in whole seconds half the time (to make ties).
func (h *qtHarness) dur(d time.Duration) time.Duration {
	if h.rng.IntN(2) == 0 {
		return time.Duration(h.rng.Int64N(int64(d/time.Second))+1) * time.Second
	}
	return time.Duration(h.rng.Int64N(int64(d))) + 1
}

func (h *qtHarness) hooks(name string) QueueHooks {
	return QueueHooks{
		DeadLettered: func(now time.Duration, m Message) {
			h.realLog = append(h.realLog, fmt.Sprintf("%s dead %v %d", name, now, m.Body))
		},
		Expired: func(now time.Duration, m Message) {
			h.realLog = append(h.realLog, fmt.Sprintf("%s expired %v %d", name, now, m.Body))
		},
	}
}

func (h *qtHarness) step() {
	if h.rng.IntN(3) > 0 {
		h.now += h.dur(3 * time.Second)
	}
	switch op := h.rng.IntN(20); {
	case op < 8:
		h.send()
	case op < 14:
		h.receive()
	case op < 17:
		h.delete()
	default:
		h.changeVisibility()
	}
	h.compareState()
}

func (h *qtHarness) send() {
	body := h.rng.Uint64N(6) // small: content deduplication hits
	o := SendOptions{Group: qtPick(h.rng, h.groupIDs...), DedupID: qtPick(h.rng, h.dedupIDs...),
		Delay: qtPick(h.rng, QueueDefaultDelay, 0, h.dur(5*time.Second), 20*time.Minute)}
	id, dup, err := h.real.Send(h.now, body, o)
	rid, rdup, rerr := h.ref.send(h.now, body, o)
	if id != rid || dup != rdup || qtErrName(err) != qtErrName(rerr) {
		h.t.Errorf("Send(%d, %+v) = %d %v %v, reference %d %v %v", body, o, id, dup, err, rid, rdup, rerr)
	}
}

func (h *qtHarness) receive() {
	n := h.rng.IntN(12)
	vis := qtPick(h.rng, 0, h.dur(20*time.Second), 13*time.Hour)
	got := h.real.Receive(h.now, n, vis, nil)
	want, rs := h.ref.receive(h.now, n, vis)
	if len(got) != len(want) {
		h.t.Errorf("Receive(%d, %v) = %+v, reference %+v", n, vis, got, want)
		return
	}
	for i := range got {
		r := got[i].Receipt
		got[i].Receipt = 0
		if got[i] != want[i] {
			h.t.Errorf("Receive(%d, %v)[%d] = %+v, reference %+v", n, vis, i, got[i], want[i])
		}
		h.receipts = append(h.receipts, qtReceiptPair{real: r, ref: rs[i]})
	}
}

// receipt picks a receipt ever issued, a recent one more likely, or now and then none.
func (h *qtHarness) receipt() qtReceiptPair {
	if len(h.receipts) == 0 || h.rng.IntN(20) == 0 {
		return qtReceiptPair{}
	}
	n := len(h.receipts)
	return h.receipts[max(0, n-1-h.rng.IntN(min(n, 12)))]
}

func (h *qtHarness) delete() {
	p := h.receipt()
	err, rerr := h.real.Delete(h.now, p.real), h.ref.delete(h.now, p.ref)
	if qtErrName(err) != qtErrName(rerr) {
		h.t.Errorf("Delete = %v, reference %v", err, rerr)
	}
}

func (h *qtHarness) changeVisibility() {
	p := h.receipt()
	d := qtPick(h.rng, 0, -1, h.dur(30*time.Second), 13*time.Hour)
	err, rerr := h.real.ChangeVisibility(h.now, p.real, d), h.ref.changeVisibility(h.now, p.ref, d)
	if qtErrName(err) != qtErrName(rerr) {
		h.t.Errorf("ChangeVisibility(%v) = %v, reference %v", d, err, rerr)
	}
}

func (h *qtHarness) compareState() {
	qs := []struct {
		real *Queue
		ref  *refQueue
	}{{h.real, h.ref}}
	if h.realDLQ != nil {
		qs = append(qs, struct {
			real *Queue
			ref  *refQueue
		}{h.realDLQ, h.refDLQ})
	}
	for _, q := range qs {
		v, f, d := q.real.Counts(h.now)
		rv, rf, rd := q.ref.counts(h.now)
		if v != rv || f != rf || d != rd {
			h.t.Errorf("%s Counts = %d %d %d, reference %d %d %d", q.real.Name(), v, f, d, rv, rf, rd)
		}
		if a, ra := q.real.OldestAge(h.now), q.ref.oldestAge(h.now); a != ra {
			h.t.Errorf("%s OldestAge = %v, reference %v", q.real.Name(), a, ra)
		}
		at, ok := q.real.NextVisible(h.now)
		rat, rok := q.ref.nextVisible(h.now)
		if at != rat || ok != rok {
			h.t.Errorf("%s NextVisible = %v %v, reference %v %v", q.real.Name(), at, ok, rat, rok)
		}
	}
	if fmt.Sprint(h.realLog) != fmt.Sprint(h.refLog) {
		h.t.Errorf("hooks:\n%v\nreference:\n%v", h.realLog, h.refLog)
	}
}

func qtErrName(err error) string {
	for _, e := range []error{ErrReceiptInvalid, ErrReceiptExpired, ErrNotInFlight, ErrVisibilityRange,
		ErrDelayRange, ErrGroupRequired, ErrDedupRequired, ErrFIFOMessageDelay} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return "nil"
}
