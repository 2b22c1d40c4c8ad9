package model

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// RetryConfig mirrors a scenario's retry section: what a client does when an attempt gets
// a 429 or a 5xx. The zero value is the policy none: no retries.
type RetryConfig struct {
	// Policy is a registered policy: none (also ""), exponential, full-jitter,
	// equal-jitter or decorrelated-jitter.
	Policy string
	// Base is the first backoff (default 100ms when zero); Cap bounds every backoff
	// (default 10s when zero). Retry-After, when honoured, may exceed Cap.
	Base, Cap time.Duration
	// MaxAttempts counts attempts in all, the first included (default 5 when zero).
	MaxAttempts int
	// HonorRetryAfter makes a retry wait at least the server's Retry-After.
	HonorRetryAfter bool
}

// Defaults of RetryConfig's zero fields.
const (
	DefaultRetryBase        = 100 * time.Millisecond
	DefaultRetryCap         = 10 * time.Second
	DefaultRetryMaxAttempts = 5
)

// A RetryPolicy decides whether and when a client retries, as in AWS's "Exponential
// Backoff And Jitter" (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
// Policies hold no state: the caller keeps the attempt number and the previous wait. They
// are safe for concurrent use when each goroutine passes its own rng.
type RetryPolicy interface {
	// Next returns the wait before the next attempt after attempt number attempt (1 = the
	// first attempt; smaller values count as 1) failed, given the previous wait (for
	// decorrelated jitter; 0 after the first attempt) and the server's Retry-After (0 when
	// absent). ok is false when MaxAttempts attempts have been made or the policy is none.
	// Jittered policies draw from rng only when ok is true.
	Next(attempt int, prev, retryAfter time.Duration, rng *rand.Rand) (wait time.Duration, ok bool)
}

// RetryFactory builds a RetryPolicy from a config whose zero fields were given their
// defaults and which NewRetryPolicy checked (Base ≤ Cap, MaxAttempts ≥ 1).
type RetryFactory func(cfg RetryConfig) (RetryPolicy, error)

// ErrUnknownRetryPolicy is wrapped by NewRetryPolicy's error for a policy nobody registered.
var ErrUnknownRetryPolicy = errors.New("unknown policy")

var retryPolicies = namedFactories[RetryFactory]{kind: "retry policy", unknown: ErrUnknownRetryPolicy}

// RegisterRetryPolicy makes a policy available to NewRetryPolicy under name. It is meant to
// be called from init() and panics when name is empty or already registered.
func RegisterRetryPolicy(name string, f RetryFactory) {
	retryPolicies.register("RegisterRetryPolicy", name, f)
}

// RetryPolicies returns the names of the registered retry policies, sorted.
func RetryPolicies() []string { return retryPolicies.names() }

func init() {
	RegisterRetryPolicy("none", func(RetryConfig) (RetryPolicy, error) { return noRetry{}, nil })
	RegisterRetryPolicy("exponential", backoff(func(l retryLimits) RetryPolicy { return exponentialRetry{l} }))
	RegisterRetryPolicy("full-jitter", backoff(func(l retryLimits) RetryPolicy { return fullJitterRetry{l} }))
	RegisterRetryPolicy("equal-jitter", backoff(func(l retryLimits) RetryPolicy { return equalJitterRetry{l} }))
	RegisterRetryPolicy("decorrelated-jitter", backoff(func(l retryLimits) RetryPolicy { return decorrelatedRetry{l} }))
}

// backoff makes the RetryFactory of a policy built on retryLimits.
func backoff(f func(retryLimits) RetryPolicy) RetryFactory {
	return func(c RetryConfig) (RetryPolicy, error) {
		return f(retryLimits{base: c.Base, cap: c.Cap, maxAttempts: c.MaxAttempts, honor: c.HonorRetryAfter}), nil
	}
}

// NewRetryPolicy builds the policy cfg describes, after giving zero fields their defaults.
// Every problem is reported, each naming the policy and the parameter.
func NewRetryPolicy(cfg RetryConfig) (RetryPolicy, error) {
	if cfg.Policy == "" {
		cfg.Policy = "none"
	}
	f, err := retryPolicies.lookup(cfg.Policy)
	if err != nil {
		return nil, fmt.Errorf("retry: %w", err)
	}
	c := cfgCheck{what: cfg.Policy}
	c.dur("base", cfg.Base, false)
	c.dur("cap", cfg.Cap, false)
	if cfg.MaxAttempts < 0 {
		c.add("max_attempts must not be negative, got %d", cfg.MaxAttempts)
	}
	cfg.Base = cmp.Or(cfg.Base, DefaultRetryBase)
	cfg.Cap = cmp.Or(cfg.Cap, DefaultRetryCap)
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, DefaultRetryMaxAttempts)
	if cfg.Base > 0 && cfg.Cap > 0 && cfg.Cap < cfg.Base {
		c.add("cap (%s) must not be less than base (%s)", cfg.Cap, cfg.Base)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return f(cfg)
}

type noRetry struct{}

func (noRetry) Next(int, time.Duration, time.Duration, *rand.Rand) (time.Duration, bool) {
	return 0, false
}

// retryLimits is what the backoff policies share.
type retryLimits struct {
	base, cap   time.Duration
	maxAttempts int
	honor       bool
}

// done reports whether attempt was the last one allowed.
func (l retryLimits) done(attempt int) bool { return attempt >= l.maxAttempts }

// exp is min(cap, base·2^(attempt−1)), without overflow for any attempt.
func (l retryLimits) exp(attempt int) time.Duration {
	shift := max(attempt-1, 0)
	if shift >= 63 || l.base > l.cap>>shift {
		return l.cap
	}
	return l.base << shift
}

// atLeast applies Retry-After when the policy honours it.
func (l retryLimits) atLeast(wait, retryAfter time.Duration) time.Duration {
	if l.honor {
		return max(wait, retryAfter)
	}
	return wait
}

// exponentialRetry waits min(cap, base·2^(attempt−1)).
type exponentialRetry struct{ retryLimits }

func (p exponentialRetry) Next(attempt int, _, retryAfter time.Duration, _ *rand.Rand) (time.Duration, bool) {
	if p.done(attempt) {
		return 0, false
	}
	return p.atLeast(p.exp(attempt), retryAfter), true
}

// fullJitterRetry waits uniform[0, min(cap, base·2^(attempt−1))).
type fullJitterRetry struct{ retryLimits }

func (p fullJitterRetry) Next(attempt int, _, retryAfter time.Duration, rng *rand.Rand) (time.Duration, bool) {
	if p.done(attempt) {
		return 0, false
	}
	e := p.exp(attempt)
	return p.atLeast(time.Duration(rng.Int64N(int64(e))), retryAfter), true
}

// equalJitterRetry waits e/2 + uniform[0, e/2) with e = min(cap, base·2^(attempt−1)), so
// within [e/2, e) (e − e/2 for the random part when e is odd).
type equalJitterRetry struct{ retryLimits }

func (p equalJitterRetry) Next(attempt int, _, retryAfter time.Duration, rng *rand.Rand) (time.Duration, bool) {
	if p.done(attempt) {
		return 0, false
	}
	e := p.exp(attempt)
	half := e / 2
	return p.atLeast(half+time.Duration(rng.Int64N(int64(e-half))), retryAfter), true
}

// decorrelatedRetry waits min(cap, uniform[base, 3·prev)), prev = base after the first
// attempt (or whenever prev is 0), and base itself when 3·prev ≤ base.
type decorrelatedRetry struct{ retryLimits }

func (p decorrelatedRetry) Next(attempt int, prev, retryAfter time.Duration, rng *rand.Rand) (time.Duration, bool) {
	if p.done(attempt) {
		return 0, false
	}
	if prev <= 0 {
		prev = p.base
	}
	hi := time.Duration(math.MaxInt64)
	if prev <= math.MaxInt64/3 {
		hi = 3 * prev
	}
	wait := p.base
	if hi > p.base {
		wait += time.Duration(rng.Int64N(int64(hi - p.base)))
	}
	return p.atLeast(min(wait, p.cap), retryAfter), true
}
