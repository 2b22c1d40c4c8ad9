package model

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// apiFixedLatency is a Latency that always takes the same time.
type apiFixedLatency time.Duration

func (l apiFixedLatency) Sample(*rand.Rand) time.Duration { return time.Duration(l) }
func (l apiFixedLatency) Mean() time.Duration             { return time.Duration(l) }
func (l apiFixedLatency) Quantile(float64) time.Duration  { return time.Duration(l) }

// apiEpoch is 22:00 UTC: a 24h fixed window resets at now = 2h.
var apiEpoch = time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC)

func mustAPI(t *testing.T, cfg APIConfig) *API {
	t.Helper()
	if cfg.Epoch.IsZero() {
		cfg.Epoch = apiEpoch
	}
	a, err := NewAPI(cfg)
	if err != nil {
		t.Fatalf("NewAPI: %v", err)
	}
	return a
}

// apiCall is one call at a fixed instant and the reply expected.
type apiCall struct {
	at    time.Duration
	key   string
	reply Reply
}

func runAPICalls(t *testing.T, a *API, calls []apiCall) {
	t.Helper()
	for i, c := range calls {
		if got := a.Handle(c.at, c.key, nil); got != c.reply {
			t.Errorf("call %d at %v key %q: %+v, want %+v", i, c.at, c.key, got, c.reply)
		}
	}
}

var (
	apiOK = Reply{Outcome: CallOK, Status: 200, Latency: 20 * time.Millisecond, Tier: -1, Admitted: true}
)

func api429(tier int, retryAfter time.Duration) Reply {
	return Reply{Outcome: CallThrottled, Status: 429, Latency: ThrottleLatency, RetryAfter: retryAfter, Tier: tier}
}

func TestAPIQuotasAndRetryAfter(t *testing.T) {
	a := mustAPI(t, APIConfig{
		Quotas: []QuotaConfig{
			{Limit: 2, Per: time.Second, Window: "sliding"},
			{Limit: 5, Per: 24 * time.Hour}, // fixed: resets at UTC midnight, now = 2h
		},
		Latency: apiFixedLatency(20 * time.Millisecond), RetryAfter: true,
	})
	ms := time.Millisecond
	runAPICalls(t, a, []apiCall{
		{0, "", apiOK},
		{0, "", apiOK},
		{200 * ms, "", api429(0, time.Second)}, // frees at 1 s: 0.8 s, rounded up
		{1000 * ms, "", apiOK},
		{1100 * ms, "", apiOK},
		{1100 * ms, "", api429(0, time.Second)}, // frees at 2 s: 0.9 s → 1 s
		{1900 * ms, "", api429(0, time.Second)}, // 0.1 s → 1 s
		{2000 * ms, "", apiOK},
		{2100 * ms, "", api429(1, 7198*time.Second)}, // the day tier: 2h − 2.1 s → 7198 s
		{2 * time.Hour, "", apiOK},
	})
	if got := a.Admitted(); got != 6 {
		t.Errorf("Admitted = %d, want 6", got)
	}
	if got := a.Quotas("ignored").Tier(1).Count(2 * time.Hour); got != 1 {
		t.Errorf("day tier Count = %d, want 1", got)
	}
}

func TestAPIRetryAfterOff(t *testing.T) {
	a := mustAPI(t, APIConfig{Quotas: []QuotaConfig{{Limit: 1, Per: time.Minute}}})
	a.Handle(0, "", nil)
	if got := a.Handle(0, "", nil); got.Outcome != CallThrottled || got.RetryAfter != 0 {
		t.Errorf("got %+v, want a 429 without Retry-After", got)
	}
}

func TestAPIOutages(t *testing.T) {
	s := time.Second
	a := mustAPI(t, APIConfig{
		Quotas:  []QuotaConfig{{Limit: 1, Per: time.Hour, Window: "sliding"}},
		Latency: apiFixedLatency(20 * time.Millisecond),
		Outages: []OutageConfig{
			{At: 10 * s, For: 5 * s, Mode: "error"},
			{At: 20 * s, For: 5 * s, Mode: "error", Status: 502},
			{At: 30 * s, For: 5 * s, Mode: "timeout"},
			{At: 40 * s, For: 5 * s, Mode: "reset"},
		},
	})
	e503 := Reply{Outcome: CallError, Status: 503, Latency: OutageErrorLatency, Tier: -1}
	e502 := Reply{Outcome: CallError, Status: 502, Latency: OutageErrorLatency, Tier: -1}
	hang := Reply{Outcome: CallTimeout, Latency: Hang, Tier: -1}
	reset := Reply{Outcome: CallReset, Tier: -1}
	runAPICalls(t, a, []apiCall{
		{10 * s, "", e503},
		{15*s - 1, "", e503},
		{20 * s, "", e502},
		{30 * s, "", hang},
		{35*s - 1, "", hang},
		{40 * s, "", reset},
		{45*s - 1, "", reset},
		{45 * s, "", apiOK}, // no outage consumed the quota of 1 per hour
		{46 * s, "", api429(0, 0)},
	})
	for _, c := range []struct {
		at     time.Duration
		health bool
	}{{10*s - 1, true}, {10 * s, false}, {15*s - 1, false}, {15 * s, true}, {32 * s, false}, {44 * s, false}, {45 * s, true}} {
		if got := a.Health(c.at); got != c.health {
			t.Errorf("Health(%v) = %v, want %v", c.at, got, c.health)
		}
	}
	// The caller sees a hang as a timeout after exactly its timeout.
	want := Reply{Outcome: CallTimeout, Latency: 3 * s, Tier: -1}
	if got := a.Call(31*s, "", 3*s, nil); got != want {
		t.Errorf("Call during a timeout outage: %+v, want %+v", got, want)
	}
}

func TestAPIPerKeyIsolation(t *testing.T) {
	a := mustAPI(t, APIConfig{PerKey: true, RetryAfter: true,
		Quotas:  []QuotaConfig{{Limit: 1, Per: time.Minute, Window: "sliding"}},
		Latency: apiFixedLatency(20 * time.Millisecond)})
	runAPICalls(t, a, []apiCall{
		{0, "a", apiOK},
		{time.Second, "a", api429(0, 59*time.Second)},
		{time.Second, "b", apiOK},
		{2 * time.Second, "b", api429(0, 59*time.Second)},
		{time.Minute, "a", apiOK},
	})
	if got := a.Quotas("a").Tier(0).Count(time.Minute); got != 1 {
		t.Errorf("key a Count = %d, want 1", got)
	}
	if a.Quotas("never-called") != nil {
		t.Errorf("Quotas of an unseen key is not nil")
	}
}

func TestAPIErrorRate(t *testing.T) {
	for _, c := range []struct {
		rate   float64
		status int
		want   int
	}{{0.1, 0, 500}, {0.02, 503, 503}, {0, 0, 0}, {1, 0, 500}} {
		a := mustAPI(t, APIConfig{ErrorRate: c.rate, ErrorStatus: c.status, Latency: apiFixedLatency(time.Millisecond)})
		rng := rand.New(rand.NewPCG(1, 2))
		const n = 100_000
		errs := 0
		for i := range n {
			r := a.Handle(time.Duration(i)*time.Millisecond, "", rng)
			switch r.Outcome {
			case CallError:
				errs++
				if r.Status != c.want || r.Latency != time.Millisecond {
					t.Fatalf("rate %v: error reply %+v", c.rate, r)
				}
			case CallOK:
			default:
				t.Fatalf("rate %v: %+v", c.rate, r)
			}
		}
		if got := float64(errs) / n; math.Abs(got-c.rate) > 0.01 {
			t.Errorf("rate %v: observed %v", c.rate, got)
		}
		if a.Admitted() != n {
			t.Errorf("Admitted = %d, want %d: errors are admitted calls", a.Admitted(), n)
		}
	}
}

func TestAPICallerTimeout(t *testing.T) {
	a := mustAPI(t, APIConfig{Latency: apiFixedLatency(2 * time.Second),
		Quotas: []QuotaConfig{{Limit: 10, Per: time.Hour}}})
	for _, c := range []struct {
		timeout time.Duration
		want    Reply
	}{
		{time.Second, Reply{Outcome: CallTimeout, Latency: time.Second, Tier: -1, Admitted: true}},
		{2 * time.Second, Reply{Outcome: CallOK, Status: 200, Latency: 2 * time.Second, Tier: -1, Admitted: true}},
		{0, Reply{Outcome: CallOK, Status: 200, Latency: 2 * time.Second, Tier: -1, Admitted: true}},
	} {
		if got := a.Call(0, "", c.timeout, nil); got != c.want {
			t.Errorf("timeout %v: %+v, want %+v", c.timeout, got, c.want)
		}
	}
	if a.Admitted() != 3 {
		t.Errorf("Admitted = %d, want 3: a call the caller gave up on still counts", a.Admitted())
	}
}

func TestAPIConfigErrors(t *testing.T) {
	_, err := NewAPI(APIConfig{
		Quotas:      []QuotaConfig{{Limit: 0, Per: time.Second}},
		ErrorRate:   1.5,
		ErrorStatus: 200,
		Outages: []OutageConfig{
			{At: 0, For: 0, Mode: "error"},
			{At: time.Second, For: time.Second, Mode: "slow"},
			{At: time.Second, For: time.Second, Mode: "reset", Status: 500},
		},
	})
	if err == nil {
		t.Fatal("NewAPI succeeded")
	}
	for _, want := range []string{"quota tier 0", "error rate 1.5", "error status 200", "outage 0", `mode "slow"`,
		"only an error outage"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := NewAPI(APIConfig{}); err != nil {
		t.Errorf("zero APIConfig: %v", err)
	}
}

func TestAPIHandleDoesNotAllocate(t *testing.T) {
	a := mustAPI(t, APIConfig{Latency: apiFixedLatency(time.Millisecond), ErrorRate: 0.5,
		Quotas: []QuotaConfig{{Limit: 100, Per: time.Second, Window: "sliding"}, {Limit: 1 << 40, Per: time.Hour}}})
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Duration(0)
	allocs := testing.AllocsPerRun(1000, func() {
		now += time.Millisecond
		a.Handle(now, "k", rng)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Handle", allocs)
	}
}
