package fakeapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// serve sends one call with API key key to h, without a network, and returns its status.
func serve(h http.Handler, method, path, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if key != "" {
		req.Header.Set(APIKeyHeader, key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestManyKeysStayBounded sends 1,500 calls, each with its own 100 KB API key, to a fake API
// with per-key quotas (a sliding tier of 12,800/s, whose log used to be allocated whole, and
// a day) that holds 100 keys. Before the bound this grew the heap by 320 MB and made one
// stats answer of 154 MB.
func TestManyKeysStayBounded(t *testing.T) {
	clock := &fakeClock{t: t0, step: time.Millisecond}
	api := model.APIConfig{PerKey: true, MaxKeys: 100, Quotas: []model.QuotaConfig{
		{Limit: 12800, Per: time.Second, Window: "sliding"}, {Limit: 50000, Per: 24 * time.Hour}}}
	s, err := New(Config{API: api, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	before := heapInUse()
	for i := range 1500 {
		key := fmt.Sprintf("%06d", i) + strings.Repeat("k", 100<<10-6)
		if rec := serve(h, http.MethodPost, "/orders", key); rec.Code != http.StatusOK {
			t.Fatalf("call %d: %d", i, rec.Code)
		}
	}
	grown := int64(heapInUse()) - int64(before)
	rec := serve(h, http.MethodGet, "/_admin/stats", "")
	var st Stats
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	t.Logf("1,500 keys of 100 KB: heap grew %.2f MB, stats answer %d bytes", float64(grown)/1e6, rec.Body.Len())
	if grown > 8<<20 {
		t.Errorf("the heap grew by %d bytes for 100 keys held, want under 8 MiB", grown)
	}
	if rec.Body.Len() > 32<<10 {
		t.Errorf("stats answer of %d bytes, want under 32 KiB", rec.Body.Len())
	}
	k := st.Keys
	if k == nil || k.Max != 100 || k.Held != 100 || k.EvictedTotal != 1400 || len(k.Top) != TopKeys {
		t.Fatalf("keys %+v, want max 100, 100 held, 1400 evicted, %d listed", k, TopKeys)
	}
	if len(s.keys) != 100 || len(st.Tiers) != 2*TopKeys {
		t.Errorf("%d keys with statistics, %d tiers listed; want 100 and %d", len(s.keys), len(st.Tiers), 2*TopKeys)
	}
	for _, tier := range st.Tiers {
		if len(tier.Key) != 106 || !strings.HasPrefix(tier.Key[32:], "...sha256:") {
			t.Errorf("key listed as %.50q (%d bytes), want 32 bytes, ...sha256: and the digest", tier.Key, len(tier.Key))
		}
	}
	runtime.KeepAlive(s)
}

func TestKeyID(t *testing.T) {
	long := strings.Repeat("a", 200)
	for _, tc := range []struct {
		key, want string
	}{
		{"", ""},
		{"acme-key", "acme-key"},
		{strings.Repeat("b", MaxKeyBytes), strings.Repeat("b", MaxKeyBytes)},
		// printf 'a%.0s' $(seq 200) | sha256sum
		{long, strings.Repeat("a", 32) + "...sha256:c2a908d98f5df987ade41b5fce213067efbcc21ef2240212a41e54b5e7c28ae5"},
	} {
		if got := keyID(tc.key); got != tc.want {
			t.Errorf("keyID(%d bytes) = %q, want %q", len(tc.key), got, tc.want)
		}
	}
	if keyID(long) == keyID(long+"x") || len(keyID(long+"x")) != 106 {
		t.Error("long keys with one prefix are not told apart, or an id is not 106 bytes")
	}
}

// TestStatsListsTopAndWorstKeys: 25 keys call 6 times each, one per second; key "zz" calls
// only 4 times, two before and two after a fixed window's boundary, so it holds the worst
// window (4 calls in 0.2 s for a limit of 2: over-grant 1) without being among the top keys.
// Stats lists the top 20 by calls and "zz" too; once "zz" is evicted (the others called
// again since), its over-grant stays in the keys' totals.
func TestStatsListsTopAndWorstKeys(t *testing.T) {
	clock := &fakeClock{t: t0}
	api := model.APIConfig{Epoch: t0, PerKey: true, MaxKeys: 26,
		Quotas: []model.QuotaConfig{{Limit: 2, Per: time.Second}}}
	s, err := New(Config{API: api, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	for range 6 {
		for i := range 25 {
			serve(h, http.MethodGet, "/", fmt.Sprintf("k%02d", i))
		}
		clock.Advance(time.Second)
	}
	clock.Advance(900 * time.Millisecond)
	for _, step := range []time.Duration{0, 0, 100 * time.Millisecond, 0} {
		clock.Advance(step)
		if rec := serve(h, http.MethodGet, "/", "zz"); rec.Code != http.StatusOK {
			t.Fatalf("zz: %d", rec.Code)
		}
	}
	st := s.Stats()
	var listed []string
	for _, tier := range st.Tiers {
		listed = append(listed, tier.Key)
	}
	want := "k00 k01 k02 k03 k04 k05 k06 k07 k08 k09 k10 k11 k12 k13 k14 k15 k16 k17 k18 k19 zz"
	if got := strings.Join(listed, " "); got != want {
		t.Errorf("tiers of %s, want %s", got, want)
	}
	if last := st.Tiers[len(st.Tiers)-1]; last.MaxWindowCount != 4 || last.Overgrant != 1 {
		t.Errorf("zz: %+v, want max window count 4, over-grant 1", last)
	}
	if top := st.Keys.Top[0]; top != (KeyStats{Key: "k00", Calls: 6, Admitted: 6}) {
		t.Errorf("top key %+v, want k00 with 6 calls admitted", top)
	}
	for i := range 25 { // the k keys are now more recent than zz
		serve(h, http.MethodGet, "/", fmt.Sprintf("k%02d", i))
	}
	serve(h, http.MethodGet, "/", "new") // evicts zz, the least recently used
	st = s.Stats()
	if k := st.Keys; k.EvictedTotal != 1 || k.Held != 26 || k.EvictedOvergrant != 1 {
		t.Errorf("after an eviction: %+v, want 1 evicted, 26 held, evicted over-grant 1", *k)
	}
	for _, tier := range st.Tiers {
		if tier.Key == "zz" || tier.Overgrant != 0 {
			t.Errorf("after zz was evicted: %+v listed", tier)
		}
	}
}
