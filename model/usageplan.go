package model

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// BucketConfig is an API Gateway throttle: a token bucket holding at most Burst tokens
// that refills at Rate tokens per second; each request takes one. Buckets start full.
// Rate 0 or Burst 0 refuses every request. Negative values are invalid.
type BucketConfig struct {
	Rate  float64
	Burst int
}

// DefaultAccountBucket is AWS's default account-level throttle per Region: 10,000
// requests per second with a bucket of 5,000 (AWS knowledge center, "How do I
// troubleshoot 429 Too Many Requests or Limit Exceeded errors for my API Gateway API",
// repost.aws/knowledge-center/api-gateway-429-limit).
var DefaultAccountBucket = BucketConfig{Rate: 10000, Burst: 5000}

func (b BucketConfig) check() error {
	if b.Rate < 0 || math.IsNaN(b.Rate) || math.IsInf(b.Rate, 0) || b.Burst < 0 {
		return fmt.Errorf("throttle rate %v burst %d: need a finite rate >= 0 and burst >= 0", b.Rate, b.Burst)
	}
	return nil
}

func (b BucketConfig) newBucket(epoch time.Time) *rateBucket {
	return newRateBucket(b.Rate, b.Burst, epoch)
}

// checkRoute checks that route reads "METHOD /path".
func checkRoute(route string) error {
	method, path, ok := strings.Cut(route, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("route %q: want \"METHOD /path\"", route)
	}
	return nil
}

// rateBucket is the token bucket behind every gateway throttle and the "token-bucket"
// quota window. It starts full (Burst tokens) and refills at its rate; rate 0 or burst 0
// refuses everything. Checking (fits) is separate from consuming (take), so that a request
// can be checked against every layer before any token is taken.
//
// It is golang.org/x/time/rate's Limiter reduced to what the models need: the same
// arithmetic (tokens as a float64, refilled lazily from the elapsed time), without the
// mutex and time.Time conversions that made it cost 230 ns a decision on the simulator's
// hot path. TestRateBucketAgreesWithXTimeRate holds the two together.
type rateBucket struct {
	rate   float64 // tokens per second
	perNs  float64 // tokens per nanosecond
	burst  int
	cap    float64
	tokens float64
	last   time.Duration
}

// tokenEpsilon absorbs float rounding: a bucket holding 1 − 1e-12 tokens holds a whole one.
const tokenEpsilon = 1e-12

// newRateBucket returns a full bucket; epoch is unused (the bucket needs no calendar) but
// kept so that every window constructor has the same shape.
func newRateBucket(perSecond float64, burst int, epoch time.Time) *rateBucket {
	_ = epoch
	return &rateBucket{rate: perSecond, perNs: perSecond / 1e9, burst: burst,
		cap: float64(burst), tokens: float64(burst)}
}

// tokensAt returns the tokens the bucket holds at now.
func (b *rateBucket) tokensAt(now time.Duration) float64 {
	if now <= b.last {
		return b.tokens
	}
	return min(b.cap, b.tokens+float64(now-b.last)*b.perNs)
}

// fits reports whether a whole token is in the bucket at now, and the tokens it holds.
func (b *rateBucket) fits(now time.Duration) (bool, float64) {
	tokens := b.tokensAt(now)
	return b.burst >= 1 && b.rate > 0 && tokens >= 1-tokenEpsilon, tokens
}

// take consumes a token at now; call it only after fits.
func (b *rateBucket) take(now time.Duration) bool {
	ok, tokens := b.fits(now)
	if !ok {
		return false
	}
	b.tokens = max(0, tokens-1)
	b.last = max(b.last, now)
	return true
}

// free returns the earliest instant >= now at which a token can be taken; a bucket
// that never refills answers a year from now.
func (b *rateBucket) free(now time.Duration) time.Duration {
	ok, tokens := b.fits(now)
	if ok {
		return now
	}
	if b.burst < 1 || b.rate <= 0 {
		return now + 365*24*time.Hour
	}
	d := time.Duration(math.Ceil((1 - tokenEpsilon - tokens) / b.perNs))
	for i := 0; i < 64 && d > 0; i++ { // float rounding: step to the exact instant
		if ok, _ := b.fits(now + d - 1); !ok {
			break
		}
		d--
	}
	for i := 0; i < 64; i++ {
		if ok, _ := b.fits(now + d); ok {
			break
		}
		d++
	}
	return now + d
}

// untilFull returns how long after now, without takes, the bucket holding tokens is full.
func (b *rateBucket) untilFull(tokens float64) time.Duration {
	if b.rate <= 0 || tokens >= float64(b.burst) {
		return 0
	}
	return time.Duration(math.Ceil((float64(b.burst) - tokens) / b.rate * 1e9))
}

// PlanConfig is an API Gateway usage plan: the API keys it lists, each throttled by a
// token bucket of its own (per client) and metered against a request quota.
//
// Throttle nil means no plan throttle. Methods maps a route ("POST /orders") to a
// bucket that replaces Throttle for that route, again one per key (the
// ApiStage.throttle map of AWS's UsagePlan, whose "/orders/POST" keys are written
// "POST /orders" here); its keys are matched as route.go describes. Quota nil means no quota. AWS does not
// document whether the plan-wide throttle also still applies to such a route (a
// re:Post answer suggests it does); we replace it.
type PlanConfig struct {
	Name     string
	Keys     []string
	Throttle *BucketConfig
	Quota    *PlanQuotaConfig
	Methods  map[string]BucketConfig
}

// PlanQuotaConfig is a usage plan's quota: at most Limit admitted requests per key per
// calendar Period, in UTC ("day", "week" or "month"; AWS spells them DAY, WEEK, MONTH
// and either case is accepted).
//
// Offset is the day the period starts: 0 for day; for week 0–6, 0 = Sunday … 6 =
// Saturday; for month 0–27, the period starting on day Offset+1 of the month. This is
// how AWS's QuotaSettings.offset was documented ("The day that a time period starts.
// For example, with a time period of WEEK, an offset of 0 starts on Sunday, and an
// offset of 1 starts on Monday" — API Gateway API reference, QuotaSettings, as carried
// by the SDK docs, e.g. docs.rs aws-sdk-apigateway 0.4.0 and rubydoc aws-sdk-apigateway
// 1.73.0). The current reference (docs.aws.amazon.com/apigateway/latest/api/
// API_QuotaSettings.html) describes offset as "the number of requests subtracted from
// the given limit in the initial time period" instead; we do not model that reading.
// A request the quota refuses is not counted (nor is one a bucket throttles).
type PlanQuotaConfig struct {
	Limit  int64
	Period string
	Offset int
}

type quotaPeriod uint8

const (
	periodDay quotaPeriod = iota
	periodWeek
	periodMonth
)

// parsePlanQuota checks c and returns its period.
func parsePlanQuota(c PlanQuotaConfig) (quotaPeriod, error) {
	if c.Limit < 0 {
		return 0, fmt.Errorf("quota limit %d is negative", c.Limit)
	}
	switch strings.ToLower(c.Period) {
	case "day":
		if c.Offset != 0 {
			return 0, fmt.Errorf("quota offset %d: a day period needs offset 0", c.Offset)
		}
		return periodDay, nil
	case "week":
		if c.Offset < 0 || c.Offset > 6 {
			return 0, fmt.Errorf("quota offset %d: a week period needs 0 (Sunday) to 6", c.Offset)
		}
		return periodWeek, nil
	case "month":
		if c.Offset < 0 || c.Offset > 27 {
			return 0, fmt.Errorf("quota offset %d: a month period needs 0 to 27", c.Offset)
		}
		return periodMonth, nil
	}
	return 0, fmt.Errorf("quota period %q: want day, week or month", c.Period)
}

// periodBounds returns the UTC calendar period that contains epoch+now, in run time.
func periodBounds(epoch time.Time, now time.Duration, p quotaPeriod, offset int) (start, end time.Duration) {
	t := epoch.Add(now).UTC()
	y, m, d := t.Date()
	var s, e time.Time
	switch p {
	case periodDay:
		s = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		e = s.AddDate(0, 0, 1)
	case periodWeek:
		back := (int(t.Weekday()) - offset + 7) % 7
		s = time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
		e = s.AddDate(0, 0, 7)
	case periodMonth:
		if d < offset+1 {
			m--
		}
		s = time.Date(y, m, offset+1, 0, 0, 0, 0, time.UTC) // offset+1 <= 28: every month has it
		e = s.AddDate(0, 1, 0)
	}
	return s.Sub(epoch), e.Sub(epoch)
}

// keyQuota meters one API key against its plan's quota.
type keyQuota struct {
	epoch      time.Time
	limit      int64
	used       int64
	start, end time.Duration // the current period; empty until first use
	period     quotaPeriod
	offset     int
}

// roll moves to the period that contains now, resetting the count.
func (q *keyQuota) roll(now time.Duration) {
	if now >= q.end || now < q.start || q.end == q.start {
		q.start, q.end = periodBounds(q.epoch, now, q.period, q.offset)
		q.used = 0
	}
}

func (q *keyQuota) fits(now time.Duration) bool {
	q.roll(now)
	return q.used < q.limit
}

// exceeded is the decision for a request the quota refuses at now.
func (q *keyQuota) exceeded(now time.Duration) Decision {
	return Decision{Outcome: QuotaExceeded, Layer: LayerQuota, RetryAfter: q.end - now,
		Limit: float64(q.limit), Reset: q.end - now}
}

// gwKey is the state of one API key of a usage plan.
type gwKey struct {
	throttle *rateBucket            // the plan's throttle for this key; nil if none
	table    *routeTable            // the plan's method keys, shared by its keys
	methods  map[string]*rateBucket // the plan's per-route throttles for this key, by normalized key
	quota    *keyQuota              // nil if the plan has no quota
}

// method returns the plan's throttle for the normalized route, or nil.
func (k *gwKey) method(route string) *rateBucket {
	if k.table == nil {
		return nil
	}
	if key, ok := k.table.match(route); ok {
		return k.methods[key]
	}
	return nil
}

// newPlanKeys builds the state of every key of plan p into keys, reporting every
// problem with the plan.
func newPlanKeys(keys map[string]*gwKey, i int, p PlanConfig, epoch time.Time) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("usage plan %d (%s): "+format, append([]any{i, p.Name}, args...)...))
	}
	if p.Throttle != nil {
		if err := p.Throttle.check(); err != nil {
			bad("throttle: %v", err)
		}
	}
	table, norm, routeErrs := newRouteTable(slices.Collect(maps.Keys(p.Methods)))
	for _, err := range routeErrs {
		bad("%v", err)
	}
	for route, b := range p.Methods {
		if err := b.check(); err != nil {
			bad("method %q: %v", route, err)
		}
	}
	var period quotaPeriod
	if p.Quota != nil {
		var err error
		if period, err = parsePlanQuota(*p.Quota); err != nil {
			bad("%v", err)
		}
	}
	for _, key := range p.Keys {
		switch {
		case key == "":
			bad("empty API key")
		case keys[key] != nil:
			bad("API key %q is already on another plan (AWS allows one plan per key and stage)", key)
		default:
			keys[key] = newGwKey(p, &table, norm, period, epoch)
		}
	}
	return errors.Join(errs...)
}

// newGwKey is one key's state of plan p; table holds the plan's method keys and norm maps
// each to its normalized form.
func newGwKey(p PlanConfig, table *routeTable, norm map[string]string, period quotaPeriod, epoch time.Time) *gwKey {
	k := &gwKey{}
	if p.Throttle != nil {
		k.throttle = p.Throttle.newBucket(epoch)
	}
	if len(p.Methods) > 0 {
		k.table = table
		k.methods = make(map[string]*rateBucket, len(p.Methods))
		for route, b := range p.Methods {
			if n, ok := norm[route]; ok {
				k.methods[n] = b.newBucket(epoch)
			}
		}
	}
	if p.Quota != nil {
		k.quota = &keyQuota{epoch: epoch, limit: p.Quota.Limit, period: period, offset: p.Quota.Offset}
	}
	return k
}
