package metrics

import "time"

// Journal is a Recorder's front for a single-threaded driver that records tens of millions
// of events (the simulator): each call appends a small entry to a batch, and a goroutine of
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
	buf     []jentry      // the current batch's entries, filled up to n
	n       int
	cur     *jbatch
	full    chan *jbatch
	free    chan *jbatch
	done    chan struct{}
	replayG *Gauges // replay goroutine: the gauges of the second being closed
	stopped bool
}

// jentry is one recorded call, 24 bytes. What t, v, c, a and b hold depends on op.
type jentry struct {
	t, v int64
	c    int32
	op   jop
	a    uint8
	b    uint16
}

type jop uint8

const (
	jOffered jop = iota
	jAttempt
	jGateway
	jSent
	jReceived
	jDeleted
	jDeferred
	jDeadLettered
	jCall
	jBreakerOpened
	jRequeued
	jDuplicate
	jOrderBroken
	jCompleted
	jEnded
	jClose
)

// jbatch is a batch of entries and the gauges of the seconds they close.
type jbatch struct {
	e      []jentry
	n      int
	gauges []Gauges
	ng     int
}

const (
	journalBatch   = 4096 // entries per batch: 96 KiB, within a second-level cache
	journalBatches = 4    // batches in circulation
)

// NewJournal returns a journal in front of a new Recorder for cfg, whose gauges sampler
// calls on the caller's goroutine; sampler may be nil.
func NewJournal(cfg Config, sampler Sampler) *Journal {
	j := &Journal{sampler: sampler, full: make(chan *jbatch, journalBatches),
		free: make(chan *jbatch, journalBatches), done: make(chan struct{})}
	j.rec = NewRecorder(cfg, func(_ time.Duration, g *Gauges) { copyGauges(g, j.replayG) })
	j.g.Queues = make([]QueueGauge, len(cfg.Queues))
	for range journalBatches - 1 {
		j.free <- &jbatch{e: make([]jentry, journalBatch)}
	}
	j.cur = &jbatch{e: make([]jentry, journalBatch)}
	j.buf = j.cur.e
	go j.replay()
	return j
}

func copyGauges(dst, src *Gauges) {
	q := append(dst.Queues[:0], src.Queues...)
	*dst = *src
	dst.Queues = q
}

func (j *Journal) put(e jentry) {
	if j.n == len(j.buf) {
		j.flush()
	}
	j.buf[j.n] = e
	j.n++
}

// flush hands the current batch to the replay goroutine and takes a free one.
func (j *Journal) flush() {
	j.cur.n = j.n
	j.full <- j.cur
	j.cur = <-j.free
	j.buf, j.n = j.cur.e, 0
}

func (j *Journal) replay() {
	defer close(j.done)
	for b := range j.full {
		for i := range b.e[:b.n] {
			j.apply(&b.e[i], b)
		}
		b.n, b.ng = 0, 0
		j.free <- b
	}
}

func (j *Journal) apply(e *jentry, b *jbatch) {
	r, t := j.rec, time.Duration(e.t)
	switch e.op {
	case jOffered:
		r.Offered(t, int(e.c))
	case jAttempt:
		r.Attempt(t, int(e.c))
	case jGateway:
		r.Gateway(t, int(e.c), Gateway(e.a))
	case jSent:
		r.Sent(t, int(e.b))
	case jReceived:
		r.Received(t, int(e.b), int(e.v))
	case jDeleted:
		r.Deleted(t, int(e.b), int(e.c), time.Duration(e.v))
	case jDeferred:
		r.Deferred(t, int(e.b))
	case jDeadLettered:
		r.DeadLettered(t, int(e.b))
	case jCall:
		r.Call(t, time.Duration(e.v), Call(e.a), e.b != 0)
	case jBreakerOpened:
		r.BreakerOpened(t)
	case jRequeued:
		r.Requeued(t)
	case jDuplicate:
		r.Duplicate(t)
	case jOrderBroken:
		r.OrderBroken(t)
	case jCompleted:
		r.Completed(t, int(e.c), time.Duration(e.v))
	case jEnded:
		r.Ended(t, int(e.c), Reason(e.a))
	case jClose:
		j.replayG = &b.gauges[e.v]
		r.Advance(t)
	}
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
		if j.n == len(j.buf) {
			j.flush() // the gauges go with the batch that holds their entry
		}
		b := j.cur
		if b.ng == len(b.gauges) {
			b.gauges = append(b.gauges, Gauges{})
		}
		copyGauges(&b.gauges[b.ng], &j.g)
		j.put(jentry{t: int64(j.closed), v: int64(b.ng), op: jClose})
		b.ng++
	}
}

// The recording calls below are those of Recorder, with the same meaning.

// Offered is Recorder.Offered.
func (j *Journal) Offered(now time.Duration, c int) {
	j.put(jentry{t: int64(now), c: int32(c), op: jOffered})
}

// Attempt is Recorder.Attempt.
func (j *Journal) Attempt(now time.Duration, c int) {
	j.put(jentry{t: int64(now), c: int32(c), op: jAttempt})
}

// Gateway is Recorder.Gateway.
func (j *Journal) Gateway(now time.Duration, c int, g Gateway) {
	j.put(jentry{t: int64(now), c: int32(c), op: jGateway, a: uint8(g)})
}

// Sent is Recorder.Sent.
func (j *Journal) Sent(now time.Duration, q int) {
	j.put(jentry{t: int64(now), op: jSent, b: uint16(q)})
}

// Received is Recorder.Received.
func (j *Journal) Received(now time.Duration, q, n int) {
	j.put(jentry{t: int64(now), v: int64(n), op: jReceived, b: uint16(q)})
}

// Deleted is Recorder.Deleted.
func (j *Journal) Deleted(now time.Duration, q, c int, wait time.Duration) {
	j.put(jentry{t: int64(now), v: int64(wait), c: int32(c), op: jDeleted, b: uint16(q)})
}

// Deferred is Recorder.Deferred.
func (j *Journal) Deferred(now time.Duration, q int) {
	j.put(jentry{t: int64(now), op: jDeferred, b: uint16(q)})
}

// DeadLettered is Recorder.DeadLettered.
func (j *Journal) DeadLettered(now time.Duration, q int) {
	j.put(jentry{t: int64(now), op: jDeadLettered, b: uint16(q)})
}

// Call is Recorder.Call.
func (j *Journal) Call(start, latency time.Duration, res Call, admitted bool) {
	var b uint16
	if admitted {
		b = 1
	}
	j.put(jentry{t: int64(start), v: int64(latency), op: jCall, a: uint8(res), b: b})
}

// BreakerOpened is Recorder.BreakerOpened.
func (j *Journal) BreakerOpened(now time.Duration) { j.put(jentry{t: int64(now), op: jBreakerOpened}) }

// Requeued is Recorder.Requeued.
func (j *Journal) Requeued(now time.Duration) { j.put(jentry{t: int64(now), op: jRequeued}) }

// Duplicate is Recorder.Duplicate.
func (j *Journal) Duplicate(now time.Duration) { j.put(jentry{t: int64(now), op: jDuplicate}) }

// OrderBroken is Recorder.OrderBroken.
func (j *Journal) OrderBroken(now time.Duration) { j.put(jentry{t: int64(now), op: jOrderBroken}) }

// Completed is Recorder.Completed.
func (j *Journal) Completed(now time.Duration, c int, e2e time.Duration) {
	j.put(jentry{t: int64(now), v: int64(e2e), c: int32(c), op: jCompleted})
}

// Ended is Recorder.Ended.
func (j *Journal) Ended(now time.Duration, c int, why Reason) {
	j.put(jentry{t: int64(now), c: int32(c), op: jEnded, a: uint8(why)})
}
