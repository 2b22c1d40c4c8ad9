package metrics

import "time"

// Journal is a Recorder's front for a single-threaded driver that records tens of millions
// of events (the simulator): each call appends a few words to a batch, and a goroutine of
// its own replays full batches into the Recorder, in order, on another core. The Recorder
// ends in exactly the state the same calls made directly would leave it in: gauges are
// sampled on the driver's goroutine when a second closes, and replayed with the entries.
//
// A Journal is not safe for concurrent use. Close (or Finish) must be called once the
// driver is done, even after a failed run, to stop the goroutine.
type Journal struct {
	rec     *Recorder
	sampler Sampler
	g       Gauges        // the gauges the driver's sampler fills, kept across seconds
	closed  time.Duration // seconds before this are closed
	buf     []uint64      // the current batch's words, filled up to n
	n       int
	cur     *jbatch
	full    chan *jbatch
	free    chan *jbatch
	done    chan struct{}
	replayG *Gauges // replay goroutine: the gauges of the second being closed
	stopped bool
}

// An entry is a header word (op in bits 0–7, a in 8–15, b in 16–31, c in 32–63) followed by
// one or two words (t, then v) whose meaning depends on op.
type jop uint8

const (
	jAttempted     jop = iota // t; c client, a gateway answer, b 1 when first
	jGateway                  // t; c, a answer
	jSent                     // t; b queue
	jReceived                 // t, v count; b queue
	jDeleted                  // t, v wait; b queue, c client
	jDeferred                 // t; b queue
	jDeadLettered             // t; b queue
	jCall                     // t start, v latency; a result, b admitted
	jBreakerOpened            // t
	jRequeued                 // t
	jDuplicate                // t
	jOrderBroken              // t
	jCompleted                // t, v e2e; c client
	jEnded                    // t; c client, a reason
	jClose                    // t, v index of the gauges in the batch
)

func header(op jop, a uint8, b uint16, c int) uint64 {
	return uint64(op) | uint64(a)<<8 | uint64(b)<<16 | uint64(uint32(c))<<32
}

// jbatch is a batch of words and the gauges of the seconds they close.
type jbatch struct {
	w      []uint64
	n      int
	gauges []Gauges
	ng     int
}

const (
	journalWords   = 1 << 16 // words per batch (512 KiB): a hand-over every several thousand requests
	journalBatches = 3       // batches in circulation
	journalEntry   = 3       // the longest entry, in words
)

// NewJournal returns a journal in front of a new Recorder for cfg, whose gauges sampler
// calls on the caller's goroutine; sampler may be nil.
func NewJournal(cfg Config, sampler Sampler) *Journal {
	j := &Journal{sampler: sampler, full: make(chan *jbatch, journalBatches),
		free: make(chan *jbatch, journalBatches), done: make(chan struct{})}
	j.rec = NewRecorder(cfg, func(_ time.Duration, g *Gauges) { copyGauges(g, j.replayG) })
	j.g.Queues = make([]QueueGauge, len(cfg.Queues))
	for range journalBatches - 1 {
		j.free <- &jbatch{w: make([]uint64, journalWords)}
	}
	j.cur = &jbatch{w: make([]uint64, journalWords)}
	j.buf = j.cur.w
	go j.replay()
	return j
}

func copyGauges(dst, src *Gauges) {
	q := append(dst.Queues[:0], src.Queues...)
	*dst = *src
	dst.Queues = q
}

func (j *Journal) put2(h uint64, t time.Duration) {
	if j.n > len(j.buf)-journalEntry {
		j.flush()
	}
	w := j.buf[j.n : j.n+2 : j.n+2]
	w[0], w[1] = h, uint64(t)
	j.n += 2
}

func (j *Journal) put3(h uint64, t, v time.Duration) {
	if j.n > len(j.buf)-journalEntry {
		j.flush()
	}
	w := j.buf[j.n : j.n+3 : j.n+3]
	w[0], w[1], w[2] = h, uint64(t), uint64(v)
	j.n += 3
}

// flush hands the current batch to the replay goroutine and takes a free one.
func (j *Journal) flush() {
	j.cur.n = j.n
	j.full <- j.cur
	j.cur = <-j.free
	j.buf, j.n = j.cur.w, 0
}

func (j *Journal) replay() {
	defer close(j.done)
	for b := range j.full {
		w := b.w[:b.n]
		for i := 0; i < len(w); {
			i += j.apply(w[i:], b)
		}
		b.n, b.ng = 0, 0
		j.free <- b
	}
}

// apply replays the entry at the start of w and returns its length in words.
func (j *Journal) apply(w []uint64, b *jbatch) int {
	r, h := j.rec, w[0]
	op, a, q, c := jop(h), uint8(h>>8), int(uint16(h>>16)), int(int32(h>>32))
	t := time.Duration(w[1])
	switch op {
	case jAttempted:
		r.Attempted(t, c, q != 0, Gateway(a))
	case jGateway:
		r.Gateway(t, c, Gateway(a))
	case jSent:
		r.Sent(t, q)
	case jReceived:
		r.Received(t, q, int(w[2]))
		return 3
	case jDeleted:
		r.Deleted(t, q, c, time.Duration(w[2]))
		return 3
	case jDeferred:
		r.Deferred(t, q)
	case jDeadLettered:
		r.DeadLettered(t, q)
	case jCall:
		r.Call(t, time.Duration(w[2]), Call(a), q != 0)
		return 3
	case jBreakerOpened:
		r.BreakerOpened(t)
	case jRequeued:
		r.Requeued(t)
	case jDuplicate:
		r.Duplicate(t)
	case jOrderBroken:
		r.OrderBroken(t)
	case jCompleted:
		r.Completed(t, c, time.Duration(w[2]))
		return 3
	case jEnded:
		r.Ended(t, c, Reason(a))
	case jClose:
		j.replayG = &b.gauges[w[2]]
		r.Advance(t)
		return 3
	}
	return 2
}

// Close waits until every entry is replayed and returns the Recorder, whose sampler is the
// driver's again (Finish samples the last second). It may be called more than once.
func (j *Journal) Close() *Recorder {
	if !j.stopped {
		j.stopped = true
		j.cur.n = j.n
		j.full <- j.cur
		close(j.full)
		<-j.done
		j.rec.sampler = j.sampler
		j.rec.gauges = j.g
	}
	return j.rec
}

// Snapshot lets fn read the Recorder as every call made so far has left it, while the
// journal goes on: it hands the current batch, however full, to the replay goroutine, waits
// until that goroutine has replayed everything and is idle, calls fn on the caller's
// goroutine, and lets the replay take batches again when fn returns. fn must not keep the
// Recorder nor call the journal. The gauges fn sees are those of the latest closed second.
// After Close, fn reads the Recorder at once.
func (j *Journal) Snapshot(fn func(*Recorder)) {
	if j.stopped {
		fn(j.rec)
		return
	}
	if j.n > 0 {
		j.flush()
	}
	// Every batch but the current one circulates between full and free: once all of them
	// are back in free, the replay has applied every word and waits on an empty full.
	var held [journalBatches - 1]*jbatch
	for i := range held {
		held[i] = <-j.free
	}
	fn(j.rec)
	for _, b := range held {
		j.free <- b
	}
}

// Finish closes the journal and finishes the Recorder (see Recorder.Finish).
func (j *Journal) Finish(end time.Duration, census Census) (*Summary, *Series) {
	return j.Close().Finish(end, census)
}

// Set is Recorder.Set; the replay never touches these metrics, so it may be called at any
// time.
func (j *Journal) Set(name string, v float64) { j.rec.Set(name, v) }

// Advance is Recorder.Advance: each second that ends at or before now is closed, its
// gauges sampled now, on the caller's goroutine.
func (j *Journal) Advance(now time.Duration) {
	if j.closed+time.Second <= now {
		j.advance(now)
	}
}

func (j *Journal) advance(now time.Duration) {
	for j.closed+time.Second <= now {
		j.closed += time.Second
		if j.sampler != nil {
			j.sampler(j.closed, &j.g)
		}
		if j.n > len(j.buf)-journalEntry {
			j.flush() // the gauges go with the batch that holds their entry
		}
		b := j.cur
		if b.ng == len(b.gauges) {
			b.gauges = append(b.gauges, Gauges{})
		}
		copyGauges(&b.gauges[b.ng], &j.g)
		j.put3(header(jClose, 0, 0, 0), j.closed, time.Duration(b.ng))
		b.ng++
	}
}

// The recording calls below are those of Recorder the simulator makes, with the same meaning
// (Attempted stands for Offered and Attempt).

// Attempted is Recorder.Attempted.
func (j *Journal) Attempted(now time.Duration, c int, first bool, g Gateway) {
	var b uint16
	if first {
		b = 1
	}
	j.put2(header(jAttempted, uint8(g), b, c), now)
}

// Gateway is Recorder.Gateway.
func (j *Journal) Gateway(now time.Duration, c int, g Gateway) {
	j.put2(header(jGateway, uint8(g), 0, c), now)
}

// Sent is Recorder.Sent.
func (j *Journal) Sent(now time.Duration, q int) { j.put2(header(jSent, 0, uint16(q), 0), now) }

// Received is Recorder.Received.
func (j *Journal) Received(now time.Duration, q, n int) {
	j.put3(header(jReceived, 0, uint16(q), 0), now, time.Duration(n))
}

// Deleted is Recorder.Deleted.
func (j *Journal) Deleted(now time.Duration, q, c int, wait time.Duration) {
	j.put3(header(jDeleted, 0, uint16(q), c), now, wait)
}

// Deferred is Recorder.Deferred.
func (j *Journal) Deferred(now time.Duration, q int) {
	j.put2(header(jDeferred, 0, uint16(q), 0), now)
}

// DeadLettered is Recorder.DeadLettered.
func (j *Journal) DeadLettered(now time.Duration, q int) {
	j.put2(header(jDeadLettered, 0, uint16(q), 0), now)
}

// Call is Recorder.Call.
func (j *Journal) Call(start, latency time.Duration, res Call, admitted bool) {
	var b uint16
	if admitted {
		b = 1
	}
	j.put3(header(jCall, uint8(res), b, 0), start, latency)
}

// BreakerOpened is Recorder.BreakerOpened.
func (j *Journal) BreakerOpened(now time.Duration) { j.put2(header(jBreakerOpened, 0, 0, 0), now) }

// Requeued is Recorder.Requeued.
func (j *Journal) Requeued(now time.Duration) { j.put2(header(jRequeued, 0, 0, 0), now) }

// Duplicate is Recorder.Duplicate.
func (j *Journal) Duplicate(now time.Duration) { j.put2(header(jDuplicate, 0, 0, 0), now) }

// OrderBroken is Recorder.OrderBroken.
func (j *Journal) OrderBroken(now time.Duration) { j.put2(header(jOrderBroken, 0, 0, 0), now) }

// Completed is Recorder.Completed.
func (j *Journal) Completed(now time.Duration, c int, e2e time.Duration) {
	j.put3(header(jCompleted, 0, 0, c), now, e2e)
}

// Ended is Recorder.Ended.
func (j *Journal) Ended(now time.Duration, c int, why Reason) {
	j.put2(header(jEnded, uint8(why), 0, c), now)
}
