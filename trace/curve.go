package trace

import "math"

// CurvePoint is one point of an arrival curve: the smallest whole burst with which a token
// bucket refilling at Rate tokens per second, full at the start, admits every request.
type CurvePoint struct {
	Rate  float64 `json:"rate"`
	Burst int64   `json:"burst"`
}

// Curve computes a trace's arrival curve at given rates in one streaming pass, in constant
// memory: for requests at t_1 ≤ … ≤ t_n (seconds) and a rate r,
//
//	b(r) = ceil(max over i ≤ j of (j − i + 1 − r·(t_j − t_i)))
//
// (network calculus: the least burst of a token-bucket envelope of the trace). The inner
// maximum for a given j, x_j = max over i ≤ j of (j − i + 1 − r·(t_j − t_i)), obeys
// x_1 = 1 and x_j = max(1, x_{j−1} + 1 − r·(t_j − t_{j−1})): the deficit a bucket without a
// cap would have just after request j. Computing it from the gaps, not the absolute times,
// keeps float64 exact to about 1e-12 however long the trace.
type Curve struct {
	rates []float64
	x     []float64 // x_j at each rate
	peak  []float64 // max x_j so far
	last  int64     // t_{j} in nanoseconds
	n     int64
}

// NewCurve returns an empty curve at the given rates (requests per second, each > 0).
func NewCurve(rates []float64) *Curve {
	return &Curve{rates: rates, x: make([]float64, len(rates)), peak: make([]float64, len(rates))}
}

// Add adds a request at ns nanoseconds (since any fixed origin); requests must be added in
// time order.
func (c *Curve) Add(ns int64) {
	if c.n == 0 {
		for k := range c.x {
			c.x[k], c.peak[k] = 1, 1
		}
	} else {
		gap := float64(ns-c.last) / 1e9
		for k, r := range c.rates {
			x := max(1, c.x[k]+1-r*gap)
			c.x[k] = x
			c.peak[k] = max(c.peak[k], x)
		}
	}
	c.last = ns
	c.n++
}

// Points returns b(r) at each rate, in the order given; 0 for an empty trace.
func (c *Curve) Points() []CurvePoint {
	out := make([]CurvePoint, len(c.rates))
	for k, r := range c.rates {
		out[k] = CurvePoint{Rate: r}
		if c.n > 0 {
			out[k].Burst = CeilBurst(c.peak[k])
		}
	}
	return out
}

// CeilBurst rounds a maximum of j − i + 1 − r·(t_j − t_i) up to a whole burst, forgiving the
// float rounding of a value that is a whole number in exact arithmetic (1e-9 relative): a
// token bucket holding 1 − 1e-12 tokens holds a whole one too.
func CeilBurst(x float64) int64 {
	return int64(math.Ceil(x - 1e-9*max(1, x)))
}
