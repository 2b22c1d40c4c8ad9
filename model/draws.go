package model

import (
	"math"
	"math/rand/v2"
	"time"
)

// LatencyDraws hands out samples of one Latency drawn ahead, a block at a time, from a
// stream of their own. Samples are independent, so drawing them ahead changes nothing about
// their distribution, and the n-th sample handed out depends only on the stream's seed, not
// on how other draws interleave. Drawing a block in one tight loop is also several times
// faster than one sample at a time: a lognormal sample is a chain of dependent floating-point
// steps (a normal draw, then exp) that the processor overlaps only across independent samples.
//
// The simulator gives its API one (API.UseDraws); live mode's fake API samples per call.
// A LatencyDraws is not safe for concurrent use.
type LatencyDraws struct {
	fill func(buf []time.Duration)
	buf  []time.Duration
	i    int
}

// normals is scratch space for a block of standard normal draws.
type normals [drawBlock]float64

// drawBlock is how many samples LatencyDraws draws at a time: enough to overlap the chains,
// small enough to stay in the first-level cache.
const drawBlock = 512

// NewLatencyDraws returns draws of lat from rng, which nothing else may use.
func NewLatencyDraws(lat Latency, rng *rand.Rand) *LatencyDraws {
	d := &LatencyDraws{buf: make([]time.Duration, drawBlock)}
	d.i = len(d.buf)
	if ln, ok := lat.(lognormalLatency); ok {
		z := new(normals)
		d.fill = func(buf []time.Duration) { ln.fill(rng, buf, z) }
	} else {
		d.fill = func(buf []time.Duration) {
			for i := range buf {
				buf[i] = lat.Sample(rng)
			}
		}
	}
	return d
}

// Next returns the next sample.
func (d *LatencyDraws) Next() time.Duration {
	if d.i == len(d.buf) {
		d.fill(d.buf)
		d.i = 0
	}
	v := d.buf[d.i]
	d.i++
	return v
}

// fill is Sample for every element of buf (len(buf) ≤ drawBlock), in order: the same
// samples from the same rng. The normal draws come first, so that the exps, independent of
// one another, overlap.
func (l lognormalLatency) fill(rng *rand.Rand, buf []time.Duration, z *normals) {
	zs := z[:len(buf)]
	for i := range zs {
		zs[i] = rng.NormFloat64()
	}
	for i, x := range zs {
		buf[i] = latencyNs(math.Exp(l.mu + l.sigma*x))
	}
}
