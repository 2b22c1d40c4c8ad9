package metrics

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

var liveConfig = Config{
	Clients: []ClientInfo{{Name: "a", Priority: "high"}, {Name: "b", Priority: "batch"}},
	Queues:  []string{"q0", "q1"},
	Tiers:   []Tier{{Limit: 100, Per: time.Second, Window: "sliding"}},
	Offered: time.Hour, Epoch: epoch,
}

// liveSampler sets gauges that say which second they close.
func liveSampler(at time.Duration, g *Gauges) {
	s := int(at / time.Second)
	g.Queues[0] = QueueGauge{Visible: s, InFlight: 2 * s, Delayed: 1, OldestAge: at / 2}
	g.Queues[1] = QueueGauge{Visible: 10 * s}
	g.InFlight, g.ConcurrencyInUse, g.ConcurrencyLimit = s, s%5, 5
	g.BreakerOpen, g.OrchestratorRunning = s%2 == 1, true
}

// request records one request of a fixed shape: client i%2 offers it, the gateway admits
// it, it goes through queue i%2, and one in three completes, one in three is throttled
// and rejected, the rest stay in flight.
func request(r recording, now time.Duration, i int) {
	c, q := i%2, i%2
	switch i % 3 {
	case 0:
		r.Attempted(now, c, true, Admitted)
		r.Sent(now, q)
		r.Received(now, q, 1)
		r.Call(now, time.Millisecond, CallOK, true)
		r.Deleted(now, q, c, 2*time.Millisecond)
		r.Completed(now, c, 5*time.Millisecond)
	case 1:
		r.Attempted(now, c, true, Throttled)
		r.Ended(now, c, RejectThrottled)
	default:
		r.Attempted(now, c, true, Admitted)
		r.Sent(now, q)
	}
}

// TestJournalSnapshot: at any point of a run, the Recorder a snapshot hands fn holds exactly
// what the calls so far recorded — the same read-out as a Recorder fed directly — whether
// the journal's batch is empty, partly filled or has been handed over several times; and
// snapshots leave the run's summary and series unchanged.
func TestJournalSnapshot(t *testing.T) {
	direct := NewRecorder(liveConfig, liveSampler)
	j := NewJournal(liveConfig, liveSampler)
	both := func(f func(r recording)) { f(direct); f(j) }
	i := 0
	for _, step := range []struct {
		name     string
		requests int           // requests recorded before the snapshot
		advance  time.Duration // the clock after them
		closed   time.Duration
	}{
		{"nothing recorded", 0, 0, 0},
		{"one request", 1, 10 * time.Millisecond, 0},
		{"a second closed", 2, 1500 * time.Millisecond, time.Second},
		{"several batches handed over", 60_000, 4200 * time.Millisecond, 4 * time.Second},
		{"a snapshot right after another", 0, 4200 * time.Millisecond, 4 * time.Second},
		{"a partial batch again", 7, 6 * time.Second, 6 * time.Second},
	} {
		for range step.requests {
			both(func(r recording) { request(r, step.advance, i) })
			i++
		}
		both(func(r recording) { r.Advance(step.advance) })
		want := direct.Live(step.advance, 5)
		var got *Live
		j.Snapshot(func(r *Recorder) { got = r.Live(step.advance, 5) })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: snapshot\n%+v\nwant\n%+v", step.name, got, want)
			continue
		}
		completed, rejected := int64((i+2)/3), int64((i+1)/3)
		if got.Totals.Offered != int64(i) || got.Ledger.Completed != completed ||
			got.Ledger.Rejected["throttled"] != rejected || got.Closed != step.closed {
			t.Errorf("%s: offered %d completed %d rejected %d closed %v, want %d %d %d %v", step.name,
				got.Totals.Offered, got.Ledger.Completed, got.Ledger.Rejected["throttled"], got.Closed,
				i, completed, rejected, step.closed)
		}
		if s := int(step.closed / time.Second); got.Queues[1].Gauge.Visible != 10*s || got.Gauges.InFlight != s {
			t.Errorf("%s: gauges %+v %+v, want those of second %d", step.name, got.Gauges, got.Queues[1].Gauge, s)
		}
	}
	s1, ser1 := direct.Finish(7*time.Second, Census{"queue:q0": 3})
	s2, ser2 := j.Finish(7*time.Second, Census{"queue:q0": 3})
	b1, _ := json.Marshal(s1)
	b2, _ := json.Marshal(s2)
	if !bytes.Equal(b1, b2) || !reflect.DeepEqual(ser1, ser2) {
		t.Error("snapshots changed the journal's summary or series")
	}
	// After Close, a snapshot reads the Recorder as it was left.
	var after *Live
	j.Snapshot(func(r *Recorder) { after = r.Live(7*time.Second, 0) })
	if after.Totals.Offered != int64(i) {
		t.Errorf("after close: offered %d, want %d", after.Totals.Offered, i)
	}
}

// TestLiveReadOut: the read-out's counters per client and per queue, its ledger and the
// latest closed second's utilization, from a few events made by hand.
func TestLiveReadOut(t *testing.T) {
	r := NewRecorder(liveConfig, liveSampler)
	for i := range 6 {
		request(r, 100*time.Millisecond, i)
	}
	r.Received(200*time.Millisecond, 1, 3)
	r.Deferred(200*time.Millisecond, 1)
	r.DeadLettered(300*time.Millisecond, 0)
	r.Ended(300*time.Millisecond, 0, FailDLQ)
	r.Call(400*time.Millisecond, 40*time.Millisecond, Call429, false)
	r.Advance(1200 * time.Millisecond)
	l := r.Live(1200*time.Millisecond, 1)
	wantQ := []LiveQueue{
		{Name: "q0", Sent: 2, Received: 1, Deleted: 1, DeadLettered: 1,
			Gauge: QueueGauge{Visible: 1, InFlight: 2, Delayed: 1, OldestAge: 500 * time.Millisecond}},
		{Name: "q1", Sent: 2, Received: 4, Deleted: 1, Deferred: 1, Gauge: QueueGauge{Visible: 10}},
	}
	if !reflect.DeepEqual(l.Queues, wantQ) {
		t.Errorf("queues %+v\nwant %+v", l.Queues, wantQ)
	}
	wantC := []LiveClient{
		{Name: "a", Priority: "high", Offered: 3, Attempts: 3, Admitted: 2, Throttled: 1, Completed: 1, Rejected: 1, Failed: 1},
		{Name: "b", Priority: "batch", Offered: 3, Attempts: 3, Admitted: 2, Throttled: 1, Completed: 1, Rejected: 1},
	}
	if !reflect.DeepEqual(l.Clients, wantC) {
		t.Errorf("clients %+v\nwant %+v", l.Clients, wantC)
	}
	// 6 offered: 2 completed, 2 rejected, 1 failed, 1 in flight.
	led := l.Ledger
	if led.Offered != 6 || led.Completed != 2 || led.Rejected["throttled"] != 2 || led.Failed["dead_lettered"] != 1 ||
		led.InFlight != 1 || led.Lost != 0 || len(led.Rejected)+len(led.Failed) != int(numReasons) {
		t.Errorf("ledger %+v", led)
	}
	if tot := l.Totals; tot.Calls != 3 || tot.CallsOK != 2 || tot.Calls429 != 1 || tot.CallsAdmitted != 2 {
		t.Errorf("totals %+v", tot)
	}
	if l.Utilization != 0.02 { // 2 successful calls started in second 0, of 100/s
		t.Errorf("utilization %v, want 0.02", l.Utilization)
	}
	if l.E2E != (Durations{2, 10 * time.Millisecond}) || l.Downstream != (Durations{2, 2 * time.Millisecond}) ||
		l.QueueWait != (Durations{2, 4 * time.Millisecond}) {
		t.Errorf("durations %+v %+v %+v", l.E2E, l.Downstream, l.QueueWait)
	}
	if g := l.Gauges; g.Queues != nil || g.InFlight != 1 || g.ConcurrencyLimit != 5 || !g.BreakerOpen || !g.OrchestratorRunning {
		t.Errorf("gauges %+v", g)
	}
}
