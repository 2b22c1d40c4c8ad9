package metrics

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// recording is what a driver calls, on a Recorder or on a Journal.
type recording interface {
	Attempted(now time.Duration, c int, first bool, g Gateway)
	Gateway(now time.Duration, c int, g Gateway)
	Sent(now time.Duration, q int)
	Received(now time.Duration, q, n int)
	Deleted(now time.Duration, q, c int, wait time.Duration)
	Deferred(now time.Duration, q int)
	DeadLettered(now time.Duration, q int)
	Call(start, latency time.Duration, res Call, admitted bool)
	BreakerOpened(now time.Duration)
	Requeued(now time.Duration)
	Duplicate(now time.Duration)
	OrderBroken(now time.Duration)
	Completed(now time.Duration, c int, e2e time.Duration)
	Ended(now time.Duration, c int, why Reason)
	Advance(now time.Duration)
	Set(name string, v float64)
}

// drive makes the same 300,000 random calls over 200 s, enough for a dozen batches.
func drive(r recording) {
	rng := rand.New(rand.NewPCG(7, 8))
	d := func(max time.Duration) time.Duration { return time.Duration(rng.Int64N(int64(max))) }
	now := time.Duration(0)
	for range 300_000 {
		now += d(1300 * time.Microsecond)
		r.Advance(now)
		c, q := rng.IntN(2), 0
		switch rng.IntN(16) {
		case 0:
			r.Attempted(now, c, rng.IntN(2) == 0, Gateway(rng.IntN(5)))
		case 1, 2:
			r.Attempted(now, c, true, Gateway(rng.IntN(5)))
		case 3:
			r.Gateway(now, c, Gateway(rng.IntN(5)))
		case 4:
			r.Sent(now, q)
		case 5:
			r.Received(now, q, 1+rng.IntN(10))
		case 6:
			r.Deleted(now, q, c, d(3*time.Second))
		case 7:
			r.Deferred(now, q)
		case 8:
			r.DeadLettered(now, q)
		case 9:
			lat := d(time.Second)
			r.Call(max(0, now-lat), lat, Call(rng.IntN(5)), rng.IntN(2) == 0)
		case 10:
			r.BreakerOpened(now)
		case 11:
			r.Requeued(now)
		case 12:
			r.Duplicate(now)
		case 13:
			r.OrderBroken(now)
		case 14:
			r.Completed(now, c, d(5*time.Second))
		case 15:
			r.Ended(now, c, Reason(rng.IntN(int(numReasons))))
		}
	}
	r.Set("driver_metric", 42)
}

// TestJournalRecordsWhatTheRecorderWould: the same calls, made on a Recorder or through a
// Journal, give the same summary and the same series, byte for byte; the gauges sampler is
// called at the same instants with the gauges it left the second before.
func TestJournalRecordsWhatTheRecorderWould(t *testing.T) {
	cfg := Config{
		Clients: []ClientInfo{{Name: "a", Priority: "high"}, {Name: "b", Priority: "batch"}},
		Queues:  []string{"q"},
		Tiers:   []Tier{{Limit: 2, Per: time.Second, Window: "sliding"}},
		Offered: 100 * time.Second, Epoch: epoch,
	}
	sampler := func(calls *[]time.Duration) Sampler {
		return func(at time.Duration, g *Gauges) {
			*calls = append(*calls, at)
			g.Queues[0].Visible = int(at/time.Second) % 7
			g.Queues[0].OldestAge = at / 3
			g.ConcurrencyInUse = max(g.ConcurrencyInUse, int(at/time.Second)%5) // kept across seconds
			g.InFlight = int(at / time.Millisecond % 1000)
		}
	}
	var directCalls, journalCalls []time.Duration
	rec := NewRecorder(cfg, sampler(&directCalls))
	drive(rec)
	s1, ser1 := rec.Finish(200*time.Second, Census{})

	j := NewJournal(cfg, sampler(&journalCalls))
	drive(j)
	s2, ser2 := j.Finish(200*time.Second, Census{})

	if len(directCalls) < 200 || len(directCalls) != len(journalCalls) {
		t.Fatalf("sampler called %d times directly, %d through the journal", len(directCalls), len(journalCalls))
	}
	for i := range directCalls {
		if directCalls[i] != journalCalls[i] {
			t.Fatalf("sample %d at %v directly, %v through the journal", i, directCalls[i], journalCalls[i])
		}
	}
	j1, _ := json.Marshal(s1)
	j2, _ := json.Marshal(s2)
	if !bytes.Equal(j1, j2) {
		t.Errorf("summaries differ:\n%s\n%s", j1, j2)
	}
	if s1.Metrics["offered_total"] < 10_000 || s1.Metrics["driver_metric"] != 42 {
		t.Errorf("the drive recorded too little: %v", s1.Metrics)
	}
	var c1, c2 bytes.Buffer
	if err := ser1.WriteCSV(&c1); err != nil {
		t.Fatal(err)
	}
	if err := ser2.WriteCSV(&c2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c1.Bytes(), c2.Bytes()) {
		t.Errorf("series differ (%d and %d bytes)", c1.Len(), c2.Len())
	}
}

// A journal closed without a single call still gives the Recorder back, and closing twice
// is harmless.
func TestJournalCloseTwice(t *testing.T) {
	j := NewJournal(Config{Queues: []string{"q"}}, nil)
	if j.Close() != j.Close() {
		t.Fatal("Close returned two recorders")
	}
}
