package sweep

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
)

func defaultJobs() int { return runtime.GOMAXPROCS(0) }

// seedRun is one simulator run of a candidate.
type seedRun struct {
	seed int64
	sum  *metrics.Summary
	err  error
}

// judge runs every configuration of batch not judged yet on every seed, in parallel
// (runAll, as Run does), and records each as a Candidate in the memo and rec.Points. A run
// that fails for another reason than an invalid scenario stops the search.
func (s *searcher) judge(batch [][]int) error {
	var todo []*Candidate
	for _, ranks := range batch {
		k := key(ranks)
		if s.memo[k] != nil || containsRanks(todo, ranks) {
			continue
		}
		todo = append(todo, s.newCandidate(ranks))
	}
	n := len(s.rec.Seeds)
	runs := make([]seedRun, len(todo)*n)
	left := make([]int, len(todo))
	for i := range left {
		left[i] = n
	}
	runAll(len(runs), s.opts.Jobs, func(i int) {
		c, opts := todo[i/n], s.opts
		seed := s.rec.Seeds[i%n]
		opts.Seed = &seed
		sum, _, err := runOne(s.base, s.assignments(c.Values), opts)
		runs[i] = seedRun{seed: seed, sum: sum, err: err}
	}, func(i int) {
		if left[i/n]--; left[i/n] == 0 {
			s.record(todo[i/n], runs[i/n*n:(i/n+1)*n])
		}
	})
	for i, r := range runs {
		if r.err != nil && !errors.Is(r.err, ErrInvalid) {
			return fmt.Errorf("recommend: %s, seed %d: %w", s.describe(todo[i/n].Values), r.seed, r.err)
		}
	}
	return nil
}

func containsRanks(cs []*Candidate, ranks []int) bool {
	for _, c := range cs {
		if key(c.Ranks) == key(ranks) {
			return true
		}
	}
	return false
}

func (s *searcher) newCandidate(ranks []int) *Candidate {
	c := &Candidate{Ranks: append([]int(nil), ranks...)}
	for j, k := range s.t.Knobs {
		c.Values = append(c.Values, k.value(ranks[j]))
	}
	return c
}

// assignments set each knob to its value in a candidate.
func (s *searcher) assignments(values []float64) []Assignment {
	out := make([]Assignment, len(values))
	for j, k := range s.t.Knobs {
		out[j] = Assignment{Path: k.Path, Kind: k.Kind, Value: values[j]}
	}
	return out
}

// describe writes a configuration as "PATH=V PATH=V".
func (s *searcher) describe(values []float64) string {
	parts := make([]string, len(values))
	for j, a := range s.assignments(values) {
		parts[j] = a.String()
	}
	return strings.Join(parts, " ")
}

// record judges a candidate from its runs, one per seed, and adds it to the memo.
func (s *searcher) record(c *Candidate, runs []seedRun) {
	nslo := len(s.slo)
	c.Holds, c.Worst, c.Margins = make([]bool, nslo), make([]metrics.ThresholdResult, nslo), make([]float64, nslo)
	for k := range c.Margins {
		c.Holds[k], c.Margins[k] = true, math.Inf(1)
		c.Worst[k] = metrics.ThresholdResult{Expr: s.slo[k].Expr, Error: "not run"}
	}
	cost := 0.0
	for _, r := range runs {
		if r.err != nil {
			c.Err = r.err
			continue
		}
		s.rec.Runs++
		s.judgeRun(c, r)
		if v, ok := r.sum.Metrics["cost_usd_per_million"]; ok {
			cost += v / float64(len(runs))
		} else {
			cost = math.NaN()
		}
	}
	c.Cost = cost
	if c.Err != nil {
		c.Cost = math.NaN()
		for k := range c.Holds {
			c.Holds[k], c.Margins[k] = false, math.Inf(-1)
		}
		c.Failing = []string{"INVALID, not run: " + oneLine(c.Err)}
	}
	c.Feasible = c.Err == nil
	for _, h := range c.Holds {
		c.Feasible = c.Feasible && h
	}
	c.Order = len(s.rec.Points) + 1
	s.rec.Points = append(s.rec.Points, c)
	s.memo[key(c.Ranks)] = c
	if s.t.Progress != nil {
		s.t.Progress(c)
	}
}

// judgeRun folds one seed's threshold results into the candidate.
func (s *searcher) judgeRun(c *Candidate, r seedRun) {
	for k, th := range r.sum.Thresholds {
		if k >= len(s.slo) {
			break
		}
		m := math.Inf(-1)
		if th.Error == "" {
			m = Margin(s.slo[k], th.Value)
		}
		if m < c.Margins[k] || c.Worst[k].Error == "not run" {
			c.Margins[k], c.Worst[k] = m, th
		}
		if !th.OK {
			c.Holds[k] = false
			c.Failing = append(c.Failing, fmt.Sprintf("seed %d: %s", r.seed, failing([]metrics.ThresholdResult{th})))
		}
	}
}

// contradiction checks the candidates judged since the last call against every other for a
// contradiction of monotonicity. It returns the first knob two contradicting candidates
// differ in, to scan from, or −1.
func (s *searcher) contradiction() int {
	pts := s.rec.Points
	from := -1
	for i := s.checked; i < len(pts); i++ {
		for _, other := range pts {
			if f := s.contradicts(pts[i], other); f >= 0 && (from < 0 || f < from) {
				from = f
			}
		}
	}
	s.checked = len(pts)
	return from
}

// contradicts returns the first knob a and b differ in when one of them is at least as loose
// as the other in every knob (its ranks are all at least the other's) and an SLO holds at the
// tighter one but fails at the looser; else −1. It notes the first such finding.
func (s *searcher) contradicts(a, b *Candidate) int {
	tight, loose := a, b
	if !looser(loose.Ranks, tight.Ranks) {
		tight, loose = b, a
		if !looser(loose.Ranks, tight.Ranks) {
			return -1
		}
	}
	for k := range s.slo {
		if tight.Holds[k] && !loose.Holds[k] {
			if s.note == "" {
				what := fmt.Sprintf("%q failed", s.slo[k].Expr)
				if loose.Err != nil {
					what = "the scenario was invalid"
				}
				s.note = fmt.Sprintf("%q held at %s but %s at %s, which is as loose or looser in every knob",
					s.slo[k].Expr, s.describe(tight.Values), what, s.describe(loose.Values))
			}
			return firstDiff(a.Ranks, b.Ranks)
		}
	}
	return -1
}

// looser reports whether a is at least as loose as b in every knob, and differs.
func looser(a, b []int) bool {
	for i := range a {
		if a[i] < b[i] {
			return false
		}
	}
	return firstDiff(a, b) >= 0
}

func firstDiff(a, b []int) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// scan judges every configuration of the knobs from `from` on, the knobs before it at their
// chosen ranks, in lexicographic order of preference, a few at a time, and stops at the first
// feasible one: the optimum, whatever the shape of the feasible set.
func (s *searcher) scan(from int, ranks []int) error {
	sizes := make([]int, len(ranks))
	total := 1
	for j := from; j < len(ranks); j++ {
		sizes[j] = len(s.t.Knobs[j].Values)
		if total *= sizes[j]; total > MaxPoints {
			return fmt.Errorf("recommend: the knobs are not monotone (%s) and scanning them would judge more than %d configurations: narrow the ranges or take larger steps", s.note, MaxPoints)
		}
	}
	for j := from; j < len(ranks); j++ {
		s.rec.How[j] = "scanned with " + s.t.Knobs[from].Path
	}
	s.rec.How[from] = "scanned, not bisected: it is not monotone: " + s.note
	cur := append([]int(nil), ranks...)
	for j := from; j < len(cur); j++ {
		cur[j] = 0
	}
	for done := 0; done < total; {
		var batch [][]int
		for ; done < total && len(batch) < s.width(); done++ {
			batch = append(batch, append([]int(nil), cur...))
			nextRanks(cur, sizes, from)
		}
		if err := s.judge(batch); err != nil {
			return err
		}
		for _, p := range batch {
			if c := s.memo[key(p)]; c.Feasible {
				s.rec.Best = c
				return nil
			}
		}
	}
	return nil
}

// nextRanks advances ranks[from:] to the next configuration in lexicographic order.
func nextRanks(ranks, sizes []int, from int) {
	for j := len(ranks) - 1; j >= from; j-- {
		if ranks[j]++; ranks[j] < sizes[j] {
			return
		}
		ranks[j] = 0
	}
}
