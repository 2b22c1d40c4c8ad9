package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAPIKeysEvictLeastRecentlyUsed calls an API that holds two keys' quotas (1 call per
// minute each) at fixed instants: the third key evicts the key used least recently, an
// evicted key's quota starts afresh (its second call within the minute is admitted: the
// deviation the eviction count reports), and reading a key's quotas is not a use.
func TestAPIKeysEvictLeastRecentlyUsed(t *testing.T) {
	a := mustAPI(t, APIConfig{PerKey: true, MaxKeys: 2, RetryAfter: true,
		Quotas:  []QuotaConfig{{Limit: 1, Per: time.Minute, Window: "sliding"}},
		Latency: apiFixedLatency(20 * time.Millisecond)})
	var evicted []string
	a.OnEvict(func(key string) { evicted = append(evicted, key) })
	s := time.Second
	steps := []struct {
		call    apiCall
		evicted []string
		held    []string // keys whose quotas are held after the call
	}{
		{apiCall{0, "a", apiOK}, nil, []string{"a"}},
		{apiCall{s, "b", apiOK}, nil, []string{"a", "b"}},
		{apiCall{2 * s, "a", api429(0, 58*s)}, nil, []string{"a", "b"}}, // a is now the most recent
		{apiCall{3 * s, "c", apiOK}, []string{"b"}, []string{"a", "c"}},
		{apiCall{4 * s, "b", apiOK}, []string{"b", "a"}, []string{"b", "c"}}, // afresh: admitted again
		{apiCall{5 * s, "c", api429(0, 58*s)}, []string{"b", "a"}, []string{"b", "c"}},
		{apiCall{6 * s, "a", apiOK}, []string{"b", "a", "b"}, []string{"a", "c"}},
	}
	for i, st := range steps {
		runAPICalls(t, a, []apiCall{st.call})
		if !slices.Equal(evicted, st.evicted) {
			t.Errorf("step %d: evicted %q, want %q", i, evicted, st.evicted)
		}
		for _, k := range []string{"a", "b", "c"} {
			if held := a.Quotas(k) != nil; held != slices.Contains(st.held, k) {
				t.Errorf("step %d: key %s held %v, want %v", i, k, held, !held)
			}
		}
		if held, max := a.Keys(); held != len(st.held) || max != 2 {
			t.Errorf("step %d: Keys = %d, %d; want %d, 2", i, held, max, len(st.held))
		}
	}
	if got := a.KeysEvicted(); got != 3 {
		t.Errorf("KeysEvicted = %d, want 3", got)
	}
}

// TestAPIKeysBounded sends 1,500 keys through an API that holds 100: it holds 100 and
// counts 1,400 evictions; the same calls on a second API evict the same keys in the same
// order (the simulator and the fake API agree).
func TestAPIKeysBounded(t *testing.T) {
	run := func() (*API, []string) {
		a := mustAPI(t, APIConfig{PerKey: true, MaxKeys: 100,
			Quotas: []QuotaConfig{{Limit: 12800, Per: time.Second, Window: "sliding"}, {Limit: 50000, Per: 24 * time.Hour}}})
		var evicted []string
		a.OnEvict(func(key string) { evicted = append(evicted, key) })
		for i := range 1500 {
			key := fmt.Sprintf("key-%d", i%(200+i/10)) // some keys come back
			a.Handle(time.Duration(i)*time.Millisecond, key, nil)
		}
		return a, evicted
	}
	a, ev1 := run()
	_, ev2 := run()
	held, max := a.Keys()
	if held != 100 || max != 100 {
		t.Errorf("Keys = %d, %d; want 100, 100", held, max)
	}
	if int64(len(ev1)) != a.KeysEvicted() || len(ev1) == 0 {
		t.Errorf("%d eviction callbacks, KeysEvicted %d", len(ev1), a.KeysEvicted())
	}
	if !slices.Equal(ev1, ev2) {
		t.Error("the same calls evicted different keys")
	}
	b := mustAPI(t, APIConfig{PerKey: true, MaxKeys: 100, Quotas: []QuotaConfig{{Limit: 1, Per: time.Hour}}})
	for i := range 1500 {
		b.Handle(0, strings.Repeat("k", i%7)+fmt.Sprint(i), nil)
	}
	if got := b.KeysEvicted(); got != 1400 {
		t.Errorf("1,500 distinct keys through 100: KeysEvicted = %d, want 1400", got)
	}
}

func TestAPIKeysDefaultAndErrors(t *testing.T) {
	a := mustAPI(t, APIConfig{PerKey: true})
	if _, max := a.Keys(); max != DefaultMaxKeys {
		t.Errorf("default MaxKeys %d, want %d", max, DefaultMaxKeys)
	}
	g := mustAPI(t, APIConfig{MaxKeys: 5})
	g.Handle(0, "x", nil)
	if held, max := g.Keys(); held != 0 || max != 0 || g.KeysEvicted() != 0 {
		t.Errorf("global quotas: Keys = %d, %d, evicted %d; want 0, 0, 0", held, max, g.KeysEvicted())
	}
	_, err := NewAPI(APIConfig{PerKey: true, MaxKeys: -1})
	if err == nil || !strings.Contains(err.Error(), "max keys -1: want 0 (the default, 10000) or more") {
		t.Errorf("MaxKeys -1: %v", err)
	}
}

func TestAPIHandleHeldKeyDoesNotAllocate(t *testing.T) {
	a := mustAPI(t, APIConfig{PerKey: true, MaxKeys: 2,
		Quotas: []QuotaConfig{{Limit: 100, Per: time.Second, Window: "sliding"}}})
	now := time.Duration(0)
	a.Handle(now, "k", nil)
	a.Handle(now, "j", nil)
	allocs := testing.AllocsPerRun(1000, func() {
		now += time.Millisecond
		a.Handle(now, "k", nil)
		a.Handle(now, "j", nil)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Handle of held keys", allocs)
	}
}
