package model

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Every Arrival is a vegeta Pacer.
var _ vegeta.Pacer = Arrival(nil)

func mustArrival(t testing.TB, cfg ArrivalConfig, d time.Duration, rng *rand.Rand) Arrival {
	t.Helper()
	a, err := NewArrival(cfg, d, rng)
	if err != nil {
		t.Fatalf("NewArrival(%+v, %s): %v", cfg, d, err)
	}
	return a
}

var (
	arrConstant1000 = ArrivalConfig{Shape: "constant", Rate: 1000}
	arrConstant3000 = ArrivalConfig{Shape: "constant", Rate: 3000}
	arrRampUp0      = ArrivalConfig{Shape: "ramp", From: 0, To: 1000}
	arrRampDown     = ArrivalConfig{Shape: "ramp", From: 1000, To: 0}
	arrRampUp1000   = ArrivalConfig{Shape: "ramp", From: 1000, To: 3000}
	arrRampFlat     = ArrivalConfig{Shape: "ramp", From: 500, To: 500}
	arrBurst        = ArrivalConfig{Shape: "burst", Rate: 100, Peak: 1000, At: 2 * time.Second, For: 3 * time.Second}
	arrBurstOnly    = ArrivalConfig{Shape: "burst", Peak: 1000, At: 2 * time.Second, For: 3 * time.Second}
	arrBurstAt0     = ArrivalConfig{Shape: "burst", Rate: 10, Peak: 1000, For: time.Second}
	arrStepsLate    = ArrivalConfig{Shape: "steps", Steps: []ArrivalStep{{time.Second, 10}, {2 * time.Second, 100}}}
	arrStepsGap     = ArrivalConfig{Shape: "steps", Steps: []ArrivalStep{{0, 10}, {time.Second, 0}, {2 * time.Second, 20}}}
	arrSine         = ArrivalConfig{Shape: "sine", Rate: 100, Amplitude: 50, Period: 4 * time.Second}
	arrSineClamped  = ArrivalConfig{Shape: "sine", Rate: 50, Amplitude: 100, Period: 4 * time.Second}
)

// The expected instants are the exact solutions (computed with 40-digit arithmetic)
// rounded to the nearest nanosecond.
func TestArrivalNext(t *testing.T) {
	const ms = time.Millisecond
	const d = 10 * time.Second
	for _, tt := range []struct {
		name string
		cfg  ArrivalConfig
		n    uint64
		at   time.Duration
		ok   bool
	}{
		{"constant/0", arrConstant1000, 0, 0, true},
		{"constant/1", arrConstant1000, 1, ms, true},
		{"constant/2", arrConstant1000, 2, 2 * ms, true},
		{"constant/last", arrConstant1000, 9999, 9999 * ms, true},
		{"constant/end", arrConstant1000, 10000, 0, false},
		{"constant/far", arrConstant1000, math.MaxUint64, 0, false},
		{"constant3000/1", arrConstant3000, 1, 333333, true},
		{"constant3000/2", arrConstant3000, 2, 666667, true},
		{"constant3000/3", arrConstant3000, 3, ms, true},
		{"ramp0/0", arrRampUp0, 0, 0, true},
		{"ramp0/1", arrRampUp0, 1, 141421356, true},
		{"ramp0/2", arrRampUp0, 2, 200 * ms, true},
		{"ramp0/3", arrRampUp0, 3, 244948974, true},
		{"ramp0/50", arrRampUp0, 50, time.Second, true},
		{"ramp0/200", arrRampUp0, 200, 2 * time.Second, true},
		{"ramp0/4999", arrRampUp0, 4999, 9998999950, true},
		{"ramp0/5000", arrRampUp0, 5000, 0, false},
		{"rampdown/1", arrRampDown, 1, 1000050, true},
		{"rampdown/2", arrRampDown, 2, 2000200, true},
		{"rampdown/4999", arrRampDown, 4999, 9858578644, true},
		{"rampdown/5000", arrRampDown, 5000, 0, false},
		{"rampdown/never", arrRampDown, 6000, 0, false},
		{"rampup/1", arrRampUp1000, 1, 999900, true},
		{"rampup/1100", arrRampUp1000, 1100, time.Second, true},
		{"rampup/19999", arrRampUp1000, 19999, 9999666663, true},
		{"rampup/20000", arrRampUp1000, 20000, 0, false},
		{"rampflat/1", arrRampFlat, 1, 2 * ms, true},
		{"burst/199", arrBurst, 199, 1990 * ms, true},
		{"burst/200", arrBurst, 200, 2 * time.Second, true},
		{"burst/201", arrBurst, 201, 2001 * ms, true},
		{"burst/3199", arrBurst, 3199, 4999 * ms, true},
		{"burst/3200", arrBurst, 3200, 5 * time.Second, true},
		{"burst/3201", arrBurst, 3201, 5010 * ms, true},
		{"burst/3699", arrBurst, 3699, 9990 * ms, true},
		{"burst/3700", arrBurst, 3700, 0, false},
		{"burstonly/0", arrBurstOnly, 0, 2 * time.Second, true},
		{"burstonly/2999", arrBurstOnly, 2999, 4999 * ms, true},
		{"burstonly/3000", arrBurstOnly, 3000, 0, false},
		{"burstat0/999", arrBurstAt0, 999, 999 * ms, true},
		{"burstat0/1000", arrBurstAt0, 1000, time.Second, true},
		{"burstat0/1001", arrBurstAt0, 1001, 1100 * ms, true},
		{"steps/0", arrStepsLate, 0, time.Second, true},
		{"steps/9", arrStepsLate, 9, 1900 * ms, true},
		{"steps/10", arrStepsLate, 10, 2 * time.Second, true},
		{"steps/11", arrStepsLate, 11, 2010 * ms, true},
		{"stepsgap/9", arrStepsGap, 9, 900 * ms, true},
		{"stepsgap/10", arrStepsGap, 10, 2 * time.Second, true},
		{"stepsgap/11", arrStepsGap, 11, 2050 * ms, true},
		{"sine/0", arrSine, 0, 0, true},
		{"sine/1", arrSine, 1, 9961036, true},
		{"sine/100", arrSine, 100, 786466249, true},
		{"sine/131", arrSine, 131, 994460053, true},
		{"sine/132", arrSine, 132, 1001126743, true},
		{"sine/263", arrSine, 263, 1993397347, true},
		{"sine/264", arrSine, 264, 2003384727, true},
		{"sine/399", arrSine, 399, 3989960419, true},
		{"sine/400", arrSine, 400, 4 * time.Second, true},
		{"sine/401", arrSine, 401, 4009961036, true},
		{"sine/1063", arrSine, 1063, 8*time.Second + 1993397347, true}, // 2 periods + hit 263
		{"sine/1064", arrSine, 1064, 0, false},
		{"sineclamped/1", arrSineClamped, 1, 19408352, true},
		{"sineclamped/100", arrSineClamped, 100, 908711801, true},
		{"sineclamped/235", arrSineClamped, 235, 2251899711, true}, // last hit before the rate reaches 0
		{"sineclamped/236", arrSineClamped, 236, 3754552049, true}, // first hit after
		{"sineclamped/237", arrSineClamped, 237, 3814141353, true},
		{"sineclamped/243", arrSineClamped, 243, 3987783322, true},
		{"sineclamped/244", arrSineClamped, 244, 4007919241, true},
		{"sineclamped/300", arrSineClamped, 300, 4601210176, true},
		{"sineclamped/1000", arrSineClamped, 1000, 0, false},
	} {
		a := mustArrival(t, tt.cfg, d, nil)
		if at, ok := a.Next(tt.n); at != tt.at || ok != tt.ok {
			t.Errorf("%s: Next(%d) = (%d, %t); want (%d, %t)", tt.name, tt.n, at, ok, tt.at, tt.ok)
		}
	}
}

// countHits counts the hits of a over its duration, checking that they are in order.
func countHits(t *testing.T, a Arrival) uint64 {
	t.Helper()
	prev := time.Duration(0)
	for n := uint64(0); ; n++ {
		at, ok := a.Next(n)
		if !ok {
			return n
		}
		if at < prev {
			t.Fatalf("Next(%d) = %s before Next(%d) = %s", n, at, n-1, prev)
		}
		prev = at
	}
}

func TestArrivalCount(t *testing.T) {
	const us = time.Microsecond
	for _, tt := range []struct {
		name string
		cfg  ArrivalConfig
		d    time.Duration
		want uint64
	}{
		{"constant 3000/s for 10s", arrConstant3000, 10 * time.Second, 30000},
		{"constant 3000/s for 10.0001s", arrConstant3000, 10*time.Second + 100*us, 30001},
		{"ramp 0→1000/s over 10s", arrRampUp0, 10 * time.Second, 5000},
		{"ramp 1000→0/s over 10s", arrRampDown, 10 * time.Second, 5000},
		{"ramp 1000→3000/s over 10s", arrRampUp1000, 10 * time.Second, 20000},
		{"ramp 0→1000/s over 1m", arrRampUp0, time.Minute, 30000},
		{"burst = base·(D−for) + peak·for", arrBurst, 10 * time.Second, 100*7 + 1000*3},
		{"burst cut by the end", arrBurst, 4 * time.Second, 100*2 + 1000*2},
		{"burst of base 0", arrBurstOnly, 10 * time.Second, 3000},
		{"steps", arrStepsLate, 5 * time.Second, 10 + 300},
		{"steps with a gap", arrStepsGap, 3 * time.Second, 10 + 20},
		{"sine: ceil(r·D + 2A/ω)", arrSine, 10 * time.Second, 1064},
		{"sine clamped", arrSineClamped, 10 * time.Second, 715},
		{"sine 500±400/s over 1m", ArrivalConfig{Shape: "sine", Rate: 500, Amplitude: 400, Period: time.Minute}, time.Minute, 30000},
	} {
		if got := countHits(t, mustArrival(t, tt.cfg, tt.d, nil)); got != tt.want {
			t.Errorf("%s: %d hits; want %d", tt.name, got, tt.want)
		}
	}
}

func TestArrivalPace(t *testing.T) {
	const ms, us = time.Millisecond, time.Microsecond
	a := mustArrival(t, arrConstant1000, 10*ms, nil)
	for _, tt := range []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 0, false},
		{0, 1, ms, false},
		{500 * us, 1, 500 * us, false},
		{ms, 1, 0, false},
		{1500 * us, 1, 0, false}, // behind: due now
		{500 * us, 2, 1500 * us, false},
		{9 * ms, 9, 0, false},
		{9 * ms, 10, 0, true},
		{time.Hour, 10, 0, true},
	} {
		if wait, stop := a.Pace(tt.elapsed, tt.hits); wait != tt.wait || stop != tt.stop {
			t.Errorf("Pace(%s, %d) = (%s, %t); want (%s, %t)", tt.elapsed, tt.hits, wait, stop, tt.wait, tt.stop)
		}
	}
}

// Pace agrees exactly with Next for every shape.
func TestArrivalPaceAgreesWithNext(t *testing.T) {
	cfgs := []ArrivalConfig{arrConstant3000, arrRampUp0, arrRampDown, arrBurst, arrStepsLate, arrSine, arrSineClamped,
		{Shape: "poisson", Rate: 300}}
	for _, cfg := range cfgs {
		a := mustArrival(t, cfg, 10*time.Second, rand.New(rand.NewPCG(1, 2)))
		for n := uint64(0); n < 40000; n += 7 {
			at, ok := a.Next(n)
			for _, elapsed := range []time.Duration{0, at - 1, at, at + 1, 10 * time.Second} {
				wait, stop := a.Pace(elapsed, n)
				if stop != !ok || (ok && wait != max(at-elapsed, 0)) || (!ok && wait != 0) {
					t.Fatalf("%s: Next(%d) = (%s, %t) but Pace(%s, %d) = (%s, %t)",
						cfg.Shape, n, at, ok, elapsed, n, wait, stop)
				}
			}
		}
	}
}

func TestArrivalRate(t *testing.T) {
	const ms = time.Millisecond
	const d = 10 * time.Second
	for _, tt := range []struct {
		cfg     ArrivalConfig
		elapsed time.Duration
		want    float64
	}{
		{arrConstant3000, 0, 3000},
		{arrConstant3000, -1, 0},
		{arrConstant3000, d, 0},
		{arrRampUp0, 0, 0},
		{arrRampUp0, 5 * time.Second, 500},
		{arrRampDown, 2500 * ms, 750},
		{arrBurst, 1999 * ms, 100},
		{arrBurst, 2 * time.Second, 1000},
		{arrBurst, 5 * time.Second, 100},
		{arrStepsLate, 999 * ms, 0},
		{arrStepsLate, time.Second, 10},
		{arrStepsLate, 9 * time.Second, 100},
		{arrStepsGap, 1500 * ms, 0},
		{arrSine, 0, 100},
		{arrSine, time.Second, 150},
		{arrSine, 3 * time.Second, 50},
		{arrSineClamped, time.Second, 150},
		{arrSineClamped, 3 * time.Second, 0},
		{ArrivalConfig{Shape: "poisson", Rate: 42}, time.Second, 42},
	} {
		a := mustArrival(t, tt.cfg, d, rand.New(rand.NewPCG(1, 2)))
		if got := a.Rate(tt.elapsed); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: Rate(%s) = %g; want %g", tt.cfg.Shape, tt.elapsed, got, tt.want)
		}
	}
}

func TestPoisson(t *testing.T) {
	const ms = time.Millisecond
	cfg := ArrivalConfig{Shape: "poisson", Rate: 1000}
	seeded := func(d time.Duration) Arrival { return mustArrival(t, cfg, d, rand.New(rand.NewPCG(7, 8))) }

	a := seeded(time.Hour)
	for n, want := range []time.Duration{1686, 951863, 1582413} {
		if got := mustNext(t, a, uint64(n)); got != want {
			t.Errorf("seed (7, 8): Next(%d) = %d; want %d", n, got, want)
		}
	}
	const hits = 1_000_000
	first, last := mustNext(t, a, 0), mustNext(t, a, hits-1)
	mean := float64(last-first) / (hits - 1)
	if want := float64(ms); math.Abs(mean-want) > 0.01*want {
		t.Errorf("mean gap %.0fns; want %.0fns ± 1%%", mean, want)
	}

	b, c := seeded(time.Hour), seeded(time.Hour)
	mustNext(t, c, 500) // skipping ahead draws the same instants
	for n := uint64(0); n <= 500; n++ {
		x := mustNext(t, b, n)
		if y := mustNext(t, b, n); y != x {
			t.Fatalf("same n again: Next(%d) = %s, then %s", n, x, y)
		}
		if n > 500-poissonWindow {
			if y := mustNext(t, c, n); y != x {
				t.Fatalf("Next(%d) = %s in order, %s after skipping ahead", n, x, y)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Next(%d) after Next(500) did not panic", 500-poissonWindow)
		}
	}()
	c.Next(500 - poissonWindow)
}

// Past the end, a poisson arrival stops drawing.
func TestPoissonEnd(t *testing.T) {
	a := mustArrival(t, ArrivalConfig{Shape: "poisson", Rate: 1000}, time.Second, rand.New(rand.NewPCG(1, 1)))
	n := countHits(t, a)
	if n < 900 || n > 1100 {
		t.Errorf("%d hits in 1s at 1000/s", n)
	}
	if _, ok := a.Next(math.MaxUint64); ok {
		t.Errorf("Next(MaxUint64) is within the attack")
	}
}

func mustNext(t *testing.T, a Arrival, n uint64) time.Duration {
	t.Helper()
	at, ok := a.Next(n)
	if !ok {
		t.Fatalf("Next(%d) past the end", n)
	}
	return at
}

func TestNewArrivalErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		cfg  ArrivalConfig
		d    time.Duration
		rng  *rand.Rand
		want string
	}{
		{ArrivalConfig{}, time.Second, nil, "arrival: shape is required"},
		{ArrivalConfig{Shape: "zigzag"}, time.Second, nil, `arrival: unknown shape "zigzag" (known: burst, constant, poisson, ramp, sine, steps)`},
		{arrConstant1000, 0, nil, "constant: duration must be positive, got 0s"},
		{ArrivalConfig{Shape: "constant"}, time.Second, nil, "constant: rate is required"},
		{ArrivalConfig{Shape: "constant", Rate: -1}, time.Second, nil, "constant: rate must not be negative, got -1"},
		{ArrivalConfig{Shape: "constant", Rate: math.Inf(1)}, time.Second, nil, "constant: rate must be finite"},
		{ArrivalConfig{Shape: "poisson"}, time.Second, rng, "poisson: rate is required"},
		{ArrivalConfig{Shape: "poisson", Rate: 1}, time.Second, nil, "poisson: rng is required"},
		{ArrivalConfig{Shape: "ramp"}, time.Second, nil, "ramp: from or to is required"},
		{ArrivalConfig{Shape: "ramp", From: -5, To: 10}, time.Second, nil, "ramp: from must not be negative, got -5"},
		{ArrivalConfig{Shape: "burst", Rate: 10, For: time.Second}, time.Second, nil, "burst: peak is required"},
		{ArrivalConfig{Shape: "burst", Rate: 10}, time.Second, nil, "burst: peak is required\nburst: for is required"},
		{ArrivalConfig{Shape: "burst", Peak: 10, At: -1, For: 1}, time.Second, nil, "burst: at must not be negative, got -1ns"},
		{ArrivalConfig{Shape: "sine", Rate: 10}, time.Second, nil, "sine: period is required"},
		{ArrivalConfig{Shape: "sine", Amplitude: 1, Period: 1}, time.Second, nil, "sine: rate is required"},
		{ArrivalConfig{Shape: "steps"}, time.Second, nil, "steps: steps is required"},
		{ArrivalConfig{Shape: "steps", Steps: []ArrivalStep{{2 * time.Second, 1}, {time.Second, -1}}}, time.Second, nil,
			"steps: steps[1].rate must not be negative, got -1\nsteps: steps[1].at (1s) must be after steps[0].at (2s)"},
	} {
		a, err := NewArrival(tt.cfg, tt.d, tt.rng)
		if err == nil || err.Error() != tt.want || a != nil {
			t.Errorf("NewArrival(%+v, %s) = (%v, %v); want error %q", tt.cfg, tt.d, a, err, tt.want)
		}
	}
	if _, err := NewArrival(ArrivalConfig{Shape: "zigzag"}, time.Second, nil); !errors.Is(err, ErrUnknownShape) {
		t.Errorf("unknown shape: %v is not ErrUnknownShape", err)
	}
}

func TestShapes(t *testing.T) {
	want := []string{"burst", "constant", "poisson", "ramp", "sine", "steps"}
	if got := Shapes(); !slices.Equal(got, want) {
		t.Errorf("Shapes() = %v; want %v", got, want)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "twice") {
			t.Errorf("duplicate RegisterShape: recover() = %v", r)
		}
	}()
	RegisterShape("constant", newConstantArrival)
}

// Next is allocation-free for every shape.
func TestArrivalNextAllocs(t *testing.T) {
	for _, cfg := range []ArrivalConfig{arrConstant3000, arrRampUp0, arrBurst, arrStepsLate, arrSine, arrSineClamped,
		{Shape: "poisson", Rate: 3000}} {
		a := mustArrival(t, cfg, time.Hour, rand.New(rand.NewPCG(1, 2)))
		n := uint64(0)
		if allocs := testing.AllocsPerRun(1000, func() { a.Next(n); a.Pace(0, n); n++ }); allocs != 0 {
			t.Errorf("%s: %g allocations per Next", cfg.Shape, allocs)
		}
	}
}

func BenchmarkArrivalNext(b *testing.B) {
	for name, cfg := range map[string]ArrivalConfig{"constant": arrConstant3000, "ramp": arrRampUp0,
		"burst": arrBurst, "steps": arrStepsLate, "sine": arrSine, "sine-clamped": arrSineClamped,
		"poisson": {Shape: "poisson", Rate: 3000}} {
		b.Run(name, func(b *testing.B) {
			a := mustArrival(b, cfg, 1000*time.Hour, rand.New(rand.NewPCG(1, 2)))
			n := uint64(0)
			for b.Loop() {
				a.Next(n)
				n++
			}
		})
	}
}
