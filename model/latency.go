package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// LatencyConfig mirrors a scenario's latency section: a service-time distribution. Which
// fields apply depends on Dist; a distribution ignores the fields it does not use. The zero
// value is fixed at 0: no latency.
type LatencyConfig struct {
	Dist         string        // fixed (also ""), uniform, exponential, normal, lognormal, pareto
	Value        time.Duration // fixed
	Min, Max     time.Duration // uniform: both ends included; pareto: Min, the scale
	Mean, Stddev time.Duration // exponential: Mean; normal: both, before truncation at 0
	Median, P99  time.Duration // lognormal
	Alpha        float64       // pareto: the shape, > 1
}

// A Latency is a distribution of service times. Samples are never negative; those too
// large for a time.Duration are math.MaxInt64. Mean is the exact mean of what Sample
// returns (before rounding to the nanosecond), Quantile(q) the smallest t with
// P(Sample ≤ t) ≥ q; q outside [0, 1] is clamped, and Quantile(1) of an unbounded
// distribution is math.MaxInt64. A Latency holds no state: it is safe for concurrent use
// when each goroutine passes its own rng. Sample does not allocate.
type Latency interface {
	Sample(rng *rand.Rand) time.Duration
	Mean() time.Duration
	Quantile(q float64) time.Duration
}

// LatencyFactory builds a Latency from cfg, reporting every problem with it.
type LatencyFactory func(cfg LatencyConfig) (Latency, error)

// ErrUnknownLatency is wrapped by NewLatency's error for a distribution nobody registered.
var ErrUnknownLatency = errors.New("unknown distribution")

var latencies = namedFactories[LatencyFactory]{kind: "latency distribution", unknown: ErrUnknownLatency}

// RegisterLatency makes a distribution available to NewLatency under name. It is meant to
// be called from init() and panics when name is empty or already registered.
func RegisterLatency(name string, f LatencyFactory) { latencies.register("RegisterLatency", name, f) }

// Latencies returns the names of the registered latency distributions, sorted.
func Latencies() []string { return latencies.names() }

// NewLatency builds the distribution cfg describes. Every problem is reported, each naming
// the distribution and the parameter ("lognormal: p99 must be greater than median").
func NewLatency(cfg LatencyConfig) (Latency, error) {
	if cfg.Dist == "" {
		cfg.Dist = "fixed"
	}
	f, err := latencies.lookup(cfg.Dist)
	if err != nil {
		return nil, fmt.Errorf("latency: %w", err)
	}
	return f(cfg)
}

func init() {
	RegisterLatency("fixed", newFixedLatency)
	RegisterLatency("uniform", newUniformLatency)
	RegisterLatency("exponential", newExponentialLatency)
	RegisterLatency("normal", newNormalLatency)
	RegisterLatency("lognormal", newLognormalLatency)
	RegisterLatency("pareto", newParetoLatency)
}

// latencyNs converts nanoseconds to a Duration: rounded, at least 0 (NaN gives 0), at most
// math.MaxInt64.
func latencyNs(ns float64) time.Duration {
	switch {
	case !(ns > 0):
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	}
	return time.Duration(math.Round(ns))
}

// clampQ clamps a quantile's level to [0, 1].
func clampQ(q float64) float64 { return min(max(q, 0), 1) }

// normQuantile is Φ⁻¹(p), the standard normal quantile (−Inf at 0, +Inf at 1).
func normQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// normCDF is Φ(x), the standard normal distribution function.
func normCDF(x float64) float64 { return math.Erfc(-x/math.Sqrt2) / 2 }

// fixedLatency is always value.
type fixedLatency struct{ v time.Duration }

func (l fixedLatency) Sample(*rand.Rand) time.Duration { return l.v }
func (l fixedLatency) Mean() time.Duration             { return l.v }
func (l fixedLatency) Quantile(float64) time.Duration  { return l.v }

func newFixedLatency(cfg LatencyConfig) (Latency, error) {
	c := cfgCheck{what: "fixed"}
	c.dur("value", cfg.Value, false)
	if err := c.err(); err != nil {
		return nil, err
	}
	return fixedLatency{cfg.Value}, nil
}

// uniformLatency is uniform over the whole nanoseconds of [min, max].
type uniformLatency struct{ lo, hi time.Duration }

func (l uniformLatency) Sample(rng *rand.Rand) time.Duration {
	return l.lo + time.Duration(rng.Uint64N(uint64(l.hi-l.lo)+1))
}
func (l uniformLatency) Mean() time.Duration { return latencyNs((float64(l.lo) + float64(l.hi)) / 2) }

// Quantile is lo + k for the smallest k with (k+1)/n ≥ q, n = hi − lo + 1 values.
func (l uniformLatency) Quantile(q float64) time.Duration {
	n := float64(l.hi-l.lo) + 1
	return l.lo + latencyNs(math.Ceil(clampQ(q)*n)-1)
}

func newUniformLatency(cfg LatencyConfig) (Latency, error) {
	c := cfgCheck{what: "uniform"}
	c.dur("min", cfg.Min, false)
	c.dur("max", cfg.Max, true)
	if cfg.Max > 0 && cfg.Max < cfg.Min {
		c.add("max (%s) must not be less than min (%s)", cfg.Max, cfg.Min)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return uniformLatency{cfg.Min, cfg.Max}, nil
}

// exponentialLatency is exponential with the given mean (ns).
type exponentialLatency struct{ mean float64 }

func (l exponentialLatency) Sample(rng *rand.Rand) time.Duration {
	return latencyNs(rng.ExpFloat64() * l.mean)
}
func (l exponentialLatency) Mean() time.Duration { return latencyNs(l.mean) }
func (l exponentialLatency) Quantile(q float64) time.Duration {
	return latencyNs(-l.mean * math.Log1p(-clampQ(q)))
}

func newExponentialLatency(cfg LatencyConfig) (Latency, error) {
	c := cfgCheck{what: "exponential"}
	c.dur("mean", cfg.Mean, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	return exponentialLatency{float64(cfg.Mean)}, nil
}

// normalLatency is normal(mu, sigma) (ns) truncated at 0 by resampling: a negative draw is
// drawn again, so Sample follows the normal conditioned on being ≥ 0 (no mass piles up at
// 0). As mu > 0, fewer than 2 draws are needed on average. Mean and Quantile are those of
// the truncated distribution, so Mean exceeds mu: by 0.0044·sigma when mu = 3·sigma,
// by 0.0553·sigma when mu = 2·sigma.
type normalLatency struct {
	mu, sigma float64
	p0        float64 // Φ(−mu/sigma), the mass cut off
}

func (l normalLatency) Sample(rng *rand.Rand) time.Duration {
	for {
		if x := l.mu + l.sigma*rng.NormFloat64(); x >= 0 {
			return latencyNs(x)
		}
	}
}

// Mean is mu + sigma·φ(a)/(1 − Φ(a)) with a = −mu/sigma.
func (l normalLatency) Mean() time.Duration {
	a := -l.mu / l.sigma
	phi := math.Exp(-a*a/2) / math.Sqrt(2*math.Pi)
	return latencyNs(l.mu + l.sigma*phi/(1-l.p0))
}

func (l normalLatency) Quantile(q float64) time.Duration {
	return latencyNs(l.mu + l.sigma*normQuantile(l.p0+clampQ(q)*(1-l.p0)))
}

func newNormalLatency(cfg LatencyConfig) (Latency, error) {
	c := cfgCheck{what: "normal"}
	c.dur("mean", cfg.Mean, true)
	c.dur("stddev", cfg.Stddev, true)
	if err := c.err(); err != nil {
		return nil, err
	}
	mu, sigma := float64(cfg.Mean), float64(cfg.Stddev)
	return normalLatency{mu: mu, sigma: sigma, p0: normCDF(-mu / sigma)}, nil
}

// z99 is Φ⁻¹(0.99).
const z99 = 2.3263478740408408

// lognormalLatency is exp(N(mu, sigma)) (ns), with mu = ln(median) and
// sigma = ln(p99/median)/Φ⁻¹(0.99).
type lognormalLatency struct{ mu, sigma float64 }

func (l lognormalLatency) Sample(rng *rand.Rand) time.Duration {
	return latencyNs(math.Exp(l.mu + l.sigma*rng.NormFloat64()))
}
func (l lognormalLatency) Mean() time.Duration {
	return latencyNs(math.Exp(l.mu + l.sigma*l.sigma/2))
}
func (l lognormalLatency) Quantile(q float64) time.Duration {
	return latencyNs(math.Exp(l.mu + l.sigma*normQuantile(clampQ(q))))
}

func newLognormalLatency(cfg LatencyConfig) (Latency, error) {
	c := cfgCheck{what: "lognormal"}
	c.dur("median", cfg.Median, true)
	c.dur("p99", cfg.P99, true)
	if cfg.Median > 0 && cfg.P99 > 0 && cfg.P99 <= cfg.Median {
		c.add("p99 must be greater than median (p99 %s, median %s)", cfg.P99, cfg.Median)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	median := float64(cfg.Median)
	return lognormalLatency{mu: math.Log(median), sigma: math.Log(float64(cfg.P99)/median) / z99}, nil
}

// paretoLatency is Pareto with scale min (ns) and shape alpha > 1: P(X > x) = (min/x)^alpha
// for x ≥ min. Sample is min·e^(E/alpha) with E exponential of mean 1.
type paretoLatency struct{ min, alpha float64 }

func (l paretoLatency) Sample(rng *rand.Rand) time.Duration {
	return latencyNs(l.min * math.Exp(rng.ExpFloat64()/l.alpha))
}
func (l paretoLatency) Mean() time.Duration { return latencyNs(l.alpha * l.min / (l.alpha - 1)) }
func (l paretoLatency) Quantile(q float64) time.Duration {
	return latencyNs(l.min * math.Pow(1-clampQ(q), -1/l.alpha))
}

func newParetoLatency(cfg LatencyConfig) (Latency, error) {
	c := cfgCheck{what: "pareto"}
	c.dur("min", cfg.Min, true)
	switch a := cfg.Alpha; {
	case a == 0:
		c.add("alpha is required")
	case !(a > 1) || math.IsInf(a, 0):
		c.add("alpha must be finite and greater than 1 for a finite mean, got %g", a)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return paretoLatency{min: float64(cfg.Min), alpha: cfg.Alpha}, nil
}
