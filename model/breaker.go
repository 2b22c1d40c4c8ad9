package model

import (
	"fmt"
	"strconv"
	"time"
)

// BreakerConfig configures the Lambda orchestrator's circuit breaker (seed 002).
type BreakerConfig struct {
	// Failures is how many consecutive failed calls open the breaker; at least 1.
	Failures int
	// OpenFor is the minimum time the breaker stays open before health checks start
	// (default DefaultBreakerOpenFor when zero).
	OpenFor time.Duration
	// HealthCheck is the interval between health checks while open, counted from the
	// moment the previous one was sent (default DefaultBreakerHealthCheck when zero).
	HealthCheck time.Duration
}

// Defaults of BreakerConfig's zero fields; the scenario format documents the same values.
const (
	DefaultBreakerOpenFor     = 30 * time.Second
	DefaultBreakerHealthCheck = 10 * time.Second
)

// BreakerState is where a Breaker stands at an instant.
type BreakerState uint8

const (
	// BreakerClosed: calls flow; failures are counted.
	BreakerClosed BreakerState = iota
	// BreakerOpen: no calls; waiting out OpenFor.
	BreakerOpen
	// BreakerProbing: still open, OpenFor has passed: health checks are due.
	BreakerProbing
)

var breakerStateNames = [...]string{"closed", "open", "probing"}

// String returns "closed", "open" or "probing".
func (s BreakerState) String() string {
	if int(s) < len(breakerStateNames) {
		return breakerStateNames[s]
	}
	return "BreakerState(" + strconv.Itoa(int(s)) + ")"
}

// Breaker is the circuit breaker of the Lambda orchestrator (seed 002, "Throttling
// Third-Party API calls with AWS Lambda"): a worker whose call to the third-party API
// fails flags the circuit OPEN in DynamoDB; while it is open the orchestrator stops
// invoking workers and, after a pause, invokes a worker with a "health check" event every
// so often; a healthy answer flags it CLOSED again. The seed leaves the numbers open; here:
//
//   - Closed, it counts consecutive failures (5xx, timeouts, connection resets): the
//     Failures-th opens it. A success resets the count.
//   - Open, calls are not made: failures and successes of calls still in flight count
//     nothing. Health checks are due from openedAt+OpenFor (State says BreakerProbing from
//     then on), then HealthCheck after each one is sent (HealthCheckSent). An unhealthy
//     answer changes nothing; a healthy one closes the breaker with a zero count.
//
// The seed keeps the breaker in a DynamoDB item shared by the orchestrator and the
// workers; the caller (the orchestrator pattern) owns where it lives, and this type holds
// only its semantics. Instants must not go backwards. The zero value is a closed breaker
// of zero config: it opens at the first failure and health checks are always due while
// open (use NewBreaker for a configured one). A Breaker is not safe for concurrent use.
type Breaker struct {
	cfg       BreakerConfig
	failures  int           // consecutive failures while closed
	open      bool          // open or probing
	openedAt  time.Duration // when it last opened
	nextCheck time.Duration // when the next health check is due, while open
	opened    int64
	checks    int64
	openTotal time.Duration // time open in completed open periods
}

// NewBreaker returns a closed breaker for cfg, after giving zero durations their defaults.
// Failures must be at least 1 and the durations not negative.
func NewBreaker(cfg BreakerConfig) (*Breaker, error) {
	if cfg.Failures < 1 || cfg.OpenFor < 0 || cfg.HealthCheck < 0 {
		return nil, fmt.Errorf("new breaker: failures %d, open for %v, health check %v: "+
			"need failures >= 1 and durations >= 0", cfg.Failures, cfg.OpenFor, cfg.HealthCheck)
	}
	if cfg.OpenFor == 0 {
		cfg.OpenFor = DefaultBreakerOpenFor
	}
	if cfg.HealthCheck == 0 {
		cfg.HealthCheck = DefaultBreakerHealthCheck
	}
	return &Breaker{cfg: cfg}, nil
}

// Config returns the breaker's configuration, defaults applied.
func (b *Breaker) Config() BreakerConfig { return b.cfg }

// Success records a successful call: it resets the consecutive-failure count. It has no
// effect while the breaker is open.
func (b *Breaker) Success(now time.Duration) {
	if !b.open {
		b.failures = 0
	}
}

// Failure records a failed call (a 5xx, a timeout, a reset connection) and reports whether
// this failure opened the breaker. Failures while it is already open count nothing.
func (b *Breaker) Failure(now time.Duration) (opened bool) {
	if b.open {
		return false
	}
	b.failures++
	if b.failures < max(1, b.cfg.Failures) {
		return false
	}
	b.open, b.openedAt, b.failures = true, now, 0
	b.nextCheck = now + b.cfg.OpenFor
	b.opened++
	return true
}

// State returns where the breaker stands at now.
func (b *Breaker) State(now time.Duration) BreakerState {
	switch {
	case !b.open:
		return BreakerClosed
	case now < b.openedAt+b.cfg.OpenFor:
		return BreakerOpen
	default:
		return BreakerProbing
	}
}

// NextHealthCheck returns when the next health check is due (ok is false while closed):
// first at the opening instant plus OpenFor, then HealthCheck after the previous check was
// sent. The instant may be before now: a check is overdue. now is taken for symmetry.
func (b *Breaker) NextHealthCheck(now time.Duration) (at time.Duration, ok bool) {
	if !b.open {
		return 0, false
	}
	return b.nextCheck, true
}

// HealthCheckSent records that a health check was sent at now: the next one is due at
// now+HealthCheck. It has no effect while closed. Sending one before it is due is allowed
// and reschedules the next from now all the same.
func (b *Breaker) HealthCheckSent(now time.Duration) {
	if !b.open {
		return
	}
	b.checks++
	b.nextCheck = now + b.cfg.HealthCheck
}

// HealthResult records the answer to a health check and reports whether it closed the
// breaker: a healthy answer closes it (the failure count starts again from zero); an
// unhealthy one keeps it open, the next check staying due HealthCheck after the last one
// sent. An answer arriving while closed has no effect.
func (b *Breaker) HealthResult(now time.Duration, healthy bool) (closed bool) {
	if !b.open || !healthy {
		return false
	}
	b.openTotal += max(0, now-b.openedAt)
	b.open, b.failures = false, 0
	return true
}

// Opened returns how many times the breaker opened.
func (b *Breaker) Opened() int64 { return b.opened }

// HealthChecks returns how many health checks were sent (HealthCheckSent while open).
func (b *Breaker) HealthChecks() int64 { return b.checks }

// ConsecutiveFailures returns the failures counted towards opening (0 while open).
func (b *Breaker) ConsecutiveFailures() int { return b.failures }

// OpenTime returns the total time the breaker has spent open (probing included) up to now.
func (b *Breaker) OpenTime(now time.Duration) time.Duration {
	if !b.open {
		return b.openTotal
	}
	return b.openTotal + max(0, now-b.openedAt)
}
