package trace

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Analysis is what a trace asks of a throttle: how many requests, by whom, how fast at its
// busiest, per usage-plan period, and its arrival curve.
type Analysis struct {
	Name   string
	Format string
	Stats  // with Options.APIKey, Keys holds that key alone
	// Peaks are the most requests in one second, minute and hour of the clock (UTC), as
	// CloudWatch's periods count them.
	PeakSecond, PeakMinute, PeakHour Peak
	// Periods are the busiest usage-plan quota period of each kind (day, week from Sunday,
	// month from the 1st: AWS's periods at offset 0), with their requests per key.
	Periods []Period
	// Routes are the busiest routes ("POST /orders"), at most ten.
	Routes []Count
	// Timeline counts requests over time from the origin, in buckets of Width.
	Timeline Timeline
	// Curve is b(r) at each rate asked for.
	Curve []CurvePoint
}

// Peak is the busiest clock window of a size: its count and when it started.
type Peak struct {
	Count int64
	At    time.Time
}

// Count is a named count.
type Count struct {
	Name  string
	Count int64
}

// MeanRate is the requests per second over the trace's span (0 for a single instant).
func (a *Analysis) MeanRate() float64 {
	span := float64(a.End-a.Origin) / 1e9
	if span <= 0 {
		return 0
	}
	return float64(a.Requests) / span
}

// Analyze reads the trace src (twice when rates is empty: the default rates depend on its
// mean and peak) and computes its Analysis. The curve is at rates, or by default at
// DefaultRates of the trace's mean rate and peak per second.
func Analyze(src Source, opts Options, rates []float64) (*Analysis, error) {
	opts.Routes = true
	a, err := analyzePass(src, opts, rates)
	if err != nil || len(rates) > 0 {
		return a, err
	}
	rates = DefaultRates(a.MeanRate(), float64(a.PeakSecond.Count))
	opts.Routes = false
	again, err := analyzePass(src, opts, rates)
	if err != nil {
		return nil, err
	}
	a.Curve = again.Curve
	return a, nil
}

func analyzePass(src Source, opts Options, rates []float64) (*Analysis, error) {
	rc, err := src.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	rd, err := NewReader(rc, src.Name, opts)
	if err != nil {
		return nil, err
	}
	acc := newAccumulator(rates)
	for {
		r, ok := rd.Next()
		if !ok {
			break
		}
		acc.add(r)
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	a := acc.finish()
	a.Name, a.Format, a.Stats = src.Name, rd.Format(), rd.Stats()
	if a.Requests == 0 {
		if opts.APIKey != "" {
			return nil, fmt.Errorf("%s holds no request of API key %q (its keys: %s)", src.Name, opts.APIKey, keyList(a.Keys))
		}
		return nil, errors.New(src.Name + " holds no request")
	}
	if opts.APIKey != "" {
		a.Keys = map[string]int64{opts.APIKey: a.Requests}
	}
	return a, nil
}

// DefaultRates are twelve rates spaced evenly on a log scale from mean to peak (requests
// per second), each rounded to three significant digits; a single rate when they are equal.
func DefaultRates(mean, peak float64) []float64 {
	if mean <= 0 || peak <= mean {
		return []float64{round3(max(peak, mean, 1))}
	}
	const n = 12
	out := make([]float64, 0, n)
	for i := range n {
		r := round3(mean * math.Pow(peak/mean, float64(i)/(n-1)))
		if len(out) == 0 || r > out[len(out)-1] {
			out = append(out, r)
		}
	}
	return out
}

// round3 rounds x > 0 to three significant digits.
func round3(x float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	return r
}
