package fakeapi

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// TopKeys is how many keys, the most called first, Stats lists with per-key quotas.
const TopKeys = 20

// MaxKeyBytes is the longest API key the server keeps as it came: a longer one is known by
// its first 32 bytes and its SHA-256 (see keyID), so that neither the server's memory nor its
// statistics grow with the length of the keys callers send.
const MaxKeyBytes = 128

// KeysStats describes the per-key quota state of a server with per-key quotas.
//
// At most Max keys keep quota state (model.APIConfig.MaxKeys); Held do now. A call with a key
// not held when Max are evicts the least recently used one: EvictedTotal counts evictions.
// An evicted key's quotas start afresh on its next call and may then admit more than its
// limits within a window spanning the eviction, so a run that evicts should not be read as an
// exact measurement of its quotas. EvictedOvergrant is the worst Overgrant any evicted key
// had reached before it was evicted (its tiers are no longer listed). Top lists the TopKeys
// keys held with the most calls, the most first (ties by key).
type KeysStats struct {
	Max              int        `json:"max"`
	Held             int        `json:"held"`
	EvictedTotal     int64      `json:"evicted_total"`
	EvictedOvergrant float64    `json:"evicted_overgrant"`
	Top              []KeyStats `json:"top"`
}

// KeyStats counts one key's calls that its quotas decided (admitted or throttled; those of
// outages are not counted) since its state was created.
type KeyStats struct {
	Key       string `json:"key"`
	Calls     int64  `json:"calls_total"`
	Admitted  int64  `json:"admitted_total"`
	Throttled int64  `json:"throttled_total"`
}

// keyStats is what the server keeps about one key (the key "" for global quotas), for as long
// as the model keeps the key's quotas.
type keyStats struct {
	calls, admitted int64
	trackers        []*tracker // per tier, nil for a tier above MaxTrackedLimit
}

// tier returns the tracker of tier i, nil when untracked or k is nil.
func (k *keyStats) tier(i int) *tracker {
	if k == nil {
		return nil
	}
	return k.trackers[i]
}

// keyID is how the server knows an API key: the key itself up to MaxKeyBytes, else its
// first 32 bytes, "...sha256:" and the hex SHA-256 of the whole key (106 bytes).
func keyID(key string) string {
	if len(key) <= MaxKeyBytes {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return key[:32] + "...sha256:" + hex.EncodeToString(sum[:])
}

// record counts a call of key that its quotas decided at now, admitted or not, creating the
// key's statistics on its first call. Callers hold mu.
func (s *Server) record(key string, now time.Duration, admitted bool) {
	k := s.keyStats(key)
	k.calls++
	if !admitted {
		return
	}
	k.admitted++
	for _, t := range k.trackers {
		if t != nil {
			t.add(now)
		}
	}
}

// keyStats returns the statistics of key, creating them if need be. Callers hold mu.
func (s *Server) keyStats(key string) *keyStats {
	k := s.keys[key]
	if k == nil {
		k = &keyStats{trackers: make([]*tracker, len(s.cfg.API.Quotas))}
		for i, c := range s.cfg.API.Quotas {
			k.trackers[i] = newTracker(c)
		}
		s.keys[key] = k
	}
	return k
}

// evict forgets key, whose quota state the model has just evicted, keeping its worst
// over-grant. The model calls it during a decision, so mu is held.
func (s *Server) evict(key string) {
	k := s.keys[key]
	if k == nil {
		return
	}
	for i, t := range k.trackers {
		if t != nil {
			s.evictedOvergrant = max(s.evictedOvergrant, overgrant(t.max, s.cfg.API.Quotas[i].Limit))
		}
	}
	delete(s.keys, key)
}

// keysStats returns the per-key totals and the TopKeys most called keys. Callers hold mu.
func (s *Server) keysStats() *KeysStats {
	held, most := s.api.Keys()
	ks := &KeysStats{Max: most, Held: held, EvictedTotal: s.api.KeysEvicted(),
		EvictedOvergrant: s.evictedOvergrant, Top: make([]KeyStats, 0, min(TopKeys, len(s.keys)))}
	for key, k := range s.keys {
		ks.Top = append(ks.Top, KeyStats{Key: key, Calls: k.calls, Admitted: k.admitted,
			Throttled: k.calls - k.admitted})
	}
	slices.SortFunc(ks.Top, func(a, b KeyStats) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Key, b.Key))
	})
	ks.Top = slices.Clip(ks.Top[:min(TopKeys, len(ks.Top))])
	return ks
}

// listedKeys returns the keys whose tiers Stats lists, sorted: those of top, and for each
// tier the key with the largest MaxWindowCount (ties by key). Callers hold mu.
func (s *Server) listedKeys(top []KeyStats) []string {
	keys := make([]string, 0, len(top)+len(s.cfg.API.Quotas))
	for _, k := range top {
		keys = append(keys, k.Key)
	}
	for i := range s.cfg.API.Quotas {
		worst, found := "", false
		var most int64
		for key, k := range s.keys {
			if t := k.trackers[i]; t != nil && (!found || t.max > most || t.max == most && key < worst) {
				worst, most, found = key, t.max, true
			}
		}
		if found && !slices.Contains(keys, worst) {
			keys = append(keys, worst)
		}
	}
	slices.Sort(keys)
	return keys
}
