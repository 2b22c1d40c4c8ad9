package metrics

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// totals are the run-wide counters.
type totals struct {
	offered, attempts                          int64
	admitted, throttled, quota, forbidden      int64
	backendErr, loadErrors                     int64
	sent, received, deleted, deferred, dlq     int64
	calls, ok, c429, c5xx, timeouts, resets    int64
	admittedByAPI, okInOffered                 int64
	breakerOpened                              int64
	completed, rejected, failed                int64
	reasons                                    [numReasons]int64
	e2eSum, waitSum, dsSum                     time.Duration
	waitMax, oldestMax                         time.Duration
	depthMax                                   int64
	duplicates, requeued, orderBroken, skipped int64
}

// queueTotals are one queue's counters.
type queueTotals struct{ sent, received, deleted, deferred, dlq int64 }

// group is the per-client or per-priority slice of the counters.
type group struct {
	offered, attempts, admitted, throttled, quota, forbidden int64
	completed, rejected, failed                              int64
	e2eSum, waitSum                                          time.Duration
	waits                                                    int64
	e2e, wait                                                *hdr.Histogram
}

func newGroup() group { return group{e2e: newHist(), wait: newHist()} }

func (r *Recorder) pri(c int) *group { return &r.perPri[r.cliPri[c]] }

// Offered records the first attempt of a new request of client c.
func (r *Recorder) Offered(now time.Duration, c int) {
	r.tot.offered++
	r.perCli[c].offered++
	r.pri(c).offered++
	r.series.at(now).offered++
	r.series.client(now, c).offered++
}

// Attempt records an attempt (the first or a retry) of client c reaching the gateway.
func (r *Recorder) Attempt(now time.Duration, c int) {
	r.tot.attempts++
	r.perCli[c].attempts++
	r.pri(c).attempts++
	r.series.at(now).attempts++
}

// Attempted records an attempt of client c reaching the gateway and what the gateway
// answered it: Attempt then Gateway, preceded by Offered when it is the request's first.
func (r *Recorder) Attempted(now time.Duration, c int, first bool, g Gateway) {
	if first {
		r.Offered(now, c)
	}
	r.Attempt(now, c)
	r.Gateway(now, c, g)
}

// Gateway records what the gateway answered an attempt of client c.
func (r *Recorder) Gateway(now time.Duration, c int, g Gateway) {
	row, cr := r.series.at(now), r.series.client(now, c)
	gs := [2]*group{&r.perCli[c], r.pri(c)}
	switch g {
	case Admitted:
		r.tot.admitted++
		row.admitted++
		cr.admitted++
		for _, x := range gs {
			x.admitted++
		}
	case Throttled:
		r.tot.throttled++
		row.throttled++
		cr.throttled++
		for _, x := range gs {
			x.throttled++
		}
	case QuotaExceeded:
		r.tot.quota++
		row.quota++
		cr.throttled++
		for _, x := range gs {
			x.quota++
		}
	case Forbidden:
		r.tot.forbidden++
		row.forbidden++
		cr.forbidden++
		for _, x := range gs {
			x.forbidden++
		}
	case BackendError:
		r.tot.backendErr++
	case LoadError:
		r.tot.loadErrors++
	}
}

// Sent records a message sent to queue q.
func (r *Recorder) Sent(now time.Duration, q int) {
	r.tot.sent++
	r.perQ[q].sent++
	r.series.at(now).sent++
}

// Received records n messages received from queue q.
func (r *Recorder) Received(now time.Duration, q, n int) {
	r.tot.received += int64(n)
	r.perQ[q].received += int64(n)
}

// Deleted records the deletion of a message that waited `wait` from send to the receive that
// led to its deletion; client c is its request's client.
func (r *Recorder) Deleted(now time.Duration, q, c int, wait time.Duration) {
	r.tot.deleted++
	r.perQ[q].deleted++
	r.tot.waitSum += wait
	r.tot.waitMax = max(r.tot.waitMax, wait)
	// Latencies go to the client's histogram only; the run's and the priorities' are merged
	// from the clients' when the run finishes.
	_ = r.perCli[c].wait.RecordValue(micros(wait))
	for _, g := range [2]*group{&r.perCli[c], r.pri(c)} {
		g.waitSum += wait
		g.waits++
	}
	r.series.at(now).deleted++
}

// Deferred records a message a worker left to time out in favour of higher-priority work.
func (r *Recorder) Deferred(now time.Duration, q int) {
	r.tot.deferred++
	r.perQ[q].deferred++
	r.series.at(now).deferred++
}

// DeadLettered records a message of queue q moved to its dead-letter queue.
func (r *Recorder) DeadLettered(now time.Duration, q int) {
	r.tot.dlq++
	r.perQ[q].dlq++
	r.series.at(now).dlq++
	r.series.queue(now, q).dlq++
}

// Call records a downstream call that started at start and ended, as its caller saw it, with
// result res after latency. admitted says whether the API's quotas admitted the call.
func (r *Recorder) Call(start, latency time.Duration, res Call, admitted bool) {
	row := r.series.at(start)
	r.tot.calls++
	row.calls++
	if admitted {
		r.tot.admittedByAPI++
	}
	switch res {
	case CallOK:
		r.tot.ok++
		row.ok++
		r.tot.dsSum += latency
		_ = r.ds.RecordValue(micros(latency))
		if start < r.cfg.Offered {
			r.tot.okInOffered++
		}
	case Call429:
		r.tot.c429++
		row.c429++
	case Call5xx:
		r.tot.c5xx++
		row.c5xx++
	case CallTimeout:
		r.tot.timeouts++
		row.timeouts++
	case CallReset:
		r.tot.resets++
		row.resets++
	}
}

// BreakerOpened records the circuit breaker opening.
func (r *Recorder) BreakerOpened(now time.Duration) { r.tot.breakerOpened++ }

// Requeued records a message put back on a queue by a worker (a new message for the same
// request); it does not change the ledger.
func (r *Recorder) Requeued(now time.Duration) { r.tot.requeued++ }

// Duplicate records a delivery of a message whose request had already ended (SQS delivers at
// least once).
func (r *Recorder) Duplicate(now time.Duration) { r.tot.duplicates++ }

// OrderBroken records a FIFO message processed after a later message of its group.
func (r *Recorder) OrderBroken(now time.Duration) { r.tot.orderBroken++ }

// Completed ends a request of client c whose downstream call succeeded, e2e after its first
// attempt.
func (r *Recorder) Completed(now time.Duration, c int, e2e time.Duration) {
	r.tot.completed++
	r.tot.e2eSum += e2e
	_ = r.perCli[c].e2e.RecordValue(micros(e2e))
	for _, g := range [2]*group{&r.perCli[c], r.pri(c)} {
		g.completed++
		g.e2eSum += e2e
	}
	row := r.series.at(now)
	row.completed++
	r.series.client(now, c).completed++
	r.series.recordE2E(now, r.cliPri[c], e2e)
}

// Ended ends a request of client c that did not complete, for the reason given.
func (r *Recorder) Ended(now time.Duration, c int, why Reason) {
	r.tot.reasons[why]++
	row := r.series.at(now)
	gs := [2]*group{&r.perCli[c], r.pri(c)}
	if why.rejected() {
		r.tot.rejected++
		row.rejected++
		for _, g := range gs {
			g.rejected++
		}
		return
	}
	r.tot.failed++
	row.failed++
	for _, g := range gs {
		g.failed++
	}
}

// Set records a driver-specific summary metric (an orchestrator's run count, an AWS request
// count) under name; it appears in summary.json's metrics.
func (r *Recorder) Set(name string, v float64) {
	if r.extra == nil {
		r.extra = map[string]float64{}
	}
	r.extra[name] = v
}

// Advance closes every second that ends at or before now, sampling the gauges at its end.
func (r *Recorder) Advance(now time.Duration) {
	for r.closed+time.Second <= now {
		r.closed += time.Second
		r.closeSecond(r.closed)
	}
}

func (r *Recorder) closeSecond(end time.Duration) {
	if r.sampler != nil {
		r.sampler(end, &r.gauges)
	}
	row := r.series.at(end - 1)
	g := &r.gauges
	row.inFlight = int64(g.InFlight)
	row.concInUse = int64(g.ConcurrencyInUse)
	row.concLimit = int64(g.ConcurrencyLimit)
	if g.BreakerOpen {
		row.breakerOpen = 1
	}
	if g.OrchestratorRunning {
		row.orchRunning = 1
	}
	for q, qg := range g.Queues {
		qr := r.series.queue(end-1, q)
		qr.depth = int64(qg.Visible + qg.InFlight + qg.Delayed)
		qr.inFlight = int64(qg.InFlight)
		qr.oldest = qg.OldestAge
		r.tot.depthMax = max(r.tot.depthMax, qr.depth)
		r.tot.oldestMax = max(r.tot.oldestMax, qg.OldestAge)
	}
	r.series.closeE2E(end - 1)
}
