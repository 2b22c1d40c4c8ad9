package fakeapi

import (
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

func TestTrackerTable(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		limit int64
		at    []time.Duration
		max   int64
	}{
		{"one", 2, []time.Duration{0}, 1},
		{"window is half-open", 2, []time.Duration{0, 1000 * ms, 2000 * ms}, 1},
		{"just inside", 2, []time.Duration{0, 999 * ms}, 2},
		{"same instant", 2, []time.Duration{0, 500 * ms, 1000 * ms, 1000 * ms, 1500 * ms}, 3},
		{"saturates at 2×limit+1", 2, []time.Duration{0, 0, 0, 0, 0, 0, 0, 0}, 5},
	} {
		tr := newTracker(model.QuotaConfig{Limit: tc.limit, Per: time.Second})
		for _, at := range tc.at {
			tr.add(at)
		}
		if tr.max != tc.max {
			t.Errorf("%s: max %d, want %d", tc.name, tr.max, tc.max)
		}
	}
	if tr := newTracker(model.QuotaConfig{Limit: MaxTrackedLimit + 1, Per: time.Second}); tr != nil {
		t.Error("a tracker above MaxTrackedLimit")
	}
}

// TestTrackerBruteForce checks the ring (growing and wrapping) against counting every window
// that ends at an admission.
func TestTrackerBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const per = 100 * time.Millisecond
	for round := range 20 {
		limit := int64(1 + rng.IntN(40))
		tr := newTracker(model.QuotaConfig{Limit: limit, Per: per})
		var at []time.Duration
		now := time.Duration(0)
		for range 500 {
			now += time.Duration(rng.IntN(int(2 * per / time.Duration(limit))))
			at = append(at, now)
			tr.add(now)
		}
		want := int64(0)
		for j, end := range at {
			n := int64(0)
			for _, a := range at[:j+1] {
				if a > end-per {
					n++
				}
			}
			want = max(want, min(n, 2*limit+1))
		}
		if tr.max != want {
			t.Errorf("round %d (limit %d): max %d, want %d", round, limit, tr.max, want)
		}
	}
}

// burst fires n calls from 25 concurrent clients through one keep-alive transport.
func burst(t *testing.T, url string, n int) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 25}}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	calls := make(chan struct{}, n)
	for range n {
		calls <- struct{}{}
	}
	close(calls)
	for range 25 {
		wg.Go(func() {
			for range calls {
				resp, err := c.Get(url + "/burst")
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
}

// TestOvergrant hammers one 10/s tier with 200 concurrent calls, which the fake clock decides
// 10 ms apart (at 10 ms, 20 ms, … 2 s), with a fixed window boundary at 110 ms. The sliding
// window never holds more than 10 calls in any second; the fixed one admits 10 before the
// boundary and 10 after it, 20 within 200 ms: overgrant 1.
func TestOvergrant(t *testing.T) {
	for _, tc := range []struct {
		window    string
		admitted  int64
		max       int64
		overgrant float64
	}{
		{"sliding", 20, 10, 0},
		{"fixed", 30, 20, 1},
	} {
		t.Run(tc.window, func(t *testing.T) {
			clock := &fakeClock{t: t0, step: 10 * time.Millisecond}
			epoch := t0.Add(890 * time.Millisecond) // windows start at now = 110 ms + k s
			api := model.APIConfig{Epoch: epoch, Quotas: []model.QuotaConfig{{Limit: 10, Per: time.Second, Window: tc.window}}}
			s, url := startServer(t, Config{API: api, Clock: clock.Now})
			burst(t, url, 200)
			st := s.Stats()
			tier := st.Tiers[0]
			if st.Admitted != tc.admitted || tier.MaxWindowCount != tc.max || tier.Overgrant != tc.overgrant {
				t.Errorf("admitted %d, max window count %d, overgrant %v; want %d, %d, %v",
					st.Admitted, tier.MaxWindowCount, tier.Overgrant, tc.admitted, tc.max, tc.overgrant)
			}
			if st.Calls["ok"]+st.Calls["throttled"] != 200 {
				t.Errorf("calls %v, want 200 ok or throttled", st.Calls)
			}
		})
	}
}
