package engine

import (
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

func loadScenario(t *testing.T, doc string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadBytes("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// stepTo runs e in virtual time until its clock reaches at.
func stepTo(e *Engine, at time.Duration) {
	for e.Now() < at && e.Step() {
	}
}

// TestSnapshotMidRun: a snapshot taken in the middle of a run in virtual time holds what
// happened up to then — the ledger balances against the engine's own count of requests in
// flight, the queue's counters agree with each other, the Lambda consumer has been invoked —
// and leaves the run's summary as it would have been.
func TestSnapshotMidRun(t *testing.T) {
	const doc = `
name: test
seed: 5
duration: 20s
drain: 30s
clients: [{name: c, arrival: {shape: constant, rate: 100/s}}]
gateway: {stage: {rate: 80, burst: 10}, integration: queue}
queues: [{name: orders, visibility_timeout: 30s}]
consumer: {pattern: concurrency, concurrency: 2, batch_size: 5}
downstream: {latency: {dist: fixed, value: 50ms}, quotas: [{limit: 30, per: 1s, window: sliding}]}
`
	e, err := New(loadScenario(t, doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	stepTo(e, 10500*time.Millisecond)
	l := e.Snapshot()
	// 100/s for 10.5 s reach the gateway, give or take the network delay's first request.
	if l.Totals.Offered < 1040 || l.Totals.Offered > 1051 || l.Closed != 10*time.Second {
		t.Errorf("offered %d at %v (closed %v), want about 1,050", l.Totals.Offered, l.At, l.Closed)
	}
	led := l.Ledger
	if led.InFlight != int64(e.Live()) || led.Lost != 0 || led.Rejected["throttled"] == 0 || led.Completed == 0 {
		t.Errorf("ledger %+v, engine in flight %d", led, e.Live())
	}
	q := l.Queues[0]
	// Two workers at 50 ms a call serve 40/s of the 80/s admitted: the queue grows.
	if n := q.Gauge.Visible + q.Gauge.InFlight; q.Name != "orders" || q.Sent != l.Totals.Admitted ||
		q.Deleted != led.Completed || q.Received < q.Deleted || n < 300 {
		t.Errorf("queue %+v, admitted %d, completed %d", q, l.Totals.Admitted, led.Completed)
	}
	// The API allows 30 calls a second of the 40 the workers make: the rest are 429s, the
	// functions' errors.
	if lam := l.Lambda; lam == nil || lam.Invocations == 0 || lam.Duration <= 0 || lam.Errors == 0 ||
		lam.Errors != l.Totals.Calls429 || lam.Throttles != 0 {
		t.Errorf("lambda %+v", l.Lambda)
	}
	if l.Gauges.ConcurrencyInUse != 2 || l.Gauges.ConcurrencyLimit != 2 {
		t.Errorf("concurrency %d of %d", l.Gauges.ConcurrencyInUse, l.Gauges.ConcurrencyLimit)
	}
	for e.Step() {
	}
	e.SettleAtEnd()
	sum, _ := e.Finish()

	// The same run without a snapshot gives the same summary.
	e2, _ := New(loadScenario(t, doc), Options{})
	e2.Start()
	for e2.Step() {
	}
	e2.SettleAtEnd()
	sum2, _ := e2.Finish()
	for k, v := range sum2.Metrics {
		if sum.Metrics[k] != v {
			t.Errorf("%s: %v with a snapshot, %v without", k, sum.Metrics[k], v)
		}
	}
}

// A design without a Lambda function has no Lambda counters.
func TestSnapshotWithoutLambda(t *testing.T) {
	e, err := New(loadScenario(t, `
name: test
duration: 3s
clients: [{name: c, arrival: {shape: constant, rate: 10/s}}]
gateway: {integration: direct}
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	stepTo(e, 2*time.Second)
	if l := e.Snapshot(); l.Lambda != nil || l.Totals.Offered == 0 || l.Ledger.Lost != 0 {
		t.Errorf("lambda %+v, offered %d, lost %d", l.Lambda, l.Totals.Offered, l.Ledger.Lost)
	}
	e.Finish()
}
