package model

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// OutageConfig is a window [At, At+For) in which the fake API fails every call by Mode:
// "error" answers Status (default 503) after OutageErrorLatency, "timeout" never
// answers (the call hangs until the caller gives up), "reset" drops the connection at
// once. Status applies to "error" only.
type OutageConfig struct {
	At, For time.Duration
	Mode    string
	Status  int
}

// APIConfig describes the fake third-party API.
//
// Quotas are its rate limits, all of which must hold (multi-tier, see Quotas); counted
// over all callers, or per API key when PerKey. Latency is how long it takes to answer
// an admitted call (nil: no time). ErrorRate is the fraction of admitted calls that
// fail with ErrorStatus (default 500). Outages are windows of failure. RetryAfter makes
// 429s carry Retry-After. Epoch is the wall-clock instant of now = 0 (fixed windows are
// aligned to it). The zero value is an API with no limits that always answers 200 at once.
//
// MaxKeys bounds, with PerKey, how many keys keep quota state (0: DefaultMaxKeys): a call
// with one more key evicts the least recently used key (see API.KeysEvicted), whose quotas
// start afresh on its next call, as if it had never called; they may then admit more than
// their limits in a window that spans the eviction. This is the emulator's memory bound, not
// a behaviour of a real API: size it above the keys a run uses, and a run evicts nothing.
type APIConfig struct {
	Quotas      []QuotaConfig
	PerKey      bool
	MaxKeys     int
	Latency     Latency
	ErrorRate   float64
	ErrorStatus int
	Outages     []OutageConfig
	RetryAfter  bool
	Epoch       time.Time
}

// CallOutcome is how a call to the fake API ends.
type CallOutcome uint8

// The call outcomes.
const (
	CallOK        CallOutcome = iota // 2xx
	CallThrottled                    // 429: over a quota
	CallError                        // an error status (5xx by default)
	CallTimeout                      // no answer in time
	CallReset                        // the connection was reset
)

func (o CallOutcome) String() string {
	switch o {
	case CallOK:
		return "ok"
	case CallThrottled:
		return "throttled"
	case CallError:
		return "error"
	case CallTimeout:
		return "timeout"
	case CallReset:
		return "reset"
	}
	return "call-outcome(" + strconv.Itoa(int(o)) + ")"
}

// Reply is the fake API's answer to one call.
//
// Latency is how long after the call the answer arrives (Hang: never). RetryAfter is
// the Retry-After of a 429, in whole seconds (0 when absent). Tier is the index of the
// quota tier that refused a 429, -1 otherwise. Status is 0 for timeouts and resets.
type Reply struct {
	Outcome    CallOutcome
	Status     int
	Latency    time.Duration
	RetryAfter time.Duration
	Tier       int
	// Admitted says the API's quotas admitted the call (it counts against them), whatever
	// its outcome: false for 429s and outages.
	Admitted bool
}

const (
	// ThrottleLatency is how long the fake API takes to answer 429: a rate limiter
	// answers before any work is done.
	ThrottleLatency = time.Millisecond
	// OutageErrorLatency is how long an outage's error status takes: a failing
	// dependency behind a load balancer fails fast.
	OutageErrorLatency = time.Millisecond
	// Hang is the Latency of a reply that never comes.
	Hang = time.Duration(math.MaxInt64)
)

type apiOutage struct {
	from, to time.Duration
	mode     CallOutcome // CallError, CallTimeout or CallReset
	status   int
}

// API is the fake third-party API's model: quotas, latency, errors and outages.
// Handle does not allocate with global quotas; with PerKey the first call of a key
// allocates its quotas. An API is not safe for concurrent use.
type API struct {
	quotaCfgs   []QuotaConfig
	epoch       time.Time
	global      *Quotas
	perKey      *keyLRU // nil unless PerKey
	latency     Latency
	draws       *LatencyDraws // when set, samples come from here rather than the caller's rng
	errorRate   float64
	errorStatus int
	outages     []apiOutage
	retryAfter  bool
	admitted    int64
}

// NewAPI checks cfg, reporting every problem at once, and returns the API at now = 0.
func NewAPI(cfg APIConfig) (*API, error) {
	q, err := NewQuotas(cfg.Quotas, cfg.Epoch)
	errs := []error{err}
	a := &API{quotaCfgs: cfg.Quotas, epoch: cfg.Epoch, latency: cfg.Latency,
		errorRate: cfg.ErrorRate, errorStatus: cfg.ErrorStatus, retryAfter: cfg.RetryAfter}
	if cfg.MaxKeys < 0 {
		errs = append(errs, fmt.Errorf("max keys %d: want 0 (the default, %d) or more", cfg.MaxKeys, DefaultMaxKeys))
	}
	if cfg.PerKey {
		a.perKey = newKeyLRU(cmp.Or(cfg.MaxKeys, DefaultMaxKeys))
	} else {
		a.global = q
	}
	if a.errorStatus == 0 {
		a.errorStatus = http.StatusInternalServerError
	}
	if cfg.ErrorRate < 0 || cfg.ErrorRate > 1 || math.IsNaN(cfg.ErrorRate) {
		errs = append(errs, fmt.Errorf("error rate %v: want 0 to 1", cfg.ErrorRate))
	}
	if a.errorStatus < 400 || a.errorStatus > 599 {
		errs = append(errs, fmt.Errorf("error status %d: want 400 to 599", cfg.ErrorStatus))
	}
	for i, o := range cfg.Outages {
		out, err := newAPIOutage(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("outage %d: %w", i, err))
		}
		a.outages = append(a.outages, out)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new api: %w", err)
	}
	return a, nil
}

func newAPIOutage(o OutageConfig) (apiOutage, error) {
	out := apiOutage{from: o.At, to: o.At + o.For, status: o.Status}
	var errs []error
	if o.At < 0 || o.For <= 0 {
		errs = append(errs, fmt.Errorf("at %v for %v: want at >= 0 and for > 0", o.At, o.For))
	}
	switch strings.ToLower(o.Mode) {
	case "error":
		out.mode = CallError
		if out.status == 0 {
			out.status = http.StatusServiceUnavailable
		}
		if out.status < 400 || out.status > 599 {
			errs = append(errs, fmt.Errorf("status %d: want 400 to 599", o.Status))
		}
	case "timeout", "reset":
		out.mode = CallTimeout
		if strings.ToLower(o.Mode) == "reset" {
			out.mode = CallReset
		}
		if o.Status != 0 {
			errs = append(errs, fmt.Errorf("status %d: only an error outage has a status", o.Status))
		}
	default:
		errs = append(errs, fmt.Errorf("mode %q: want error, timeout or reset", o.Mode))
	}
	return out, errors.Join(errs...)
}

// Handle is the server's view of a call with API key key at now: an outage answers by
// its mode and consumes no quota; else a call over a quota gets 429 (with Retry-After,
// the whole seconds until every tier frees, when configured) in ThrottleLatency; else
// the call is admitted and counted, and fails with the error status with probability
// ErrorRate (one draw from rng, made only when ErrorRate > 0). Admitted calls, failed
// or not, take a latency sampled from rng. rng may be nil when neither is needed.
func (a *API) Handle(now time.Duration, key string, rng *rand.Rand) Reply {
	if o := a.outageAt(now); o != nil {
		return o.reply()
	}
	q := a.quotasFor(key)
	if ok, tier := q.Allow(now); !ok {
		r := Reply{Outcome: CallThrottled, Status: http.StatusTooManyRequests,
			Latency: ThrottleLatency, Tier: tier}
		if a.retryAfter {
			r.RetryAfter = time.Duration(wholeSecondsUp(q.Free(now)-now)) * time.Second
		}
		return r
	}
	a.admitted++
	if a.errorRate > 0 && rng.Float64() < a.errorRate {
		return Reply{Outcome: CallError, Status: a.errorStatus, Latency: a.sample(rng), Tier: -1, Admitted: true}
	}
	return Reply{Outcome: CallOK, Status: http.StatusOK, Latency: a.sample(rng), Tier: -1, Admitted: true}
}

// Call is the caller's view of Handle: with timeout > 0, a reply slower than timeout
// becomes CallTimeout after exactly timeout (the server may still have counted the call).
func (a *API) Call(now time.Duration, key string, timeout time.Duration, rng *rand.Rand) Reply {
	r := a.Handle(now, key, rng)
	if timeout > 0 && r.Latency > timeout {
		return Reply{Outcome: CallTimeout, Latency: timeout, Tier: -1, Admitted: r.Admitted}
	}
	return r
}

// Health reports what a health check sees at now: false during any outage.
func (a *API) Health(now time.Duration) bool { return a.outageAt(now) == nil }

// Admitted returns how many calls the quotas admitted (those that then failed included).
func (a *API) Admitted() int64 { return a.admitted }

// Quotas returns the quotas that govern key, for admin counts: the global ones (key is
// ignored), or with PerKey the key's own, nil for a key that has not called yet or was
// evicted since. It does not count as a use of key.
func (a *API) Quotas(key string) *Quotas {
	if a.perKey == nil {
		return a.global
	}
	return a.perKey.peek(key)
}

// Keys returns, with PerKey, how many keys hold quota state and the most that may (0, 0
// without PerKey).
func (a *API) Keys() (held, max int) {
	if a.perKey == nil {
		return 0, 0
	}
	return len(a.perKey.m), a.perKey.max
}

// KeysEvicted returns how many times a key's quota state was evicted to make room for
// another's (see APIConfig.MaxKeys); 0 without PerKey.
func (a *API) KeysEvicted() int64 {
	if a.perKey == nil {
		return 0
	}
	return a.perKey.evicted
}

// OnEvict makes the API call f with a key's name when it evicts the key's quota state (with
// PerKey), during the Handle that needs the room, so that a server can drop what it keeps
// about the key too.
func (a *API) OnEvict(f func(key string)) {
	if a.perKey != nil {
		a.perKey.onEvict = f
	}
}

func (a *API) quotasFor(key string) *Quotas {
	if a.perKey == nil {
		return a.global
	}
	return a.perKey.get(key, a.freshQuotas)
}

func (a *API) freshQuotas() *Quotas {
	q, _ := NewQuotas(a.quotaCfgs, a.epoch) // checked by NewAPI
	return q
}

func (a *API) outageAt(now time.Duration) *apiOutage {
	for i := range a.outages {
		if o := &a.outages[i]; now >= o.from && now < o.to {
			return o
		}
	}
	return nil
}

func (o *apiOutage) reply() Reply {
	switch o.mode {
	case CallError:
		return Reply{Outcome: CallError, Status: o.status, Latency: OutageErrorLatency, Tier: -1}
	case CallTimeout:
		return Reply{Outcome: CallTimeout, Latency: Hang, Tier: -1}
	}
	return Reply{Outcome: CallReset, Tier: -1}
}

// UseDraws makes the API take its latencies from d, a stream of its own drawn ahead, instead
// of from the rng passed to each call (the simulator does: see LatencyDraws). d must draw
// from the API's latency distribution.
func (a *API) UseDraws(d *LatencyDraws) { a.draws = d }

// Latency returns the API's latency distribution, nil for none.
func (a *API) Latency() Latency { return a.latency }

func (a *API) sample(rng *rand.Rand) time.Duration {
	switch {
	case a.latency == nil:
		return 0
	case a.draws != nil:
		return max(0, a.draws.Next())
	}
	return max(0, a.latency.Sample(rng))
}
