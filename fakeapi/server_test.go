package fakeapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// t0 is the fake clock's start: a whole minute, so fixed windows begin at now = 0.
var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// fakeClock is an injected wall clock. With step > 0 every reading advances it by step, so
// that concurrent calls get distinct, evenly spaced instants in the order the server
// serialises them.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startServer serves cfg on a free loopback port until the test ends.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := s.Start(ctx, "")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := s.Wait(); err != nil {
			t.Error(err)
		}
	})
	return s, "http://" + addr.String()
}

// answer is what a client saw.
type answer struct {
	status     int
	retryAfter string
	body       string
}

// do sends method url with API key key (none when empty) and reads the whole answer.
func do(t *testing.T, c *http.Client, method, url, key string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set(APIKeyHeader, key)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
}

func TestQuotasRetryAfterAsTheModelSays(t *testing.T) {
	api := model.APIConfig{Epoch: t0, RetryAfter: true, Quotas: []model.QuotaConfig{
		{Limit: 2, Per: time.Second, Window: "sliding"}, {Limit: 3, Per: time.Minute}}}
	clock := &fakeClock{t: t0}
	_, url := startServer(t, Config{API: api, Clock: clock.Now})
	twin, err := model.NewAPI(api)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at         time.Duration
		status     int
		retryAfter string
	}{
		{0, 200, ""}, {0, 200, ""}, {0, 429, "1"},
		{300 * time.Millisecond, 429, "1"},
		{time.Second, 200, ""},          // the sliding second frees; the minute's third call
		{time.Second, 429, "59"},        // the minute is full until 1m
		{59 * time.Second, 429, "1"},    // 1 s to go
		{time.Minute, 200, ""},          // a new fixed minute
		{time.Minute + 1, 200, ""},      // second call of the sliding second
		{time.Minute + 2, 429, "1"},     // ceil(1s − 2ns)
		{time.Minute + 999e6, 429, "1"}, // 1 ms to go: rounded up to a whole second
	}
	c := &http.Client{}
	now := time.Duration(0)
	for i, st := range steps {
		clock.Advance(st.at - now)
		now = st.at
		got := do(t, c, "POST", url+"/orders", "")
		want := twin.Handle(now, "", nil)
		if got.status != st.status || got.retryAfter != st.retryAfter {
			t.Errorf("step %d at %v: got %d Retry-After %q, want %d %q", i, now, got.status, got.retryAfter, st.status, st.retryAfter)
		}
		if ra := want.RetryAfter / time.Second; got.status != want.Status || (ra > 0) != (got.retryAfter != "") {
			t.Errorf("step %d: got %d %q, the model says %d %v", i, got.status, got.retryAfter, want.Status, want.RetryAfter)
		}
		wantBody := map[int]string{200: `{"ok":true}`, 429: `{"message":"Too Many Requests"}`}[st.status]
		if got.body != wantBody {
			t.Errorf("step %d: body %q, want %q", i, got.body, wantBody)
		}
	}
}

func TestPerKeyQuotas(t *testing.T) {
	api := model.APIConfig{Epoch: t0, PerKey: true, Quotas: []model.QuotaConfig{{Limit: 1, Per: time.Hour}}}
	clock := &fakeClock{t: t0}
	s, url := startServer(t, Config{API: api, Clock: clock.Now})
	c := &http.Client{}
	for i, st := range []struct {
		key    string
		status int
	}{{"a", 200}, {"a", 429}, {"b", 200}, {"", 200}, {"", 429}, {"b", 429}, {"a", 429}} {
		if got := do(t, c, "GET", url+"/x", st.key); got.status != st.status {
			t.Errorf("call %d key %q: got %d, want %d", i, st.key, got.status, st.status)
		}
	}
	st := s.Stats()
	var keys []string
	for _, tier := range st.Tiers {
		keys = append(keys, tier.Key)
		if tier.Count != 1 || tier.MaxWindowCount != 1 || tier.Overgrant != 0 {
			t.Errorf("key %q: %+v, want count 1, max 1, overgrant 0", tier.Key, tier)
		}
	}
	if strings.Join(keys, ",") != ",a,b" {
		t.Errorf("tiers of keys %q, want \"\", a, b", keys)
	}
	if st.Admitted != 3 || st.Calls["ok"] != 3 || st.Calls["throttled"] != 4 {
		t.Errorf("stats %+v: want 3 admitted and ok, 4 throttled", st)
	}
}

func TestErrorOutageAndHealth(t *testing.T) {
	api := model.APIConfig{Epoch: t0, Outages: []model.OutageConfig{
		{At: 10 * time.Second, For: 5 * time.Second, Mode: "error", Status: 503},
		{At: 20 * time.Second, For: 5 * time.Second, Mode: "error", Status: 504}}}
	clock := &fakeClock{t: t0}
	_, url := startServer(t, Config{API: api, Clock: clock.Now, HealthPath: "/ping"})
	c := &http.Client{}
	for _, st := range []struct {
		advance        time.Duration
		status, health int
		body           string
	}{
		{0, 200, 200, `{"ok":true}`},
		{10 * time.Second, 503, 503, `{"message":"Service Unavailable"}`},
		{5*time.Second - 1, 503, 503, `{"message":"Service Unavailable"}`},
		{1, 200, 200, `{"ok":true}`},
		{5 * time.Second, 504, 503, `{"message":"Gateway Timeout"}`},
		{5 * time.Second, 200, 200, `{"ok":true}`},
	} {
		clock.Advance(st.advance)
		if got := do(t, c, "PUT", url+"/anything", ""); got.status != st.status || got.body != st.body {
			t.Errorf("call after %v: got %d %q, want %d %q", st.advance, got.status, got.body, st.status, st.body)
		}
		if got := do(t, c, "GET", url+"/ping", ""); got.status != st.health {
			t.Errorf("health after %v: got %d, want %d", st.advance, got.status, st.health)
		}
	}
	if got := do(t, c, "POST", url+"/ping", ""); got.status != http.StatusMethodNotAllowed {
		t.Errorf("POST /ping: got %d, want 405", got.status)
	}
}

func TestErrorRate(t *testing.T) {
	api := model.APIConfig{ErrorRate: 1, ErrorStatus: 502}
	_, url := startServer(t, Config{API: api})
	got := do(t, &http.Client{}, "GET", url+"/", "")
	if got.status != 502 || got.body != `{"message":"Bad Gateway"}` {
		t.Errorf("got %d %q, want 502 Bad Gateway", got.status, got.body)
	}
}

func TestAdminReset(t *testing.T) {
	api := model.APIConfig{Epoch: t0, Quotas: []model.QuotaConfig{{Limit: 1, Per: time.Hour}},
		Outages: []model.OutageConfig{{At: 10 * time.Second, For: 10 * time.Second, Mode: "error"}}}
	clock := &fakeClock{t: t0}
	s, url := startServer(t, Config{API: api, Clock: clock.Now})
	c := &http.Client{}
	want := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %d, want %d", what, got, want)
		}
	}
	want("first call", do(t, c, "GET", url+"/", "").status, 200)
	want("second call", do(t, c, "GET", url+"/", "").status, 429)
	clock.Advance(15 * time.Second)
	want("health in the outage", do(t, c, "GET", url+"/health", "").status, 503)
	want("GET reset", do(t, c, "GET", url+"/_admin/reset", "").status, 405)
	want("reset", do(t, c, "POST", url+"/_admin/reset", "").status, 200)
	want("health after reset", do(t, c, "GET", url+"/health", "").status, 200)
	want("call after reset", do(t, c, "GET", url+"/", "").status, 200)
	want("call after reset", do(t, c, "GET", url+"/", "").status, 429)
	clock.Advance(10 * time.Second)
	want("health 10s after reset", do(t, c, "GET", url+"/health", "").status, 503)
	want("unknown admin path", do(t, c, "GET", url+"/_admin/nope", "").status, 404)
	if st := s.Stats(); st.Admitted != 1 || st.Calls["throttled"] != 1 || st.ElapsedSeconds != 10 {
		t.Errorf("stats after reset: %+v, want 1 admitted, 1 throttled, 10 s elapsed", st)
	}
}

func TestStatsEndpoint(t *testing.T) {
	api := model.APIConfig{Epoch: t0, Quotas: []model.QuotaConfig{
		{Limit: 2, Per: time.Second, Window: "sliding"}, {Limit: 1 << 21, Per: 24 * time.Hour}}}
	clock := &fakeClock{t: t0}
	_, url := startServer(t, Config{API: api, Clock: clock.Now})
	c := &http.Client{}
	for range 3 {
		do(t, c, "GET", url+"/", "")
	}
	got := do(t, c, "GET", url+"/_admin/stats", "")
	var st Stats
	if err := json.Unmarshal([]byte(got.body), &st); err != nil {
		t.Fatalf("stats %q: %v", got.body, err)
	}
	want := []TierStats{
		{Tier: 0, Limit: 2, PerSeconds: 1, Window: "sliding", Count: 2, Tracked: true, MaxWindowCount: 2},
		{Tier: 1, Limit: 1 << 21, PerSeconds: 86400, Window: "fixed", Count: 2},
	}
	if len(st.Tiers) != 2 || st.Tiers[0] != want[0] || st.Tiers[1] != want[1] {
		t.Errorf("tiers %+v, want %+v", st.Tiers, want)
	}
	if st.Admitted != 2 || st.Calls["ok"] != 2 || st.Calls["throttled"] != 1 || !st.Healthy {
		t.Errorf("stats %+v: want 2 admitted and ok, 1 throttled, healthy", st)
	}
}

func TestNewRejects(t *testing.T) {
	for _, cfg := range []Config{
		{HealthPath: "health"},
		{HealthPath: "/_admin/health"},
		{API: model.APIConfig{Quotas: []model.QuotaConfig{{Limit: 0, Per: time.Second}}}},
		{API: model.APIConfig{Outages: []model.OutageConfig{{At: 0, For: time.Second, Mode: "flood"}}}},
	} {
		if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "new fake api: ") {
			t.Errorf("New(%+v): error %v, want one starting \"new fake api: \"", cfg, err)
		}
	}
}
