package model

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func mustLatency(t testing.TB, cfg LatencyConfig) Latency {
	t.Helper()
	l, err := NewLatency(cfg)
	if err != nil {
		t.Fatalf("NewLatency(%+v): %v", cfg, err)
	}
	return l
}

var (
	latFixed       = LatencyConfig{Dist: "fixed", Value: 250 * time.Millisecond}
	latUniform     = LatencyConfig{Dist: "uniform", Min: 100 * time.Millisecond, Max: 300 * time.Millisecond}
	latExponential = LatencyConfig{Dist: "exponential", Mean: 100 * time.Millisecond}
	latNormal      = LatencyConfig{Dist: "normal", Mean: 100 * time.Millisecond, Stddev: 50 * time.Millisecond}
	latLognormal   = LatencyConfig{Dist: "lognormal", Median: 200 * time.Millisecond, P99: 2 * time.Second}
	latPareto      = LatencyConfig{Dist: "pareto", Min: 100 * time.Millisecond, Alpha: 3}
	latAll         = []LatencyConfig{latFixed, latUniform, latExponential, latNormal, latLognormal, latPareto}
)

// The expected values are the exact formulas (computed with 40-digit arithmetic) rounded
// to the nearest nanosecond.
func TestLatencyMean(t *testing.T) {
	const ms = time.Millisecond
	for _, tt := range []struct {
		cfg  LatencyConfig
		want time.Duration
	}{
		{LatencyConfig{}, 0},
		{latFixed, 250 * ms},
		{latUniform, 200 * ms},
		{LatencyConfig{Dist: "uniform", Max: 3}, 2}, // 1.5ns, rounded
		{latExponential, 100 * ms},
		{latNormal, 102762393}, // mu + sigma·φ(2)/Φ(2): truncation at 0 raises the mean
		{LatencyConfig{Dist: "normal", Mean: 300 * ms, Stddev: 20 * ms}, 300 * ms},
		{latLognormal, 326410211}, // exp(mu + sigma²/2)
		{latPareto, 150 * ms},     // alpha·min/(alpha − 1)
	} {
		if got := mustLatency(t, tt.cfg).Mean(); got != tt.want {
			t.Errorf("%+v: Mean() = %d; want %d", tt.cfg, got, tt.want)
		}
	}
}

func TestLatencyQuantile(t *testing.T) {
	const ms = time.Millisecond
	const inf = time.Duration(math.MaxInt64)
	for _, tt := range []struct {
		cfg  LatencyConfig
		q    float64
		want time.Duration
	}{
		{latFixed, 0.99, 250 * ms},
		{latUniform, 0, 100 * ms},
		{latUniform, 0.5, 200 * ms},
		{latUniform, 0.99, 298 * ms},
		{latUniform, 1, 300 * ms},
		{LatencyConfig{Dist: "uniform", Max: 3}, 0.25, 0}, // 4 values: 0, 1, 2, 3
		{LatencyConfig{Dist: "uniform", Max: 3}, 0.26, 1},
		{latExponential, 0, 0},
		{latExponential, 0.5, 69314718},   // mean·ln 2
		{latExponential, 0.99, 460517019}, // mean·ln 100
		{latExponential, 1, inf},
		{latExponential, 2, inf}, // clamped to 1
		{latNormal, -1, 0},
		{latNormal, 0, 0},
		{latNormal, 0.5, 101425846},
		{latNormal, 0.99, 216748491},
		{latNormal, 1, inf},
		{latLognormal, 0, 0},
		{latLognormal, 0.5, 200 * ms},
		{latLognormal, 0.9, 711075319},
		{latLognormal, 0.99, 2 * time.Second},
		{latPareto, 0, 100 * ms},
		{latPareto, 0.5, 125992105},  // min·2^(1/alpha)
		{latPareto, 0.99, 464158883}, // min·100^(1/alpha)
		{latPareto, 1, inf},
	} {
		if got := mustLatency(t, tt.cfg).Quantile(tt.q); got != tt.want {
			t.Errorf("%+v: Quantile(%g) = %d; want %d", tt.cfg, tt.q, got, tt.want)
		}
	}
}

// A million samples from a seeded rng match Mean within 1% and Quantile(0.99) within 2%.
func TestLatencySample(t *testing.T) {
	const n = 1_000_000
	samples := make([]time.Duration, n)
	for _, cfg := range latAll {
		l := mustLatency(t, cfg)
		rng := rand.New(rand.NewPCG(5, 6))
		sum := 0.0
		for i := range samples {
			if samples[i] = l.Sample(rng); samples[i] < 0 {
				t.Fatalf("%s: negative sample %s", cfg.Dist, samples[i])
			}
			sum += float64(samples[i])
		}
		slices.Sort(samples)
		mean, p99 := sum/n, samples[n*99/100]
		if want := float64(l.Mean()); math.Abs(mean-want) > 0.01*want {
			t.Errorf("%s: sample mean %.0f; want %.0f ± 1%%", cfg.Dist, mean, want)
		}
		if want := float64(l.Quantile(0.99)); math.Abs(float64(p99)-want) > 0.02*want {
			t.Errorf("%s: sample p99 %d; want %.0f ± 2%%", cfg.Dist, p99, want)
		}
	}
}

// A normal with a large stddev is truncated at 0, never negative.
func TestLatencyNormalTruncated(t *testing.T) {
	const ms = time.Millisecond
	l := mustLatency(t, LatencyConfig{Dist: "normal", Mean: ms, Stddev: time.Second})
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		if s := l.Sample(rng); s < 0 {
			t.Fatalf("negative sample %s", s)
		}
	}
}

func TestNewLatencyErrors(t *testing.T) {
	const ms = time.Millisecond
	for _, tt := range []struct {
		cfg  LatencyConfig
		want string
	}{
		{LatencyConfig{Dist: "weibull"}, `latency: unknown distribution "weibull" (known: exponential, fixed, lognormal, normal, pareto, uniform)`},
		{LatencyConfig{Value: -1}, "fixed: value must not be negative, got -1ns"},
		{LatencyConfig{Dist: "uniform", Min: ms}, "uniform: max is required"},
		{LatencyConfig{Dist: "uniform", Min: 2 * ms, Max: ms}, "uniform: max (1ms) must not be less than min (2ms)"},
		{LatencyConfig{Dist: "exponential"}, "exponential: mean is required"},
		{LatencyConfig{Dist: "normal", Mean: -ms}, "normal: mean must not be negative, got -1ms\nnormal: stddev is required"},
		{LatencyConfig{Dist: "lognormal", P99: ms}, "lognormal: median is required"},
		{LatencyConfig{Dist: "lognormal", Median: ms}, "lognormal: p99 is required"},
		{LatencyConfig{Dist: "lognormal", Median: 2 * ms, P99: ms}, "lognormal: p99 must be greater than median (p99 1ms, median 2ms)"},
		{LatencyConfig{Dist: "pareto", Min: ms}, "pareto: alpha is required"},
		{LatencyConfig{Dist: "pareto", Alpha: 2}, "pareto: min is required"},
		{LatencyConfig{Dist: "pareto", Min: ms, Alpha: 1}, "pareto: alpha must be finite and greater than 1 for a finite mean, got 1"},
		{LatencyConfig{Dist: "pareto", Min: ms, Alpha: math.NaN()}, "pareto: alpha must be finite and greater than 1 for a finite mean, got NaN"},
	} {
		l, err := NewLatency(tt.cfg)
		if err == nil || err.Error() != tt.want || l != nil {
			t.Errorf("NewLatency(%+v) = (%v, %v); want error %q", tt.cfg, l, err, tt.want)
		}
	}
	if _, err := NewLatency(LatencyConfig{Dist: "weibull"}); !errors.Is(err, ErrUnknownLatency) {
		t.Errorf("unknown distribution: %v is not ErrUnknownLatency", err)
	}
}

func TestLatencies(t *testing.T) {
	want := []string{"exponential", "fixed", "lognormal", "normal", "pareto", "uniform"}
	if got := Latencies(); !slices.Equal(got, want) {
		t.Errorf("Latencies() = %v; want %v", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("duplicate RegisterLatency did not panic")
		}
	}()
	RegisterLatency("fixed", newFixedLatency)
}

func TestLatencySampleAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cfg := range latAll {
		l := mustLatency(t, cfg)
		if allocs := testing.AllocsPerRun(1000, func() { l.Sample(rng) }); allocs != 0 {
			t.Errorf("%s: %g allocations per Sample", cfg.Dist, allocs)
		}
	}
}

func BenchmarkLatencySample(b *testing.B) {
	for _, cfg := range latAll {
		b.Run(cfg.Dist, func(b *testing.B) {
			l := mustLatency(b, cfg)
			rng := rand.New(rand.NewPCG(1, 2))
			for b.Loop() {
				l.Sample(rng)
			}
		})
	}
}
