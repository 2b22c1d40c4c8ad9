package sweep

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// DefaultSeeds is how many seeds recommend checks each candidate with when Tuning.Seeds is 0.
const DefaultSeeds = 3

// Tuning asks Recommend for the best configuration of some knobs that holds every SLO of the
// scenario on every seed.
type Tuning struct {
	Knobs []Knob
	// Seeds is how many seeds each candidate must hold on: the base seed (Options.Seed, else
	// the scenario's) and the Seeds−1 after it. 0 means DefaultSeeds.
	Seeds int
	// Progress, when set, is called after each candidate's runs, one call at a time.
	Progress func(c *Candidate)
}

// Candidate is one configuration recommend judged, on every seed.
type Candidate struct {
	Order  int       // 1 for the first judged, then 2, …
	Ranks  []int     // per knob, its rank in the knob's order of preference (0 = most preferred)
	Values []float64 // per knob, its value in base units
	// Err is set when the configuration is not a valid scenario (it wraps ErrInvalid): it was
	// not run, and counts as holding no SLO.
	Err      error
	Feasible bool // every SLO held on every seed
	// Per SLO of the scenario, in its order: whether it held on every seed, and its result on
	// the seed where its margin was smallest (Worst[i].Value is that seed's value).
	Holds   []bool
	Worst   []metrics.ThresholdResult
	Margins []float64 // per SLO, the smallest margin over the seeds (see Margin)
	Failing []string  // "seed 43: EXPR (was V)", for every SLO that failed on a seed
	// Cost is the mean cost_usd_per_million over the seeds; NaN when a summary had none.
	Cost float64
}

// Recommendation is what Recommend found.
type Recommendation struct {
	Scenario string
	Knobs    []Knob
	SLO      []string
	Seeds    []int64
	// Points are the candidates judged, in the order they were (Order).
	Points []*Candidate
	// Best is the lexicographic optimum of the feasible configurations, nil when the search
	// found none; RunnerUp the next best feasible configuration judged, nil when there is none.
	Best, RunnerUp *Candidate
	// Runs counts the simulator runs (candidates × seeds, invalid ones not run).
	Runs int
	// GridPoints is the size of the full grid of the knobs' values.
	GridPoints float64
	// How says, per knob, how its value was decided: bisected, or scanned and why.
	How []string
	// Assumed is true when the answer rests on the monotonicity of some knob (a bisection).
	Assumed bool
}

// ErrNoFeasible is returned by Recommend when no configuration it judged holds every SLO.
var ErrNoFeasible = errors.New("no configuration in the ranges holds every SLO")

// Recommend searches the knobs for the best configuration that holds every SLO of base on
// every seed: the lexicographic optimum over the feasible set, knobs in the order given, each
// pushed toward its direction. It bisects each knob in turn, with the knobs before it at their
// chosen values and those after at their loosest (their last rank), assuming each knob is
// monotone: moving it away from its direction never breaks an SLO that held. Whenever two
// judged configurations contradict that (an SLO held at one and failed at another at least
// as loose in every knob), it says so and scans instead: every configuration of the knobs
// from the first one the two differ in, in order of preference, stopping at the first
// feasible one. Candidates are memoized and their runs parallel (opts.Jobs).
func Recommend(base *scenarios.Scenario, t Tuning, opts Options) (*Recommendation, error) {
	s, err := newSearcher(base, t, opts)
	if err != nil {
		return nil, err
	}
	err = s.search()
	s.rec.RunnerUp = runnerUp(s.rec)
	for _, how := range s.rec.How {
		s.rec.Assumed = s.rec.Assumed || strings.HasPrefix(how, "bisected")
	}
	if err == nil && s.rec.Best == nil {
		err = ErrNoFeasible
	}
	return s.rec, err
}

// searcher holds a search's state: the memo of judged candidates and what it decided.
type searcher struct {
	base *scenarios.Scenario
	t    Tuning
	opts Options
	slo  []scenarios.Threshold
	rec  *Recommendation
	memo map[string]*Candidate
	// checked is how many of rec.Points were checked for contradictions; note describes the
	// first contradiction found.
	checked int
	note    string
}

func newSearcher(base *scenarios.Scenario, t Tuning, opts Options) (*searcher, error) {
	if len(t.Knobs) == 0 {
		return nil, errors.New("recommend: no knob to tune")
	}
	if len(base.SLO) == 0 {
		return nil, fmt.Errorf("recommend: %s has no slo: give the scenario the thresholds a configuration must hold", base.Name)
	}
	if t.Seeds == 0 {
		t.Seeds = DefaultSeeds
	}
	if t.Seeds < 0 {
		return nil, fmt.Errorf("recommend: %d seeds: want 1 or more", t.Seeds)
	}
	s := &searcher{base: base, t: t, opts: opts, memo: map[string]*Candidate{}}
	s.rec = &Recommendation{Scenario: base.Name, Knobs: t.Knobs, SLO: base.SLO, GridPoints: 1,
		How: make([]string, len(t.Knobs))}
	for _, expr := range base.SLO {
		th, err := scenarios.ParseThreshold(expr)
		if err != nil {
			return nil, fmt.Errorf("recommend: %w", err)
		}
		s.slo = append(s.slo, th)
	}
	first := int64(1)
	if base.Seed != nil {
		first = *base.Seed
	}
	if opts.Seed != nil {
		first = *opts.Seed
	}
	for i := range t.Seeds {
		s.rec.Seeds = append(s.rec.Seeds, first+int64(i))
	}
	for _, k := range t.Knobs {
		s.rec.GridPoints *= float64(len(k.Values))
	}
	return s, nil
}

// last is the loosest rank of knob j.
func (s *searcher) last(j int) int { return len(s.t.Knobs[j].Values) - 1 }

// search decides each knob in turn by bisection, and falls back to a scan on a contradiction.
func (s *searcher) search() error {
	ranks := make([]int, len(s.t.Knobs))
	for j := range ranks {
		ranks[j] = s.last(j)
	}
	for j := range ranks {
		r, from, err := s.bisect(j, ranks)
		if err != nil {
			return err
		}
		if from >= 0 {
			return s.scan(from, ranks)
		}
		if r < 0 {
			return nil // the loosest configuration fails: nothing is feasible
		}
		ranks[j] = r
	}
	s.rec.Best = s.memo[key(ranks)]
	return nil
}

// bisect finds the best rank of knob j, the knobs before it at ranks' values and those after
// at their loosest. It returns the rank (−1 when even the loosest fails), or, when the
// candidates judged contradict monotonicity, the first knob to scan from (else −1).
func (s *searcher) bisect(j int, ranks []int) (best, scanFrom int, err error) {
	at := func(r int) []int {
		p := append([]int(nil), ranks...)
		p[j] = r
		return p
	}
	before, last := len(s.rec.Points), s.last(j)
	// lo is the best rank not known to fail, hi the best known to hold (last+1: none yet). The
	// loosest value goes first, which must hold, with the most preferred, which may.
	lo, hi := 0, last+1
	batch := [][]int{at(last), at(0)}
	for {
		if err := s.judge(batch); err != nil {
			return 0, -1, err
		}
		if from := s.contradiction(); from >= 0 {
			return 0, from, nil
		}
		if lo, hi = narrow(batch, j, lo, hi, s.memo); hi > last {
			s.rec.How[j] = "the loosest configuration fails"
			return -1, -1, nil
		}
		if lo >= hi {
			break
		}
		batch = batch[:0]
		for _, r := range spread(lo, hi, s.width()) {
			batch = append(batch, at(r))
		}
	}
	n := len(s.rec.Points) - before
	s.rec.How[j] = fmt.Sprintf("bisected (%d new candidates; assumes it is monotone)", n)
	if hi == 0 {
		s.rec.How[j] = fmt.Sprintf("its most preferred value holds (%d new candidates)", n)
	}
	return hi, -1, nil
}

// width is how many candidates a bisection round judges at once: enough to keep every job
// busy with their seeds.
func (s *searcher) width() int {
	jobs := s.opts.Jobs
	if jobs <= 0 {
		jobs = defaultJobs()
	}
	return max(1, jobs/s.t.Seeds)
}

// spread returns up to n ranks evenly spaced in [lo, hi), lo < hi, splitting it into n+1
// parts (n = 1: the midpoint).
func spread(lo, hi, n int) []int {
	n = min(n, hi-lo)
	var out []int
	for i := 1; i <= n; i++ {
		r := lo + (hi-lo)*i/(n+1)
		if len(out) == 0 || r > out[len(out)-1] {
			out = append(out, r)
		}
	}
	return out
}

// narrow updates the bisection's bounds with the batch's verdicts: hi becomes the best
// feasible rank, lo the rank after the worst infeasible one below it.
func narrow(batch [][]int, j, lo, hi int, memo map[string]*Candidate) (int, int) {
	for _, p := range batch {
		if memo[key(p)].Feasible && p[j] < hi {
			hi = p[j]
		}
	}
	for _, p := range batch {
		if !memo[key(p)].Feasible && p[j] < hi && p[j]+1 > lo {
			lo = p[j] + 1
		}
	}
	return lo, hi
}

// key identifies a configuration by its ranks.
func key(ranks []int) string {
	var b strings.Builder
	for i, r := range ranks {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r))
	}
	return b.String()
}

// better reports whether a comes before b in the lexicographic order of preference.
func better(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// runnerUp is the best feasible candidate judged other than the answer.
func runnerUp(r *Recommendation) *Candidate {
	var out *Candidate
	for _, c := range r.Points {
		if c.Feasible && c != r.Best && (out == nil || better(c.Ranks, out.Ranks)) {
			out = c
		}
	}
	return out
}

// Margin is how far a threshold's value v is inside (positive) or outside (negative) its
// bound: for < and <=, bound − v; for > and >=, v − bound; for ==, −|v − bound| (0 when it
// holds); for !=, |v − bound|. A NaN value has margin −Inf.
func Margin(t scenarios.Threshold, v float64) float64 {
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	switch t.Op {
	case "<", "<=":
		return t.Value - v
	case ">", ">=":
		return v - t.Value
	case "==":
		return 0 - math.Abs(v-t.Value) // 0, not −0, when it holds
	}
	return math.Abs(v - t.Value)
}
