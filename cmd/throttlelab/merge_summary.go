package main

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// How merge combines one metric of the shards' summaries.
type mergeRule int

const (
	mergeSum  mergeRule = iota // counters: the run's count is the shards' sum
	mergeMax                   // maxima, and what has no exact merge (an upper bound)
	mergeMean                  // means, weighted by their count
	mergeDrop                  // recomputed afterwards (cost, alarms) or from the merged totals
)

// meanWeights names the count each mean is over, in the flat metrics and in a group's.
var meanWeights = map[string][2]string{
	"e2e_seconds_mean":        {"completed_total", "completed_total"},
	"queue_wait_seconds_mean": {"queue_deleted_total", "completed_total"},
	"downstream_seconds_mean": {"downstream_ok_total", "downstream_ok_total"},
}

// ruleFor is how metric name merges. Counters (_total, _at_end) and utilization (the shards'
// successful calls against one quota) add up; maxima take the largest; means are weighted;
// a percentile with no distribution to merge takes the largest shard's, an upper bound of
// the merged one (each shard's quantile bounds the mixture's from above when it is largest).
// The cost and alarm metrics, and the over-grant, are computed again on the merged totals.
func ruleFor(name string) mergeRule {
	switch {
	case strings.HasPrefix(name, "alarm.") || strings.HasPrefix(name, "cost"):
		return mergeDrop
	case name == "downstream_overgrant":
		return mergeDrop
	case strings.HasSuffix(name, "_total") || strings.HasSuffix(name, "_at_end") || name == "downstream_utilization":
		return mergeSum
	case strings.HasSuffix(name, "_mean"):
		return mergeMean
	}
	return mergeMax
}

// mergeMetrics merges one metrics map of each shard (flat: group false; a client's or a
// priority's: true). It returns the names it took as an upper bound (percentiles).
func mergeMetrics(ms []map[string]float64, group bool) (map[string]float64, []string) {
	out := map[string]float64{}
	var bounds []string
	for _, name := range metricNames(ms) {
		switch ruleFor(name) {
		case mergeSum:
			for _, m := range ms {
				out[name] += m[name]
			}
		case mergeMax:
			out[name] = math.Inf(-1)
			for _, m := range ms {
				if v, ok := m[name]; ok {
					out[name] = max(out[name], v)
				}
			}
			if isPercentile(name) && len(ms) > 1 {
				bounds = append(bounds, name)
			}
		case mergeMean:
			out[name] = weightedMean(ms, name, group)
		}
	}
	return out, bounds
}

func isPercentile(name string) bool {
	i := strings.LastIndex(name, "_p")
	return i > 0 && strings.Trim(name[i+2:], "0123456789") == ""
}

func metricNames(ms []map[string]float64) []string {
	var names []string
	for _, m := range ms {
		for k := range m {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func weightedMean(ms []map[string]float64, name string, group bool) float64 {
	w, ok := meanWeights[name]
	weight := "offered_total"
	if ok {
		weight = w[0]
		if group {
			weight = w[1]
		}
	}
	var sum, n float64
	for _, m := range ms {
		sum += m[name] * m[weight]
		n += m[weight]
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// mergeSummaries combines the shards' summaries: totals are sums, the ledger is summed and
// checked again, end-to-end percentiles come from the merged latency quantiles.
func mergeSummaries(sc *scenarios.Scenario, ss []*metrics.Summary) *metrics.Summary {
	out := &metrics.Summary{Scenario: ss[0].Scenario, Mode: "live", Seed: ss[0].Seed, Target: ss[0].Target,
		OfferedSeconds: ss[0].OfferedSeconds, PerClient: map[string]map[string]float64{},
		PerPriority: map[string]map[string]float64{}, Thresholds: []metrics.ThresholdResult{}}
	var bounds []string
	flat := make([]map[string]float64, len(ss))
	for i, s := range ss {
		out.EndedSeconds = max(out.EndedSeconds, s.EndedSeconds)
		flat[i] = s.Metrics
	}
	out.Metrics, bounds = mergeMetrics(flat, false)
	for _, groups := range []struct {
		dst map[string]map[string]float64
		get func(*metrics.Summary) map[string]map[string]float64
	}{{out.PerClient, func(s *metrics.Summary) map[string]map[string]float64 { return s.PerClient }},
		{out.PerPriority, func(s *metrics.Summary) map[string]map[string]float64 { return s.PerPriority }}} {
		for _, name := range groupNames(ss, groups.get) {
			var ms []map[string]float64
			for _, s := range ss {
				if m, ok := groups.get(s)[name]; ok {
					ms = append(ms, m)
				}
			}
			groups.dst[name], _ = mergeMetrics(ms, true)
		}
	}
	out.Ledger = mergeLedgers(ss)
	out.Latency = mergeLatency(ss, out)
	if out.Latency == nil && len(bounds) > 0 {
		out.Notes = append(out.Notes, "the shards' summaries carry no latency quantiles: "+
			strings.Join(bounds, ", ")+" are the largest shard's, an upper bound of the run's")
	}
	overgrant(sc, out)
	return out
}

func groupNames(ss []*metrics.Summary, get func(*metrics.Summary) map[string]map[string]float64) []string {
	var names []string
	for _, s := range ss {
		for k := range get(s) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// overgrant is downstream_overgrant on the merged count of admitted calls: over the
// scenario's tightest declared quota, for the run's length.
func overgrant(sc *scenarios.Scenario, s *metrics.Summary) {
	d := sc.Downstream
	if d == nil || len(d.Quotas) == 0 {
		return
	}
	bound := math.Inf(1)
	for _, q := range d.Quotas {
		t := metrics.Tier{Limit: q.Limit, Per: q.Per.D(), Window: q.Window}
		bound = min(bound, t.Bound(time.Duration(s.EndedSeconds*float64(time.Second))))
	}
	s.Metrics["downstream_overgrant"] = max(0, s.Metrics["downstream_admitted_total"]/bound-1)
}

// mergeLedgers sums the shards' ledgers and judges the sum as a run's ledger is judged.
func mergeLedgers(ss []*metrics.Summary) metrics.Ledger {
	l := metrics.Ledger{Rejected: map[string]int64{}, Failed: map[string]int64{}, InFlight: map[string]int64{}}
	for _, s := range ss {
		x := s.Ledger
		l.Offered += x.Offered
		l.Completed += x.Completed
		for _, p := range [][2]map[string]int64{{l.Rejected, x.Rejected}, {l.Failed, x.Failed}, {l.InFlight, x.InFlight}} {
			for k, n := range p[1] {
				p[0][k] += n
			}
		}
	}
	l.Lost = l.Offered - l.Completed - sumOf(l.Rejected) - sumOf(l.Failed) - sumOf(l.InFlight)
	switch {
	case l.Lost == 0:
		l.Verdict = "every request is accounted for"
	case l.Lost > 0:
		l.Verdict = fmt.Sprintf("%d requests offered but neither ended nor found in flight, over the shards: a bug in the harness or the emulated design", l.Lost)
	default:
		l.Verdict = fmt.Sprintf("%d requests ended or found in flight beyond what was offered, over the shards: a request was counted twice (a harness bug)", -l.Lost)
	}
	return l
}

func sumOf(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

var ownShardNote = regexp.MustCompile(`^shard \d+/\d+:`)

// shardNotes are the shards' notes, each once, but for each shard's own "shard I/N" line.
func shardNotes(ss []*metrics.Summary) []string {
	var out []string
	for _, s := range ss {
		for _, n := range s.Notes {
			if !ownShardNote.MatchString(n) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}
