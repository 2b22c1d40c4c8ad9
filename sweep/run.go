package sweep

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"sync"
	"time"

	"github.com/throttlelab/throttlelab/cost"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
)

// ErrInvalid is wrapped by the error of a point whose scenario fails validation once its
// values are set: the point is reported, not run.
var ErrInvalid = errors.New("invalid scenario")

// Options tune a sweep. The zero value runs on GOMAXPROCS workers with the scenario's seed,
// and merges the cost estimate into each summary.
type Options struct {
	// Jobs is how many points run at once; 0 means GOMAXPROCS.
	Jobs int
	// Seed overrides the scenario's seed (for every point alike) when not nil.
	Seed *int64
	// Finish completes a point's summary before its SLOs are evaluated, as `run` does (the
	// CLI passes its finishSummary: alarms and cost). Nil means DefaultFinish.
	Finish func(sc *scenarios.Scenario, sum *metrics.Summary, ser *metrics.Series)
	// Progress, when set, is called after each point, one call at a time; FindMax calls it
	// after each run with total 0 and the value tried.
	Progress func(done, total int, p Point)
}

// DefaultFinish merges the cost estimate (cost.AddToSummary) into a summary.
func DefaultFinish(sc *scenarios.Scenario, sum *metrics.Summary, _ *metrics.Series) {
	cost.AddToSummary(sc, sum)
}

// Assignment is one field set to one value, in its base unit.
type Assignment struct {
	Path  string
	Kind  Kind
	Value float64
}

// String writes the assignment as "PATH=LABEL".
func (a Assignment) String() string { return a.Path + "=" + Label(a.Kind, a.Value) }

// Point is one run of a sweep: the values set (one per axis, in base units) and its summary,
// or why it did not run.
type Point struct {
	Values  []float64
	Summary *metrics.Summary // nil when Err is set
	Err     error            // wraps ErrInvalid for a point that failed validation
	Wall    time.Duration    // how long the simulation took
}

// Prepare returns a deep copy of base, decoded again from its Source bytes, with every
// assignment set and then validated. A copy that fails validation is returned with an error
// wrapping ErrInvalid that lists every problem.
func Prepare(base *scenarios.Scenario, sets []Assignment) (*scenarios.Scenario, error) {
	if len(base.Source) == 0 {
		return nil, errors.New("sweep: the scenario has no source bytes to copy")
	}
	sc, err := scenarios.LoadBytes(base.File, base.Source)
	if err != nil {
		return nil, fmt.Errorf("sweep: decode the scenario again: %w", err)
	}
	for _, a := range sets {
		if err := Set(sc, a.Path, FormatValue(a.Kind, a.Value)); err != nil {
			return nil, err
		}
	}
	if errs := sc.Validate(); len(errs) > 0 {
		return sc, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return sc, nil
}

// runOne prepares and simulates one point, then finishes its summary and evaluates the
// scenario's SLOs on it.
func runOne(base *scenarios.Scenario, sets []Assignment, opts Options) (*metrics.Summary, time.Duration, error) {
	sc, err := Prepare(base, sets)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	res, err := sim.Run(context.Background(), sc, sim.Options{Seed: opts.Seed})
	wall := time.Since(start)
	if err != nil {
		return nil, wall, fmt.Errorf("run %s: %w", sc.Name, err)
	}
	finish := opts.Finish
	if finish == nil {
		finish = DefaultFinish
	}
	finish(sc, res.Summary, res.Series)
	res.Summary.Thresholds = reports.Evaluate(res.Summary, sc.SLO)
	return res.Summary, wall, nil
}

// Run simulates base at every point of the axes' grid (Grid), on opts.Jobs workers, and
// returns the points in grid order. fixed are set before each point's own values. A point
// that fails validation or whose run fails carries its error; the others their summary.
func Run(base *scenarios.Scenario, axes []Axis, fixed []Assignment, opts Options) ([]Point, error) {
	grid, err := Grid(axes)
	if err != nil {
		return nil, err
	}
	pts := make([]Point, len(grid))
	done := 0
	runAll(len(grid), opts.Jobs, func(i int) {
		p := Point{Values: grid[i]}
		p.Summary, p.Wall, p.Err = runOne(base, assignments(axes, fixed, grid[i]), opts)
		pts[i] = p
	}, func(i int) {
		done++
		if opts.Progress != nil {
			opts.Progress(done, len(grid), pts[i])
		}
	})
	return pts, nil
}

// runAll calls do(i) for every i in [0, n) on jobs goroutines (0 means GOMAXPROCS), and
// after each, then(i) under a lock, one call at a time. It returns when every call is done.
func runAll(n, jobs int, do, then func(i int)) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(jobs, n) {
		wg.Go(func() {
			for i := range next {
				do(i)
				mu.Lock()
				then(i)
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// assignments are the fixed ones, then the point's value of each axis.
func assignments(axes []Axis, fixed []Assignment, values []float64) []Assignment {
	out := append([]Assignment(nil), fixed...)
	for i, a := range axes {
		out = append(out, Assignment{Path: a.Path, Kind: a.Kind, Value: values[i]})
	}
	return out
}

// Flatten returns every metric of a summary under the names thresholds use: the flat
// metrics, "per_priority.P.NAME" and "per_client.C.NAME".
func Flatten(s *metrics.Summary) map[string]float64 {
	out := maps.Clone(s.Metrics)
	if out == nil {
		out = map[string]float64{}
	}
	for prefix, groups := range map[string]map[string]map[string]float64{
		"per_priority.": s.PerPriority, "per_client.": s.PerClient} {
		for g, m := range groups {
			for k, v := range m {
				out[prefix+g+"."+k] = v
			}
		}
	}
	return out
}
