package live

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The state conformance suite runs the same assertions against NewMemoryStore and the
// DynamoDB store on the dynalite emulator. Each case gets a store of its own (the Dynamo
// ones share one table and use their own keys), so that Calls can be checked exactly.

func TestConformanceState(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		runStateConformance(t, func(t *testing.T) StateStore { return NewMemoryStore() })
	})
	t.Run("dynamodb", func(t *testing.T) { runStateConformance(t, dynamoStores(t, startDynalite(t))) })
}

// dynamoStores returns a maker of stores over one run-unique table on endpoint.
func dynamoStores(t *testing.T, endpoint string) func(t *testing.T) StateStore {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := NewDynamoClient(ctx, endpoint, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("tl%x-state", time.Now().UnixNano()&0xffffffff)
	if _, err := NewDynamoStore(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T) StateStore {
		s, err := NewDynamoStore(context.Background(), client, table)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func runStateConformance(t *testing.T, newStore func(t *testing.T) StateStore) {
	cases := []struct {
		name string
		run  func(t *testing.T, s StateStore)
	}{
		{"quota", stateQuota},
		{"quota-concurrent", stateQuotaConcurrent},
		{"breaker", stateBreaker},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newStore(t))
		})
	}
}

func stateQuota(t *testing.T, s StateStore) {
	ctx := testContext(t)
	exp := time.Now().Add(time.Hour)
	keys := []QuotaKey{{Name: "q-minute:1", Limit: 10, Expires: exp}, {Name: "q-second:1", Limit: 5, Expires: exp}}
	steps := []struct {
		n          int64
		ok         bool
		minute, sc int64
	}{
		{3, true, 3, 3},
		{3, false, 3, 3}, // the second key would reach 6: the first one's update is undone
		{2, true, 5, 5},
		{1, false, 5, 5},
		{11, false, 5, 5}, // over the first key's limit: no request at all
		{0, true, 5, 5},
	}
	for i, st := range steps {
		ok, err := s.TakeQuota(ctx, keys, st.n)
		if err != nil || ok != st.ok {
			t.Fatalf("step %d: TakeQuota(%d) = %v, %v; want %v", i, st.n, ok, err, st.ok)
		}
		wantUsed(t, s, keys[0].Name, st.minute)
		wantUsed(t, s, keys[1].Name, st.sc)
	}
	if ok, err := s.TakeQuota(ctx, nil, 1); !ok || err != nil {
		t.Errorf("TakeQuota(no keys) = %v, %v; want true, nil", ok, err)
	}
	wantUsed(t, s, "q-never", 0)
	// Writes: 2 + (2 updates + 1 undo) + 2 + 3 + 0 + 2; reads: two per step and one more.
	if got, want := s.Calls(), (StoreCalls{Reads: 13, Writes: 12}); got != want {
		t.Errorf("Calls = %+v, want %+v", got, want)
	}
}

// stateQuotaConcurrent hammers two key sets from 8 goroutines: in one the first key binds
// (conditional updates), in the other the second one does (undos under contention).
func stateQuotaConcurrent(t *testing.T, s StateStore) {
	exp := time.Now().Add(time.Hour)
	sets := [][]QuotaKey{
		{{Name: "c-first", Limit: 40, Expires: exp}, {Name: "c-first-wide", Limit: 1000, Expires: exp}},
		{{Name: "c-second-wide", Limit: 1000, Expires: exp}, {Name: "c-second", Limit: 40, Expires: exp}},
	}
	for _, keys := range sets {
		if got := hammer(t, s, keys, 8, 10); got != 40 {
			t.Errorf("keys %s, %s: %d takes succeeded, want exactly 40", keys[0].Name, keys[1].Name, got)
		}
		wantUsed(t, s, keys[0].Name, 40)
		wantUsed(t, s, keys[1].Name, 40)
	}
}

// hammer makes workers goroutines each try TakeQuota(keys, 1) tries times and returns how
// many succeeded.
func hammer(t *testing.T, s StateStore, keys []QuotaKey, workers, tries int) int64 {
	ctx := testContext(t)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range tries {
				took, err := s.TakeQuota(ctx, keys, 1)
				if err != nil {
					t.Errorf("TakeQuota: %v", err)
					return
				}
				if took {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return ok.Load()
}

func stateBreaker(t *testing.T, s StateStore) {
	ctx := testContext(t)
	rec, err := s.GetBreaker(ctx)
	if err != nil || rec != (BreakerRecord{}) {
		t.Fatalf("GetBreaker of a new store = %+v, %v; want the zero record", rec, err)
	}
	since := time.Date(2026, 1, 5, 10, 30, 0, 123456789, time.UTC)
	put := BreakerRecord{Open: true, Since: since, Failures: 3}
	if ok, err := s.PutBreaker(ctx, put); !ok || err != nil {
		t.Fatalf("PutBreaker(version 0) = %v, %v; want true, nil", ok, err)
	}
	rec, err = s.GetBreaker(ctx)
	if err != nil || !rec.Open || !rec.Since.Equal(since) || rec.Failures != 3 || rec.Version != 1 {
		t.Fatalf("GetBreaker = %+v, %v; want open since %v, 3 failures, version 1", rec, err, since)
	}
	if ok, err := s.PutBreaker(ctx, BreakerRecord{Version: 0}); ok || err != nil {
		t.Errorf("PutBreaker with the stale version 0 = %v, %v; want false, nil", ok, err)
	}
	rec.Open, rec.Failures = false, 0
	if ok, err := s.PutBreaker(ctx, rec); !ok || err != nil {
		t.Errorf("PutBreaker(version 1) = %v, %v; want true, nil", ok, err)
	}
	// Read-modify-write under contention: no increment may be lost.
	bumpFailures(t, s, 8, 5)
	rec, err = s.GetBreaker(ctx)
	if err != nil || rec.Failures != 40 || rec.Version != 42 || rec.Open {
		t.Errorf("after 40 concurrent increments GetBreaker = %+v, %v; want 40 failures, version 42", rec, err)
	}
}

// bumpFailures makes workers goroutines each add 1 to Failures times times, retrying on
// a version conflict.
func bumpFailures(t *testing.T, s StateStore, workers, times int) {
	ctx := testContext(t)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range times {
				for try := 0; ; try++ {
					rec, err := s.GetBreaker(ctx)
					if err != nil || try == 1000 {
						t.Errorf("GetBreaker: %v (try %d)", err, try)
						return
					}
					rec.Failures++
					ok, err := s.PutBreaker(ctx, rec)
					if err != nil {
						t.Errorf("PutBreaker: %v", err)
						return
					}
					if ok {
						break
					}
				}
			}
		})
	}
	wg.Wait()
}

func wantUsed(t *testing.T, s StateStore, key string, want int64) {
	t.Helper()
	got, err := s.QuotaUsed(testContext(t), key)
	if err != nil || got != want {
		t.Errorf("QuotaUsed(%s) = %d, %v; want %d", key, got, err, want)
	}
}

// testContext bounds a case's requests.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
