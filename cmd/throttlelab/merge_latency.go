package main

import (
	"slices"

	"github.com/throttlelab/throttlelab/metrics"
)

// latencyDist is one shard's end-to-end latency distribution for a group: its values at the
// quantiles of the grid, and how many requests it describes.
type latencyDist struct {
	vals []float64
	n    float64
}

// mergeLatency merges the shards' latency quantiles, the run's and each client's and
// priority's, and sets the end-to-end percentiles of out from them (see mergeQuantiles). It
// returns nil when a shard with completed requests carries none (a summary written before
// they were added): out's percentiles then stay the largest shard's.
func mergeLatency(ss []*metrics.Summary, out *metrics.Summary) *metrics.LatencyQuantiles {
	grid := metrics.LatencyGrid
	for _, s := range ss {
		if s.Ledger.Completed > 0 && (s.Latency == nil || !slices.Equal(s.Latency.Quantiles, grid)) {
			return nil
		}
	}
	l := &metrics.LatencyQuantiles{Quantiles: grid, PerClient: map[string][]float64{}, PerPriority: map[string][]float64{}}
	var all []latencyDist
	for _, s := range ss {
		if s.Latency != nil {
			all = append(all, latencyDist{s.Latency.E2E, float64(s.Ledger.Completed)})
		}
	}
	if len(all) == 0 {
		return nil
	}
	l.E2E = mergeQuantiles(grid, all)
	setPercentiles(out.Metrics, grid, l.E2E)
	mergeGroups(ss, grid, l.PerClient, out.PerClient, func(s *metrics.Summary) (map[string][]float64, map[string]map[string]float64) {
		return s.Latency.PerClient, s.PerClient
	})
	mergeGroups(ss, grid, l.PerPriority, out.PerPriority, func(s *metrics.Summary) (map[string][]float64, map[string]map[string]float64) {
		return s.Latency.PerPriority, s.PerPriority
	})
	return l
}

// mergeGroups merges each client's (or priority's) quantiles, weighted by its completions.
func mergeGroups(ss []*metrics.Summary, grid []float64, dst map[string][]float64, ms map[string]map[string]float64,
	get func(*metrics.Summary) (map[string][]float64, map[string]map[string]float64)) {
	byName := map[string][]latencyDist{}
	for _, s := range ss {
		if s.Latency == nil {
			continue
		}
		qs, groups := get(s)
		for name, vals := range qs {
			byName[name] = append(byName[name], latencyDist{vals, groups[name]["completed_total"]})
		}
	}
	for name, ds := range byName {
		dst[name] = mergeQuantiles(grid, ds)
		if m := ms[name]; m != nil {
			setPercentiles(m, grid, dst[name])
		}
	}
}

// setPercentiles sets e2e_seconds_p50, _p90, _p99 and _max from quantiles at grid.
func setPercentiles(m map[string]float64, grid, vals []float64) {
	for name, q := range map[string]float64{"e2e_seconds_p50": 0.5, "e2e_seconds_p90": 0.9, "e2e_seconds_p99": 0.99, "e2e_seconds_max": 1} {
		if i := slices.Index(grid, q); i >= 0 {
			m[name] = vals[i]
		}
	}
}

// mergeQuantiles returns the quantiles at grid of the mixture of the distributions ds, each
// weighted by its count. Each distribution's CDF is taken as linear between its known
// quantiles, with a step where a value repeats (an atom), 0 below its minimum and 1 from
// its maximum: the mixture's CDF is then linear between the union of their values, and each
// quantile is read off it. A single distribution comes back unchanged; between the grid's
// quantiles (1% apart up to the 99th percentile, finer above) the result is an
// interpolation, as any merge of percentiles is.
func mergeQuantiles(grid []float64, ds []latencyDist) []float64 {
	var total float64
	var pts []float64
	for _, d := range ds {
		total += d.n
		pts = append(pts, d.vals...)
	}
	slices.Sort(pts)
	pts = slices.Compact(pts)
	if total == 0 || len(pts) == 0 {
		return make([]float64, len(grid))
	}
	below, upTo := make([]float64, len(pts)), make([]float64, len(pts))
	for i, v := range pts {
		for _, d := range ds {
			b, u := cdfAt(grid, d.vals, v)
			below[i] += d.n * b
			upTo[i] += d.n * u
		}
		below[i] /= total
		upTo[i] /= total
	}
	out := make([]float64, len(grid))
	for j, q := range grid {
		out[j] = quantileOf(pts, below, upTo, q)
	}
	return out
}

// cdfAt returns the shares of a distribution, known by its quantiles vals at grid, that are
// below v and at or below v: linear between the known points, with a step at a repeated one.
func cdfAt(grid, vals []float64, v float64) (below, upTo float64) {
	n := len(vals)
	if n == 0 || v < vals[0] {
		return 0, 0
	}
	if v > vals[n-1] {
		return 1, 1
	}
	lo, _ := slices.BinarySearch(vals, v) // first at or above v
	hi := lo
	for hi < n && vals[hi] == v {
		hi++
	}
	if hi > lo { // v is a known point (a run of them: a step)
		if v == vals[n-1] {
			return grid[lo], 1
		}
		return grid[lo], grid[hi-1]
	}
	// between vals[lo-1] and vals[lo]
	share := grid[lo-1] + (grid[lo]-grid[lo-1])*(v-vals[lo-1])/(vals[lo]-vals[lo-1])
	return share, share
}

// quantileOf reads quantile q off a CDF given at increasing points (the shares below and at
// or below each, linear in between): the smallest value whose share reaches q.
func quantileOf(pts, below, upTo []float64, q float64) float64 {
	const eps = 1e-12
	for i := range pts {
		if upTo[i]+eps < q {
			continue
		}
		if i == 0 || q >= below[i]-eps || below[i] <= upTo[i-1] {
			return pts[i] // at the point, or in its step
		}
		return pts[i-1] + (pts[i]-pts[i-1])*(q-upTo[i-1])/(below[i]-upTo[i-1])
	}
	return pts[len(pts)-1]
}
