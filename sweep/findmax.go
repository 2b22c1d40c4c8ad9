package sweep

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Search asks for the largest value of one numeric field that keeps every SLO.
type Search struct {
	Path     string
	From, To float64 // the range searched, in base units (per second, seconds), From ≤ To
	// Resolution is the width the answer is known to: 0 means (To−From)/100, and a
	// whole-number field's is at least 1.
	Resolution float64
	// SLO are the thresholds to keep ("METRIC OP NUMBER"); nil means the scenario's slo.
	SLO []string
	// Fixed are set on every run before Path.
	Fixed []Assignment
}

// Probe is one run of a search: the value tried and every SLO's verdict on its summary.
type Probe struct {
	Value   float64
	Pass    bool
	Results []metrics.ThresholdResult
	Wall    time.Duration
}

// Result is the outcome of FindMax. When Found, Max is the largest value run that kept
// every SLO; when also Bounded, FailAt is the smallest value run that did not, and the
// breaking point lies in (Max, FailAt], at most Resolution wide. Not Found means From
// already failed.
type Result struct {
	Search
	Kind    Kind
	Kept    []string // the thresholds kept: Search.SLO, or the scenario's
	Probes  []Probe  // in the order they ran
	Found   bool
	Bounded bool // some value failed; false when To itself kept every SLO
	Max     float64
	FailAt  float64
}

// ErrNoSLO is returned by FindMax when neither the search nor the scenario has an SLO.
var ErrNoSLO = errors.New("no SLO to keep: pass --slo or give the scenario an slo list")

// FindMax bisects [From, To] for the largest value of Path whose run keeps every SLO. It
// assumes monotonicity: the SLOs hold up to some value and fail above it, as they do for a
// load or a limit pushed past capacity. It runs From first (not Found when it fails), then
// To (the answer when it passes), then halves the interval between the largest passing and
// the smallest failing value until it is at most Resolution wide. A run that cannot be
// judged (an invalid scenario, a failed simulation) stops the search with an error.
func FindMax(base *scenarios.Scenario, s Search, opts Options) (Result, error) {
	r, err := newResult(base, s)
	if err != nil {
		return r, err
	}
	pass := func(v float64) (bool, error) {
		p, err := r.probe(base, v, opts)
		r.Probes = append(r.Probes, p)
		if opts.Progress != nil {
			opts.Progress(len(r.Probes), 0, Point{Values: []float64{v}, Err: err, Wall: p.Wall})
		}
		return p.Pass, err
	}
	if ok, err := pass(s.From); err != nil || !ok {
		return r, err
	}
	r.Found, r.Max = true, s.From
	if ok, err := pass(s.To); err != nil || ok {
		if ok {
			r.Max = s.To
		}
		return r, err
	}
	r.Bounded, r.FailAt = true, s.To
	return r, r.bisect(pass)
}

// newResult checks the search and resolves its defaults.
func newResult(base *scenarios.Scenario, s Search) (Result, error) {
	kind, err := KindOf(s.Path)
	if err != nil {
		return Result{}, err
	}
	r := Result{Search: s, Kind: kind, Kept: s.SLO}
	if r.Kept == nil {
		r.Kept = base.SLO
	}
	if len(r.Kept) == 0 {
		return r, ErrNoSLO
	}
	r.Resolution = resolution(kind, s)
	return r, nil
}

// bisect halves (Max, FailAt] until it is at most Resolution wide.
func (r *Result) bisect(pass func(float64) (bool, error)) error {
	for r.FailAt-r.Max > r.Resolution {
		mid, ok := midpoint(r.Kind, r.Max, r.FailAt)
		if !ok {
			return nil
		}
		ok, err := pass(mid)
		if err != nil {
			return err
		}
		if ok {
			r.Max = mid
		} else {
			r.FailAt = mid
		}
	}
	return nil
}

func resolution(kind Kind, s Search) float64 {
	res := s.Resolution
	if res <= 0 {
		res = (s.To - s.From) / 100
	}
	if kind == KindInt {
		res = max(1, math.Ceil(res))
	}
	return res
}

// midpoint halves (lo, hi), on whole numbers or nanoseconds when the kind needs it; false
// when no value lies strictly between.
func midpoint(kind Kind, lo, hi float64) (float64, bool) {
	mid := (lo + hi) / 2
	switch kind {
	case KindInt:
		mid = math.Floor(mid)
	case KindDuration:
		mid = math.Round(mid*1e9) / 1e9
	}
	return mid, mid > lo && mid < hi
}

// probe runs the scenario with Path at v and judges it.
func (r *Result) probe(base *scenarios.Scenario, v float64, opts Options) (Probe, error) {
	sets := append(append([]Assignment(nil), r.Fixed...), Assignment{Path: r.Path, Kind: r.Kind, Value: v})
	sum, wall, err := runOne(base, sets, opts)
	p := Probe{Value: v, Wall: wall}
	if err != nil {
		return p, fmt.Errorf("%s=%s: %w", r.Path, Label(r.Kind, v), err)
	}
	p.Results = reports.Evaluate(sum, r.Kept)
	p.Pass = reports.Failed(p.Results) == 0
	return p, nil
}

// WriteText prints the search: what it kept, the table of runs in the order they ran, and
// the answer in plain words.
func (r Result) WriteText(w io.Writer) {
	lbl := func(v float64) string { return Label(r.Kind, v) }
	fmt.Fprintf(w, "find-max %s in [%s, %s], resolution %s, keeping every SLO:\n", r.Path,
		lbl(r.From), lbl(r.To), lbl(r.Resolution))
	for _, s := range r.Kept {
		fmt.Fprintf(w, "  %s\n", s)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  run\t%s\tresult\tfailing SLOs\n", r.Path)
	for i, p := range r.Probes {
		verdict := "pass"
		if !p.Pass {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", i+1, lbl(p.Value), verdict, failing(p.Results))
	}
	tw.Flush()
	fmt.Fprintln(w, r.Answer())
}

// Answer says the outcome in one paragraph.
func (r Result) Answer() string {
	lbl := func(v float64) string { return Label(r.Kind, v) }
	switch {
	case !r.Found:
		return fmt.Sprintf("%s = %s already fails an SLO: no value in the range keeps them all. Lower FROM.",
			r.Path, lbl(r.From))
	case !r.Bounded:
		return fmt.Sprintf("%s = %s, the top of the range, still keeps every SLO: the breaking point is above the range. Raise TO.",
			r.Path, lbl(r.To))
	}
	return fmt.Sprintf("answer: %s = %s is the largest value run that kept every SLO; %s failed, so the breaking point lies between them (resolution %s, %d runs).\n"+
		"This assumes the SLOs hold up to some value and fail above it (monotonicity): the values between the runs were not tried.",
		r.Path, lbl(r.Max), lbl(r.FailAt), lbl(r.Resolution), len(r.Probes))
}

// failing lists the thresholds that did not hold, each with its value.
func failing(rs []metrics.ThresholdResult) string {
	var out []string
	for _, t := range rs {
		switch {
		case t.Error != "":
			out = append(out, t.Expr+" ("+t.Error+")")
		case !t.OK:
			out = append(out, fmt.Sprintf("%s (was %s)", t.Expr, short(t.Value)))
		}
	}
	return strings.Join(out, "; ")
}

// WriteCSV writes find-max.csv: a row per run in the order they ran, with the value (base
// units), pass (true or false), the failing SLOs, then each SLO's metric value.
func (r Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := append([]string{"run", r.Path, "pass", "failing"}, r.Kept...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for i, p := range r.Probes {
		row := []string{strconv.Itoa(i + 1), num(p.Value), strconv.FormatBool(p.Pass), failing(p.Results)}
		for _, t := range p.Results {
			if t.Error != "" {
				row = append(row, "")
			} else {
				row = append(row, num(t.Value))
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteCSVFile writes WriteCSV to path.
func (r Result) WriteCSVFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write find-max csv: %w", err)
	}
	if err := r.WriteCSV(f); err != nil {
		f.Close()
		return fmt.Errorf("write find-max csv: %w", err)
	}
	return f.Close()
}
