package metrics

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func TestTierCapacity(t *testing.T) {
	for _, c := range []struct {
		tier  Tier
		span  time.Duration
		start time.Time
		want  float64
	}{
		{Tier{20, time.Second, "sliding"}, 40 * time.Second, epoch, 800},
		{Tier{20, time.Second, "sliding"}, 40500 * time.Millisecond, epoch, 820},
		{Tier{20, time.Second, "token-bucket"}, 40 * time.Second, epoch, 820},
		{Tier{50000, 24 * time.Hour, "fixed"}, 24 * time.Hour, epoch, 50000},
		// A day starting at noon touches two calendar days.
		{Tier{50000, 24 * time.Hour, "fixed"}, 24 * time.Hour, epoch.Add(12 * time.Hour), 100000},
		{Tier{10, time.Second, "fixed"}, 2500 * time.Millisecond, epoch.Add(500 * time.Millisecond), 30},
	} {
		if got := c.tier.Capacity(c.span, c.start); got != c.want {
			t.Errorf("%+v over %v from %v: %v, want %v", c.tier, c.span, c.start, got, c.want)
		}
	}
}

func newTestRecorder() *Recorder {
	return NewRecorder(Config{
		Clients: []ClientInfo{{Name: "a", Priority: "high"}, {Name: "b", Priority: "batch"}},
		Queues:  []string{"q"},
		Tiers:   []Tier{{Limit: 2, Per: time.Second, Window: "sliding"}},
		Offered: 2 * time.Second, Epoch: epoch,
	}, func(at time.Duration, g *Gauges) { g.Queues[0].Visible = int(at / time.Second) })
}

func TestLedgerAccountsForEveryRequest(t *testing.T) {
	r := newTestRecorder()
	for i := range 4 {
		r.Offered(time.Duration(i)*100*time.Millisecond, i%2)
	}
	r.Call(0, 50*time.Millisecond, CallOK, true)
	r.Completed(50*time.Millisecond, 0, 50*time.Millisecond)
	r.Ended(time.Second, 1, RejectThrottled)
	r.Ended(time.Second, 0, FailDLQ)
	s, _ := r.Finish(2*time.Second, Census{"queue:q": 1})
	if s.Ledger.Lost != 0 || s.Metrics["lost_total"] != 0 || s.Ledger.Verdict != "every request is accounted for" {
		t.Errorf("ledger %+v", s.Ledger)
	}
	if s.Ledger.Rejected["throttled"] != 1 || s.Ledger.Failed["dead_lettered"] != 1 || s.Ledger.InFlight["queue:q"] != 1 {
		t.Errorf("ledger %+v", s.Ledger)
	}
	// A request the census cannot find is lost, and the verdict says so.
	r = newTestRecorder()
	r.Offered(0, 0)
	s, _ = r.Finish(time.Second, Census{})
	if s.Metrics["lost_total"] != 1 || s.Ledger.Lost != 1 {
		t.Errorf("lost %v, ledger %+v", s.Metrics["lost_total"], s.Ledger)
	}
	// A request ended twice shows as negative loss.
	r = newTestRecorder()
	r.Offered(0, 0)
	r.Ended(0, 0, RejectThrottled)
	r.Ended(0, 0, RejectThrottled)
	if s, _ = r.Finish(time.Second, Census{}); s.Ledger.Lost != -1 {
		t.Errorf("double end: ledger %+v", s.Ledger)
	}
}

func TestSeriesAndSummary(t *testing.T) {
	r := newTestRecorder()
	r.Offered(0, 0)
	r.Call(100*time.Millisecond, 10*time.Millisecond, CallOK, true)
	r.Call(200*time.Millisecond, 10*time.Millisecond, CallOK, true)
	r.Call(1500*time.Millisecond, time.Millisecond, Call429, false)
	r.Completed(300*time.Millisecond, 0, 300*time.Millisecond)
	r.Advance(1500 * time.Millisecond)
	s, ser := r.Finish(2500*time.Millisecond, Census{})
	if got := s.Metrics["downstream_utilization"]; got != 0.5 { // 2 ok of 2 × 2 s
		t.Errorf("utilization %v", got)
	}
	if got := s.Metrics["downstream_overgrant"]; got != 0 {
		t.Errorf("overgrant %v", got)
	}
	if v, ok := s.Lookup("per_client.a.completed_total"); !ok || v != 1 {
		t.Errorf("per_client lookup %v %v", v, ok)
	}
	if v, ok := s.Lookup("per_priority.high.offered_total"); !ok || v != 1 {
		t.Errorf("per_priority lookup %v %v", v, ok)
	}
	if len(ser.Rows) != 3 {
		t.Fatalf("%d rows, want 3 (seconds 0, 1, 2)", len(ser.Rows))
	}
	if got := ser.Column("downstream_ok"); got[0] != 2 || got[1] != 0 {
		t.Errorf("downstream_ok %v", got)
	}
	if got := ser.Column("downstream_429"); got[1] != 1 {
		t.Errorf("downstream_429 %v", got)
	}
	if got := ser.Column("queue.q.depth"); got[0] != 1 || got[1] != 2 {
		t.Errorf("queue depth sampled at each second's end: %v", got)
	}
	if got := ser.Column("e2e_seconds_p99"); got[0] < 0.297 || got[0] > 0.303 { // 2 significant digits per second
		t.Errorf("e2e p99 of second 0: %v", got)
	}
	path := filepath.Join(t.TempDir(), "series.csv")
	if err := ser.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	_ = ser.WriteCSV(&a)
	_ = back.WriteCSV(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("series does not survive a CSV round trip")
	}
}
