package fakeapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// FuzzHandler sends requests with arbitrary methods, paths and API keys (the parts of a
// request the fake API reads) to a fake API with per-key quotas that holds two keys: it never
// panics, answers only what the contract allows, keeps no more keys than its bound, and its
// stats answer stays valid JSON.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/orders", "acme-key", uint8(3))
	f.Add("POST", "/_admin/reset", "", uint8(1))
	f.Add("GET", "/_admin/stats", "k", uint8(0))
	f.Add("HEAD", "/health", "\x00\xff", uint8(2))
	f.Add("DELETE", "/_admin/", "a-key-longer-than-128-bytes-"+string(make([]byte, 120)), uint8(5))
	allowed := map[int]bool{200: true, 404: true, 405: true, 429: true}
	f.Fuzz(func(t *testing.T, method, path, key string, calls uint8) {
		clock := &fakeClock{t: t0, step: 100 * time.Millisecond}
		api := model.APIConfig{PerKey: true, MaxKeys: 2, RetryAfter: true, Quotas: []model.QuotaConfig{
			{Limit: 2, Per: time.Second, Window: "sliding"}, {Limit: 3, Per: time.Minute}}}
		s, err := New(Config{API: api, Clock: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		h := s.Handler()
		keys := []string{key, key + "2", "", key}
		for i := range int(calls%8) + 1 {
			req := &http.Request{Method: method, URL: &url.URL{Path: path}, Header: http.Header{},
				Host: "fake", RequestURI: path}
			req.Header.Set(APIKeyHeader, keys[i%len(keys)])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if !allowed[rec.Code] {
				t.Fatalf("%q %q key %q: status %d", method, path, keys[i%len(keys)], rec.Code)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_admin/stats", nil))
		var st Stats
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatalf("stats answer %q: %v", rec.Body.Bytes(), err)
		}
		if st.Keys == nil || st.Keys.Held > 2 || len(s.keys) > 2 {
			t.Fatalf("keys %+v, %d with statistics: want at most 2", st.Keys, len(s.keys))
		}
	})
}
