package metrics

import (
	"math"
	"time"
)

// Live is a read-out of a run in progress, for an exporter (the live driver's Prometheus
// endpoint): the counters of every event recorded so far, the gauges of the latest closed
// second and the ledger so far. Counters only grow during a run; times are in the run's
// clock (since it began). A Live is a copy: it shares nothing with the Recorder.
type Live struct {
	// At is the instant of the read-out; Closed is the end of the latest closed second,
	// whose gauges Gauges holds (0: none closed yet, Gauges all zero).
	At, Closed time.Duration
	Totals     LiveTotals
	Clients    []LiveClient // in Config.Clients order
	Queues     []LiveQueue  // in Config.Queues order
	Gauges     Gauges       // Queues is nil: each queue's gauge is in LiveQueue.Gauge
	Ledger     LiveLedger
	// Utilization is the latest closed second's downstream utilization, as series.csv's
	// downstream_utilization: successful calls started in it ÷ the tightest short quota
	// tier's calls per second; 0 when the API has no quota.
	Utilization float64
	// E2E is completed requests' first attempt to success; QueueWait messages' wait from
	// send to the receive that led to their deletion; Downstream successful calls' duration.
	E2E, QueueWait, Downstream Durations
	// Lambda is the run's Lambda functions' counters, filled by the engine (the Recorder
	// does not see invocations); nil when the design has no Lambda function.
	Lambda *LiveLambda
}

// LiveTotals are the run-wide counters. Gateway answers are counted per attempt; Calls*
// per downstream call, by how the caller saw it end.
type LiveTotals struct {
	Offered, Attempts                                            int64
	Admitted, Throttled, QuotaExceeded, Forbidden, BackendError  int64
	LoadErrors                                                   int64 // the load generator's own failures
	Calls, CallsOK, Calls429, Calls5xx, CallTimeouts, CallResets int64
	CallsAdmitted                                                int64 // calls the API's quotas admitted
	BreakerOpened, Requeued, Duplicates                          int64
}

// LiveClient is one client's counters.
type LiveClient struct {
	Name, Priority                                string
	Offered, Attempts                             int64
	Admitted, Throttled, QuotaExceeded, Forbidden int64
	Completed, Rejected, Failed                   int64
}

// LiveQueue is one queue's counters (messages; Received counts redeliveries) and its
// gauge at the end of the latest closed second.
type LiveQueue struct {
	Name                                            string
	Sent, Received, Deleted, Deferred, DeadLettered int64
	Gauge                                           QueueGauge
}

// LiveLedger is the ledger so far: where every offered request is now. InFlight is the
// driver's count of requests started and not ended at At; Lost is what the counters leave
// unaccounted for, Offered − Completed − rejected − failed − InFlight, 0 in a sound run.
// Rejected and Failed are by reason (Reason.String), every reason present.
type LiveLedger struct {
	Offered, Completed, InFlight, Lost int64
	Rejected, Failed                   map[string]int64
}

// LiveLambda counts the design's Lambda functions: Invocations (of every function of the
// design, as aws_lambda_invocations_total), Errors (invocations whose downstream call
// failed), Throttles (invocations Lambda refused for want of concurrency) and Duration (the
// time the invocations ran, as aws_lambda_duration_seconds_total).
type LiveLambda struct {
	Invocations, Errors, Throttles int64
	Duration                       time.Duration
}

// Durations is how many times something took and how long in all.
type Durations struct {
	Count int64
	Sum   time.Duration
}

// Live returns the read-out of the run at now, with inFlight requests started and not
// ended (the driver's own count). It copies counters, not histograms: cheap enough to call
// every second.
func (r *Recorder) Live(now time.Duration, inFlight int64) *Live {
	t := &r.tot
	l := &Live{At: now, Closed: r.closed, Gauges: r.gauges,
		Totals: LiveTotals{Offered: t.offered, Attempts: t.attempts, Admitted: t.admitted,
			Throttled: t.throttled, QuotaExceeded: t.quota, Forbidden: t.forbidden,
			BackendError: t.backendErr, LoadErrors: t.loadErrors, Calls: t.calls, CallsOK: t.ok,
			Calls429: t.c429, Calls5xx: t.c5xx, CallTimeouts: t.timeouts, CallResets: t.resets,
			CallsAdmitted: t.admittedByAPI, BreakerOpened: t.breakerOpened, Requeued: t.requeued,
			Duplicates: t.duplicates},
		E2E:        Durations{t.completed, t.e2eSum},
		QueueWait:  Durations{t.deleted, t.waitSum},
		Downstream: Durations{t.ok, t.dsSum},
	}
	l.Gauges.Queues = nil
	for i, c := range r.cfg.Clients {
		g := &r.perCli[i]
		l.Clients = append(l.Clients, LiveClient{Name: c.Name, Priority: Priorities[r.cliPri[i]],
			Offered: g.offered, Attempts: g.attempts, Admitted: g.admitted, Throttled: g.throttled,
			QuotaExceeded: g.quota, Forbidden: g.forbidden, Completed: g.completed,
			Rejected: g.rejected, Failed: g.failed})
	}
	for i, name := range r.cfg.Queues {
		q := r.perQ[i]
		l.Queues = append(l.Queues, LiveQueue{Name: name, Sent: q.sent, Received: q.received,
			Deleted: q.deleted, Deferred: q.deferred, DeadLettered: q.dlq, Gauge: r.gauges.Queues[i]})
	}
	l.Ledger = r.liveLedger(inFlight)
	l.Utilization = r.lastUtilization()
	return l
}

func (r *Recorder) liveLedger(inFlight int64) LiveLedger {
	t := &r.tot
	l := LiveLedger{Offered: t.offered, Completed: t.completed, InFlight: inFlight,
		Lost:     t.offered - t.completed - t.rejected - t.failed - inFlight,
		Rejected: map[string]int64{}, Failed: map[string]int64{}}
	for i, n := range t.reasons {
		if Reason(i).rejected() {
			l.Rejected[Reason(i).String()] = n
		} else {
			l.Failed[Reason(i).String()] = n
		}
	}
	return l
}

// lastUtilization is the latest closed second's downstream utilization.
func (r *Recorder) lastUtilization() float64 {
	sec := int(r.closed/time.Second) - 1
	capRate := r.rateCap()
	if sec < 0 || sec >= len(r.series.rows) || capRate <= 0 || math.IsInf(capRate, 0) {
		return 0
	}
	return float64(r.series.rows[sec].ok) / capRate
}
