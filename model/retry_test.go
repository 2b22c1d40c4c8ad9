package model

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func mustRetry(t *testing.T, cfg RetryConfig) RetryPolicy {
	t.Helper()
	p, err := NewRetryPolicy(cfg)
	if err != nil {
		t.Fatalf("NewRetryPolicy(%+v): %v", cfg, err)
	}
	return p
}

func TestRetryExponential(t *testing.T) {
	const ms, s = time.Millisecond, time.Second
	const maxDur = time.Duration(math.MaxInt64)
	deflt := RetryConfig{Policy: "exponential"}
	long := RetryConfig{Policy: "exponential", MaxAttempts: math.MaxInt}
	huge := RetryConfig{Policy: "exponential", Base: 3, Cap: maxDur, MaxAttempts: math.MaxInt}
	honor := RetryConfig{Policy: "exponential", HonorRetryAfter: true}
	for _, tt := range []struct {
		cfg        RetryConfig
		attempt    int
		retryAfter time.Duration
		wait       time.Duration
		ok         bool
	}{
		{deflt, 0, 0, 100 * ms, true}, // counts as the first attempt
		{deflt, 1, 0, 100 * ms, true},
		{deflt, 2, 0, 200 * ms, true},
		{deflt, 3, 0, 400 * ms, true},
		{deflt, 4, 0, 800 * ms, true},
		{deflt, 5, 0, 0, false}, // 5 attempts made
		{deflt, 6, 0, 0, false},
		{deflt, 1, 2 * s, 100 * ms, true}, // Retry-After ignored
		{long, 7, 0, 6400 * ms, true},
		{long, 8, 0, 10 * s, true}, // 12.8s capped
		{long, 64, 0, 10 * s, true},
		{long, 1000, 0, 10 * s, true},
		{long, math.MaxInt - 1, 0, 10 * s, true},
		{huge, 62, 0, 3 << 61, true},
		{huge, 63, 0, maxDur, true}, // 3·2^62 overflows: cap
		{huge, 64, 0, maxDur, true},
		{RetryConfig{Policy: "exponential", Base: time.Second, Cap: time.Minute}, 3, 0, 4 * s, true},
		{RetryConfig{Policy: "exponential", MaxAttempts: 1}, 1, 0, 0, false},
		{honor, 1, 2 * s, 2 * s, true},
		{honor, 1, 50 * ms, 100 * ms, true},
		{honor, 2, time.Minute, time.Minute, true}, // Retry-After may exceed Cap
		{honor, 5, time.Minute, 0, false},
		{RetryConfig{}, 1, 0, 0, false}, // none
		{RetryConfig{Policy: "none", HonorRetryAfter: true}, 1, time.Second, 0, false},
	} {
		p := mustRetry(t, tt.cfg)
		if wait, ok := p.Next(tt.attempt, 0, tt.retryAfter, nil); wait != tt.wait || ok != tt.ok {
			t.Errorf("%+v: Next(%d, 0, %s) = (%s, %t); want (%s, %t)",
				tt.cfg, tt.attempt, tt.retryAfter, wait, ok, tt.wait, tt.ok)
		}
	}
}

// Each jittered wait lies within the policy's bounds, and the draws fill them (but for
// decorrelated jitter after a wait of an hour, where almost every draw is capped).
func TestRetryJitterBounds(t *testing.T) {
	const base, limit = 100 * time.Millisecond, 10 * time.Second
	exp := func(a int) time.Duration { return min(limit, base<<(a-1)) }
	for _, tt := range []struct {
		policy string
		lo, hi func(attempt int, prev time.Duration) time.Duration // [lo, hi)
	}{
		{"full-jitter",
			func(int, time.Duration) time.Duration { return 0 },
			func(a int, _ time.Duration) time.Duration { return exp(a) }},
		{"equal-jitter",
			func(a int, _ time.Duration) time.Duration { return exp(a) / 2 },
			func(a int, _ time.Duration) time.Duration { return exp(a) }},
		{"decorrelated-jitter",
			func(int, time.Duration) time.Duration { return base },
			func(_ int, prev time.Duration) time.Duration { return min(3*max(prev, base), limit+1) }},
	} {
		p := mustRetry(t, RetryConfig{Policy: tt.policy, MaxAttempts: 12})
		rng := rand.New(rand.NewPCG(3, 4))
		for attempt := 1; attempt < 12; attempt++ {
			for _, prev := range []time.Duration{0, base, time.Second, limit, time.Hour} {
				lo, hi := tt.lo(attempt, prev), tt.hi(attempt, prev)
				least, most := time.Duration(math.MaxInt64), time.Duration(0)
				for range 2000 {
					w, ok := p.Next(attempt, prev, 0, rng)
					if !ok || w < lo || w >= hi {
						t.Fatalf("%s: Next(%d, %s) = (%s, %t); want [%s, %s)", tt.policy, attempt, prev, w, ok, lo, hi)
					}
					least, most = min(least, w), max(most, w)
				}
				if span := hi - lo; prev < time.Hour && (least-lo > span/50 || hi-most > span/50+1) {
					t.Errorf("%s: Next(%d, %s) drew [%s, %s]; want most of [%s, %s)", tt.policy, attempt, prev, least, most, lo, hi)
				}
			}
		}
	}
}

// The jittered policies draw the same waits for the same seed. Each attempt passes the
// previous wait, as a client does.
func TestRetryJitterSeeded(t *testing.T) {
	for _, tt := range []struct {
		policy string
		want   []time.Duration
	}{
		{"full-jitter", []time.Duration{76937326, 123287244, 313771200, 637277262, 374842033,
			131856822, 3199435234, 4493838777, 1327993387}},
		{"equal-jitter", []time.Duration{88468663, 161643622, 356885600, 718638631, 987421016,
			1665928411, 4799717617, 7246919388, 5663996693}},
		{"decorrelated-jitter", []time.Duration{253874653, 507848974, 1216670067, 2927925979,
			2134403110, 359725360, 589501632, 849799200, 425278381}},
	} {
		p := mustRetry(t, RetryConfig{Policy: tt.policy, MaxAttempts: 10})
		rng := rand.New(rand.NewPCG(1, 2))
		var got []time.Duration
		prev := time.Duration(0)
		for attempt := 1; ; attempt++ {
			w, ok := p.Next(attempt, prev, 0, rng)
			if !ok {
				break
			}
			got, prev = append(got, w), w
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s with seed (1, 2): %v; want %v", tt.policy, got, tt.want)
		}
	}
}

func TestRetryJitterRetryAfter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, policy := range []string{"full-jitter", "equal-jitter", "decorrelated-jitter"} {
		p := mustRetry(t, RetryConfig{Policy: policy, HonorRetryAfter: true})
		if w, ok := p.Next(1, 0, time.Minute, rng); w != time.Minute || !ok {
			t.Errorf("%s: Next(1, 0, 1m) = (%s, %t); want (1m0s, true)", policy, w, ok)
		}
		if w, ok := p.Next(5, 0, time.Minute, rng); w != 0 || ok {
			t.Errorf("%s: Next(5, 0, 1m) = (%s, %t); want (0s, false)", policy, w, ok)
		}
	}
}

func TestNewRetryPolicyErrors(t *testing.T) {
	for _, tt := range []struct {
		cfg  RetryConfig
		want string
	}{
		{RetryConfig{Policy: "linear"}, `retry: unknown policy "linear" (known: decorrelated-jitter, equal-jitter, exponential, full-jitter, none)`},
		{RetryConfig{Policy: "exponential", Base: -1}, "exponential: base must not be negative, got -1ns"},
		{RetryConfig{Policy: "full-jitter", Cap: -time.Second, MaxAttempts: -1},
			"full-jitter: cap must not be negative, got -1s\nfull-jitter: max_attempts must not be negative, got -1"},
		{RetryConfig{Policy: "equal-jitter", Base: time.Minute}, "equal-jitter: cap (10s) must not be less than base (1m0s)"},
	} {
		p, err := NewRetryPolicy(tt.cfg)
		if err == nil || err.Error() != tt.want || p != nil {
			t.Errorf("NewRetryPolicy(%+v) = (%v, %v); want error %q", tt.cfg, p, err, tt.want)
		}
	}
	if _, err := NewRetryPolicy(RetryConfig{Policy: "linear"}); !errors.Is(err, ErrUnknownRetryPolicy) {
		t.Errorf("unknown policy: %v is not ErrUnknownRetryPolicy", err)
	}
}

func TestRetryPolicies(t *testing.T) {
	want := []string{"decorrelated-jitter", "equal-jitter", "exponential", "full-jitter", "none"}
	if got := RetryPolicies(); !slices.Equal(got, want) {
		t.Errorf("RetryPolicies() = %v; want %v", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("duplicate RegisterRetryPolicy did not panic")
		}
	}()
	RegisterRetryPolicy("none", nil)
}

func TestRetryNextAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, policy := range RetryPolicies() {
		p := mustRetry(t, RetryConfig{Policy: policy})
		if allocs := testing.AllocsPerRun(1000, func() { p.Next(2, time.Second, 0, rng) }); allocs != 0 {
			t.Errorf("%s: %g allocations per Next", policy, allocs)
		}
	}
}
