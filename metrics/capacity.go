package metrics

import (
	"math"
	"time"
)

// Capacity returns the most calls a quota tier can admit over [0, span) of a run that began at
// epoch:
//
//   - token-bucket (rate Limit/Per, burst Limit, starting full): Limit + Limit/Per × span;
//   - sliding (at most Limit in any interval of length Per): Limit × ⌈span/Per⌉;
//   - fixed (calendar-aligned windows of length Per): Limit × the number of windows that
//     [epoch, epoch+span) touches.
func (t Tier) Capacity(span time.Duration, epoch time.Time) float64 {
	if t.Per <= 0 || span <= 0 {
		return 0
	}
	l := float64(t.Limit)
	switch t.Window {
	case "token-bucket":
		return l + l*span.Seconds()/t.Per.Seconds()
	case "sliding":
		return l * math.Ceil(float64(span)/float64(t.Per))
	default:
		start := epoch.UnixNano()
		first := floorDiv(start, int64(t.Per))
		last := floorDiv(start+int64(span)-1, int64(t.Per))
		return l * float64(last-first+1)
	}
}

// Bound is the over-grant denominator of SCENARIOS.md: burst + rate × span, with burst Limit
// and rate Limit/Per.
func (t Tier) Bound(span time.Duration) float64 {
	l := float64(t.Limit)
	return l + l*span.Seconds()/t.Per.Seconds()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// utilization is downstream 2xx calls started while load was offered ÷ the capacity of the
// tightest tier over that time; 0 when the API has no quota.
func (r *Recorder) utilization() float64 {
	best := math.Inf(1)
	for _, t := range r.cfg.Tiers {
		best = min(best, t.Capacity(r.cfg.Offered, r.cfg.Epoch))
	}
	if math.IsInf(best, 1) || best <= 0 {
		return 0
	}
	return float64(r.tot.okInOffered) / best
}

// overgrant is calls the API admitted ÷ (burst + rate × T) − 1 for its tightest tier over the
// whole run, floored at 0: 0 for an exact limiter.
func (r *Recorder) overgrant(end time.Duration) float64 {
	best := math.Inf(1)
	for _, t := range r.cfg.Tiers {
		best = min(best, t.Bound(end))
	}
	if math.IsInf(best, 1) || best <= 0 {
		return 0
	}
	return max(0, float64(r.tot.admittedByAPI)/best-1)
}

// rateCap is the calls per second the tightest short tier allows, for the per-second
// utilization column: tiers of a minute or less (a day tier's average rate would read as
// a utilization of several hundred percent in any busy second); the tightest tier when
// none is that short.
func (r *Recorder) rateCap() float64 {
	best, short := math.Inf(1), math.Inf(1)
	for _, t := range r.cfg.Tiers {
		rate := float64(t.Limit) / t.Per.Seconds()
		best = min(best, rate)
		if t.Per <= time.Minute {
			short = min(short, rate)
		}
	}
	if !math.IsInf(short, 1) {
		return short
	}
	if math.IsInf(best, 1) {
		return 0
	}
	return best
}
