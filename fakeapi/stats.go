package fakeapi

import (
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// MaxTrackedLimit is the largest tier limit whose sliding maximum (TierStats.MaxWindowCount)
// is tracked: the tracker keeps up to 2×limit+1 admission instants, 8 bytes each.
const MaxTrackedLimit = 1 << 20

// Stats is what the fake API has seen since it started or was last reset. It is how a live
// run proves its quotas held: quota accuracy is counted over sliding windows, not wall-clock
// seconds, since per-second buckets hide a fixed window admitting twice its limit across a
// boundary.
type Stats struct {
	ElapsedSeconds float64 `json:"elapsed_seconds"` // the server's now
	Healthy        bool    `json:"healthy"`         // what a health check sees now
	// Admitted counts the calls the quotas admitted, those that then failed included.
	Admitted int64 `json:"admitted_total"`
	// Calls counts calls by the model's decision (ok, throttled, error, timeout, reset),
	// whether or not the caller waited for the answer.
	Calls map[string]int64 `json:"calls_total"`
	// InFlight counts the calls decided and not answered yet: waiting their latency, or
	// hanging in a timeout outage. It falls when a caller gives up.
	InFlight int64 `json:"in_flight"`
	// Tiers has one entry per quota tier; with per-key quotas, per listed key: the keys of
	// Keys.Top, and for each tier the key with the largest MaxWindowCount if it is not among
	// them (so that the worst Overgrant over Tiers is the worst of every key held); ordered
	// by key, then tier.
	Tiers []TierStats `json:"tiers"`
	// Keys describes the per-key quota state; nil unless quotas are per key.
	Keys *KeysStats `json:"keys,omitempty"`
}

// TierStats describes one quota tier.
//
// MaxWindowCount is the largest number of admissions in any half-open interval (t−per, t],
// computed exactly from the admission instants; it saturates at 2×Limit+1, and is tracked
// only for limits up to MaxTrackedLimit (Tracked says whether it was). Overgrant is
// max(0, MaxWindowCount/Limit − 1): 0 for an exact sliding limiter, up to 1 for a fixed
// window hammered across a boundary.
type TierStats struct {
	Key            string  `json:"key,omitempty"` // the API key, when quotas are per key
	Tier           int     `json:"tier"`
	Limit          int64   `json:"limit"`
	PerSeconds     float64 `json:"per_seconds"`
	Window         string  `json:"window"`
	Count          int64   `json:"count"` // in the current window, as the model counts it
	Tracked        bool    `json:"tracked"`
	MaxWindowCount int64   `json:"max_window_count"`
	Overgrant      float64 `json:"overgrant"`
}

// Stats returns what the server has seen since it started or was last reset. Its size does
// not grow with the number of keys: with per-key quotas it lists at most TopKeys keys, plus
// one per tier.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	st := Stats{ElapsedSeconds: now.Seconds(), Healthy: s.api.Health(now),
		Admitted: s.api.Admitted(), Calls: make(map[string]int64, len(s.outcome)),
		InFlight: s.pending.Load(), Tiers: []TierStats{}}
	for o, n := range s.outcome {
		st.Calls[model.CallOutcome(o).String()] = n
	}
	keys := []string{""}
	if s.cfg.API.PerKey {
		st.Keys = s.keysStats()
		keys = s.listedKeys(st.Keys.Top)
	}
	for _, k := range keys {
		st.Tiers = append(st.Tiers, s.tierStats(k, now)...)
	}
	return st
}

// tierStats describes the tiers of key at now. Callers hold mu.
func (s *Server) tierStats(key string, now time.Duration) []TierStats {
	q := s.api.Quotas(key)
	out := make([]TierStats, 0, len(s.cfg.API.Quotas))
	for i, c := range s.cfg.API.Quotas {
		t := TierStats{Key: key, Tier: i, Limit: c.Limit, PerSeconds: c.Per.Seconds(), Window: c.Window}
		if t.Window == "" {
			t.Window = "fixed"
		}
		if q != nil {
			t.Count = q.Tier(i).Count(now)
		}
		if tr := s.keys[key].tier(i); tr != nil {
			t.Tracked, t.MaxWindowCount = true, tr.max
			t.Overgrant = overgrant(tr.max, c.Limit)
		}
		out = append(out, t)
	}
	return out
}

// overgrant is max(0, most/limit − 1).
func overgrant(most, limit int64) float64 { return max(0, float64(most)/float64(limit)-1) }

// tracker finds the largest number of admissions in any window (t−per, t] of a tier. It
// keeps the instants of the admissions in the current window, oldest first, in a ring that
// grows up to 2×limit+1 entries; as admissions come in nondecreasing time, the largest
// window ends at an admission, so counting at each admission is exact.
type tracker struct {
	per  time.Duration
	cap  int
	ring []time.Duration
	head int // index of the oldest instant
	n    int // instants in the ring
	max  int64
}

// newTracker returns a tracker for tier c, nil when its limit is above MaxTrackedLimit.
func newTracker(c model.QuotaConfig) *tracker {
	if c.Limit > MaxTrackedLimit {
		return nil
	}
	return &tracker{per: c.Per, cap: int(2*c.Limit + 1)}
}

// add records an admission at now.
func (t *tracker) add(now time.Duration) {
	for t.n > 0 && t.ring[t.head] <= now-t.per {
		t.pop()
	}
	if t.n == len(t.ring) {
		if len(t.ring) < t.cap {
			t.grow()
		} else {
			t.pop() // saturated: the count stays at cap
		}
	}
	t.ring[(t.head+t.n)%len(t.ring)] = now
	t.n++
	t.max = max(t.max, int64(t.n))
}

func (t *tracker) pop() {
	t.head = (t.head + 1) % len(t.ring)
	t.n--
}

// grow doubles the ring (at least 16 entries, at most cap), oldest instant first.
func (t *tracker) grow() {
	ring := make([]time.Duration, min(t.cap, max(16, 2*len(t.ring))))
	for i := range t.n {
		ring[i] = t.ring[(t.head+i)%len(t.ring)]
	}
	t.ring, t.head = ring, 0
}
