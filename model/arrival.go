package model

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// ArrivalConfig mirrors a scenario's arrival section with plain types. Rates are in events
// (hits) per second; At, For and Period are times since the attack began. Which fields apply
// depends on Shape; a shape ignores the fields it does not use. The zero value has no shape
// and NewArrival rejects it.
type ArrivalConfig struct {
	Shape     string        // a registered shape: constant, poisson, ramp, burst, sine, steps, replay
	Rate      float64       // constant, poisson; burst: the base (may be 0); sine: the centre line
	Peak      float64       // burst: the rate from At for For
	From, To  float64       // ramp: the rate at 0 and at the end of the attack
	Amplitude float64       // sine: rate(t) = Rate + Amplitude·sin(2πt/Period), clamped at 0
	At        time.Duration // burst: when the burst starts
	For       time.Duration // burst: how long it lasts
	Period    time.Duration // sine
	Steps     []ArrivalStep // steps: in strictly increasing order of At
	Replay    *ReplayConfig // replay: the recorded trace (the shape is registered by package trace)
}

// ArrivalStep is one level of a steps arrival: from At on, Rate hits per second.
type ArrivalStep struct {
	At   time.Duration
	Rate float64
}

// An Arrival is an open-model arrival process: hits are due on its schedule whatever
// happens to earlier ones. Times are durations since the attack began.
//
// The deterministic shapes place hit n (0-based) at the instant the cumulative count
// ∫₀ᵗ rate first exceeds n, which is the earliest t with ∫₀ᵗ rate = n wherever the rate is
// positive: constant 1000/s gives hits at 0, 1ms, 2ms, …, and a shape whose rate is 0 until
// 30s gives its first hit at 30s. Instants are rounded to the nearest nanosecond. Over an
// attack of duration D the hits are those with an instant before D.
//
// Poisson memoises its draws: its Next accepts the same n again, any larger n, and the 63
// before the largest n asked so far; an older n panics. An Arrival is not safe for
// concurrent use: poisson memoises, burst and steps keep a search hint.
type Arrival interface {
	// Next returns when hit n (0-based) is due, as time since the attack began; ok is
	// false when that instant is at or after the end of the attack (duration).
	Next(n uint64) (at time.Duration, ok bool)
	// Pace and Rate make every Arrival a vegeta Pacer (github.com/tsenart/vegeta/v12/lib.Pacer):
	// Pace(elapsed, hits) returns how long to wait before hit number hits (0 when it is
	// already due) and stop=true when there are no more hits. It agrees exactly with Next.
	Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool)
	// Rate is the instantaneous rate at elapsed, in hits per second; 0 outside the attack.
	Rate(elapsed time.Duration) float64
}

// ShapeFactory builds an Arrival of one shape for an attack lasting duration (> 0). rng is
// the run's random source; shapes that need randomness derive their own generator from it.
type ShapeFactory func(cfg ArrivalConfig, duration time.Duration, rng *rand.Rand) (Arrival, error)

// ErrUnknownShape is wrapped by NewArrival's error for a shape nobody registered.
var ErrUnknownShape = errors.New("unknown shape")

var arrivalShapes = namedFactories[ShapeFactory]{kind: "shape", unknown: ErrUnknownShape}

// RegisterShape makes a shape available to NewArrival under name. It is meant to be called
// from init() and panics when name is empty or already registered.
func RegisterShape(name string, f ShapeFactory) { arrivalShapes.register("RegisterShape", name, f) }

// Shapes returns the names of the registered arrival shapes, sorted.
func Shapes() []string { return arrivalShapes.names() }

// NewArrival builds the arrival process cfg describes for an attack lasting duration.
// Every problem with cfg is reported, each naming the shape and the parameter
// ("burst: peak is required"). rng is only used by poisson, which requires it.
func NewArrival(cfg ArrivalConfig, duration time.Duration, rng *rand.Rand) (Arrival, error) {
	if cfg.Shape == "" {
		return nil, errors.New("arrival: shape is required")
	}
	f, err := arrivalShapes.lookup(cfg.Shape)
	if err != nil {
		return nil, fmt.Errorf("arrival: %w", err)
	}
	if duration <= 0 {
		return nil, fmt.Errorf("%s: duration must be positive, got %s", cfg.Shape, duration)
	}
	return f(cfg, duration, rng)
}

// namedFactories is a registry of the factories of one kind of pluggable part, filled from
// init() (arrival shapes, retry policies, latency distributions).
type namedFactories[F any] struct {
	kind    string
	unknown error // wrapped by lookup's error
	m       map[string]F
}

func (r *namedFactories[F]) register(caller, name string, f F) {
	if name == "" {
		panic("model: " + caller + " needs a name")
	}
	if _, dup := r.m[name]; dup {
		panic("model: " + caller + " called twice for " + r.kind + " " + name)
	}
	if r.m == nil {
		r.m = map[string]F{}
	}
	r.m[name] = f
}

func (r *namedFactories[F]) names() []string { return slices.Sorted(maps.Keys(r.m)) }

func (r *namedFactories[F]) lookup(name string) (F, error) {
	f, ok := r.m[name]
	if !ok {
		return f, fmt.Errorf("%w %q (known: %s)", r.unknown, name, strings.Join(r.names(), ", "))
	}
	return f, nil
}

func init() {
	RegisterShape("constant", newConstantArrival)
	RegisterShape("poisson", newPoissonArrival)
	RegisterShape("ramp", newRampArrival)
	RegisterShape("burst", newBurstArrival)
	RegisterShape("sine", newSineArrival)
	RegisterShape("steps", newStepsArrival)
}

// arrivalShape is the part of an Arrival that differs between shapes, in float64 seconds.
type arrivalShape interface {
	at(n uint64) float64    // when hit n is due, in seconds; +Inf when never
	rate(t float64) float64 // hits per second at t seconds
}

// arrival turns an arrivalShape into an Arrival over [0, dur).
type arrival struct {
	shape arrivalShape
	dur   time.Duration
}

func (a *arrival) Next(n uint64) (time.Duration, bool) {
	ns := math.Round(a.shape.at(n) * 1e9)
	if !(ns < float64(a.dur)) || time.Duration(ns) >= a.dur {
		return 0, false
	}
	return time.Duration(ns), true
}

func (a *arrival) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := a.Next(hits)
	if !ok {
		return 0, true
	}
	return max(at-elapsed, 0), false
}

func (a *arrival) Rate(elapsed time.Duration) float64 {
	if elapsed < 0 || elapsed >= a.dur {
		return 0
	}
	return a.shape.rate(elapsed.Seconds())
}

// cfgCheck collects every problem of one part's parameters; what names the part.
type cfgCheck struct {
	what string
	errs []error
}

func (c *cfgCheck) add(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(c.what+": "+format, args...))
}

// rate checks a rate parameter: finite, not negative and, if required, not zero.
func (c *cfgCheck) rate(name string, v float64, required bool) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		c.add("%s must be finite", name)
	case v < 0:
		c.add("%s must not be negative, got %g", name, v)
	case v == 0 && required:
		c.add("%s is required", name)
	}
}

// dur checks a duration parameter: not negative and, if required, not zero.
func (c *cfgCheck) dur(name string, v time.Duration, required bool) {
	switch {
	case v < 0:
		c.add("%s must not be negative, got %s", name, v)
	case v == 0 && required:
		c.add("%s is required", name)
	}
}

func (c *cfgCheck) err() error { return errors.Join(c.errs...) }

// constantShape: hit n at n/rate.
type constantShape struct{ r float64 }

func (s constantShape) at(n uint64) float64  { return float64(n) / s.r }
func (s constantShape) rate(float64) float64 { return s.r }

func newConstantArrival(cfg ArrivalConfig, d time.Duration, _ *rand.Rand) (Arrival, error) {
	c := cfgCheck{what: "constant"}
	c.rate("rate", cfg.Rate, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	return &arrival{constantShape{cfg.Rate}, d}, nil
}

// poissonWindow is how many of the latest poisson instants are memoised: Next(n) may be
// called for any n > m − poissonWindow, m the largest n asked so far.
const poissonWindow = 64

// poissonShape is a Poisson process: independent exponential gaps of mean 1/rate, hit n at
// the sum of n+1 gaps (hit 0 is one gap after the start, so the expected count over D is
// rate·D). Instants are drawn lazily, in order, from a generator seeded from the run's rng
// when the arrival is built, so they do not depend on how other draws interleave.
type poissonShape struct {
	rng   *rand.Rand
	mean  float64 // seconds per hit
	end   float64 // seconds; no draws past the first instant at or after it
	last  uint64  // largest n drawn, valid when drawn
	drawn bool
	ring  [poissonWindow]float64
}

func (s *poissonShape) rate(float64) float64 { return 1 / s.mean }

// at draws the instants up to hit n. It panics when n is older than the memoised window,
// which a caller moving forward in time never asks for.
func (s *poissonShape) at(n uint64) float64 {
	for !s.drawn || n > s.last {
		t := 0.0
		if s.drawn {
			if t = s.ring[s.last%poissonWindow]; t >= s.end {
				return math.Inf(1)
			}
			s.last++
		}
		s.drawn = true
		s.ring[s.last%poissonWindow] = t + s.rng.ExpFloat64()*s.mean
	}
	if s.last-n >= poissonWindow {
		panic(fmt.Sprintf("model: poisson arrival: Next(%d) is older than the memoised window (last %d)", n, s.last))
	}
	return s.ring[n%poissonWindow]
}

func newPoissonArrival(cfg ArrivalConfig, d time.Duration, rng *rand.Rand) (Arrival, error) {
	c := cfgCheck{what: "poisson"}
	c.rate("rate", cfg.Rate, true)
	if rng == nil {
		c.add("rng is required")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	own := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	return &arrival{&poissonShape{rng: own, mean: 1 / cfg.Rate, end: d.Seconds()}, d}, nil
}

// rampShape: rate(t) = b + 2a·t, so ∫₀ᵗ rate = b·t + a·t²; hit n solves a·t² + b·t = n with
// the stable root 2n / (b + √(b² + 4an)), exact for a = 0 and for b = 0.
type rampShape struct{ a, b float64 }

func (s rampShape) rate(t float64) float64 { return s.b + 2*s.a*t }

func (s rampShape) at(n uint64) float64 {
	x := float64(n)
	if n == 0 {
		return 0 // validation ensures from or to is positive
	}
	disc := s.b*s.b + 4*s.a*x
	if disc < 0 {
		return math.Inf(1) // a decreasing ramp never counts that far
	}
	return 2 * x / (s.b + math.Sqrt(disc))
}

func newRampArrival(cfg ArrivalConfig, d time.Duration, _ *rand.Rand) (Arrival, error) {
	c := cfgCheck{what: "ramp"}
	c.rate("from", cfg.From, false)
	c.rate("to", cfg.To, false)
	if cfg.From == 0 && cfg.To == 0 {
		c.add("from or to is required")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return &arrival{rampShape{a: (cfg.To - cfg.From) / (2 * d.Seconds()), b: cfg.From}, d}, nil
}

// ratePiece is one piece of a piecewise-constant rate: from start (seconds) on, rate hits per
// second; cum is ∫₀^start rate.
type ratePiece struct{ start, rate, cum float64 }

// piecewiseShape is a piecewise-constant rate (burst, steps). at finds the first piece
// whose end count exceeds n by binary search, trying the last piece used first, so that
// calls for increasing n cost O(1) amortised.
type piecewiseShape struct {
	pieces []ratePiece
	hint   int
}

func newPiecewise(points []ratePiece) *piecewiseShape {
	for i := 1; i < len(points); i++ {
		p := points[i-1]
		points[i].cum = p.cum + p.rate*(points[i].start-p.start)
	}
	return &piecewiseShape{pieces: points}
}

// endCum is the count at the end of piece i (+Inf for a last piece with a positive rate).
func (s *piecewiseShape) endCum(i int) float64 {
	if i+1 < len(s.pieces) {
		return s.pieces[i+1].cum
	}
	if s.pieces[i].rate > 0 {
		return math.Inf(1)
	}
	return s.pieces[i].cum
}

func (s *piecewiseShape) at(n uint64) float64 {
	x := float64(n)
	i := s.hint
	if !(s.endCum(i) > x && (i == 0 || s.endCum(i-1) <= x)) {
		lo, hi := 0, len(s.pieces) // smallest i with endCum(i) > x
		for lo < hi {
			if m := int(uint(lo+hi) >> 1); s.endCum(m) > x {
				hi = m
			} else {
				lo = m + 1
			}
		}
		if lo == len(s.pieces) {
			return math.Inf(1)
		}
		i, s.hint = lo, lo
	}
	p := s.pieces[i]
	return p.start + (x-p.cum)/p.rate
}

func (s *piecewiseShape) rate(t float64) float64 {
	for i := len(s.pieces) - 1; i >= 0; i-- {
		if s.pieces[i].start <= t {
			return s.pieces[i].rate
		}
	}
	return 0
}

// newBurstArrival: Rate (the base, which may be 0) except Peak from At for For; a burst
// running past the end of the attack is cut short.
func newBurstArrival(cfg ArrivalConfig, d time.Duration, _ *rand.Rand) (Arrival, error) {
	c := cfgCheck{what: "burst"}
	c.rate("rate", cfg.Rate, false)
	c.rate("peak", cfg.Peak, true)
	c.dur("at", cfg.At, false)
	c.dur("for", cfg.For, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	at := cfg.At.Seconds()
	return &arrival{newPiecewise([]ratePiece{
		{start: 0, rate: cfg.Rate},
		{start: at, rate: cfg.Peak},
		{start: at + cfg.For.Seconds(), rate: cfg.Rate},
	}), d}, nil
}

// newStepsArrival: each step's rate from its At on; the rate is 0 before the first step.
func newStepsArrival(cfg ArrivalConfig, d time.Duration, _ *rand.Rand) (Arrival, error) {
	c := cfgCheck{what: "steps"}
	if len(cfg.Steps) == 0 {
		c.add("steps is required")
	}
	points := []ratePiece{{start: 0, rate: 0}}
	for i, st := range cfg.Steps {
		c.dur(fmt.Sprintf("steps[%d].at", i), st.At, false)
		c.rate(fmt.Sprintf("steps[%d].rate", i), st.Rate, false)
		if i > 0 && st.At <= cfg.Steps[i-1].At {
			c.add("steps[%d].at (%s) must be after steps[%d].at (%s)", i, st.At, i-1, cfg.Steps[i-1].At)
		}
		points = append(points, ratePiece{start: st.At.Seconds(), rate: st.Rate})
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return &arrival{newPiecewise(points), d}, nil
}

// sineShape: rate(t) = max(0, r + A·sin(ωt)), ω = 2π/P. With A ≤ r the count is
// hu(t) = r·t + (A/ω)(1 − cos ωt). With A > r the rate is clamped at 0 on [t1, t2] of each
// period (where sin ωt < −r/A), the count stays flat there and the mean rate exceeds r.
// Hit n is found in its period by Newton's method, safeguarded by bisection, to 0.01 ns.
type sineShape struct {
	r, amp, p, w float64 // hits/s, hits/s, seconds, rad/s
	t1, t2       float64 // the flat part of a period; both p when A ≤ r
	flat, cp     float64 // count at t1; count per period
}

func newSineShape(r, amp, p float64) *sineShape {
	s := &sineShape{r: r, amp: amp, p: p, w: 2 * math.Pi / p, t1: p, t2: p}
	if amp > r {
		alpha := math.Asin(r / amp)
		s.t1, s.t2 = (math.Pi+alpha)/s.w, (2*math.Pi-alpha)/s.w
	}
	s.flat = s.hu(s.t1)
	s.cp = s.flat + s.hu(p) - s.hu(s.t2)
	return s
}

// hu is the unclamped count from the start of a period to τ seconds into it.
func (s *sineShape) hu(tau float64) float64 {
	return s.r*tau + s.amp/s.w*(1-math.Cos(s.w*tau))
}

func (s *sineShape) rate(t float64) float64 { return max(0, s.r+s.amp*math.Sin(s.w*t)) }

func (s *sineShape) at(n uint64) float64 {
	x := float64(n)
	k := math.Floor(x / s.cp)
	m := x - k*s.cp
	if m >= s.cp {
		k, m = k+1, m-s.cp
	} else if m < 0 {
		k, m = k-1, m+s.cp
	}
	if m < s.flat {
		return k*s.p + s.solve(m, 0, s.t1)
	}
	return k*s.p + s.solve(m-s.flat+s.hu(s.t2), s.t2, s.p)
}

// solve returns the τ in [lo, hi] with hu(τ) = target; hu increases on [lo, hi].
func (s *sineShape) solve(target, lo, hi float64) float64 {
	const tol = 1e-11 // seconds
	t := lo + (target-s.hu(lo))/s.r
	for range 200 {
		if !(t > lo && t < hi) {
			t = lo + (hi-lo)/2
		}
		sin, cos := math.Sincos(s.w * t)
		f := s.r*t + s.amp/s.w*(1-cos) - target
		if f < 0 {
			lo = t
		} else {
			hi = t
		}
		if hi-lo <= tol {
			return hi
		}
		step := f / (s.r + s.amp*sin)
		if math.Abs(step) <= tol {
			return min(max(t-step, lo), hi)
		}
		t -= step
	}
	return hi
}

func newSineArrival(cfg ArrivalConfig, d time.Duration, _ *rand.Rand) (Arrival, error) {
	c := cfgCheck{what: "sine"}
	c.rate("rate", cfg.Rate, true)
	c.rate("amplitude", cfg.Amplitude, false)
	c.dur("period", cfg.Period, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	return &arrival{newSineShape(cfg.Rate, cfg.Amplitude, cfg.Period.Seconds()), d}, nil
}
