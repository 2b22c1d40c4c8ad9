package trace

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Period is the busiest usage-plan quota period of a kind.
type Period struct {
	Kind  string    // day, week, month
	Start time.Time // UTC
	Count int64
	Keys  map[string]int64
}

// Timeline counts requests over time: Counts[i] requests from Origin + i·Width on. Width
// starts at a second and doubles whenever the trace would need more than maxTimeline buckets.
type Timeline struct {
	Width  time.Duration
	Counts []int64
}

const maxTimeline = 2048

// window tracks the busiest clock-aligned window of one size.
type window struct {
	size    int64 // nanoseconds
	cur     int64 // index of the current window (time / size)
	count   int64
	peak    Peak
	started bool
}

func (w *window) add(at int64) {
	i := floorDiv(at, w.size)
	if !w.started || i != w.cur {
		w.cur, w.count, w.started = i, 0, true
	}
	if w.count++; w.count > w.peak.Count {
		w.peak = Peak{Count: w.count, At: time.Unix(0, i*w.size).UTC()}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// accumulator gathers an Analysis from a trace's requests, in time order.
type accumulator struct {
	windows [3]window
	days    map[int64]map[string]int64 // by day since the Unix epoch (UTC)
	routes  map[string]int64
	line    Timeline
	origin  int64
	n       int64
	curve   *Curve
}

func newAccumulator(rates []float64) *accumulator {
	return &accumulator{
		windows: [3]window{{size: int64(time.Second)}, {size: int64(time.Minute)}, {size: int64(time.Hour)}},
		days:    map[int64]map[string]int64{}, routes: map[string]int64{},
		line: Timeline{Width: time.Second}, curve: NewCurve(rates),
	}
}

func (c *accumulator) add(r Request) {
	if c.n == 0 {
		c.origin = r.At
	}
	c.n++
	for i := range c.windows {
		c.windows[i].add(r.At)
	}
	day := floorDiv(r.At, int64(24*time.Hour))
	if c.days[day] == nil {
		c.days[day] = map[string]int64{}
	}
	c.days[day][r.Key]++
	if r.Route != "" {
		c.routes[r.Route]++
	}
	c.timeline(r.At - c.origin)
	c.curve.Add(r.At)
}

// timeline counts a request off nanoseconds after the first, coarsening the buckets as needed.
func (c *accumulator) timeline(off int64) {
	i := int(off / int64(c.line.Width))
	for i >= maxTimeline {
		n := (len(c.line.Counts) + 1) / 2
		for j := range n {
			c.line.Counts[j] = c.line.Counts[2*j]
			if 2*j+1 < len(c.line.Counts) {
				c.line.Counts[j] += c.line.Counts[2*j+1]
			}
		}
		c.line.Counts = c.line.Counts[:n]
		c.line.Width *= 2
		i = int(off / int64(c.line.Width))
	}
	for len(c.line.Counts) <= i {
		c.line.Counts = append(c.line.Counts, 0)
	}
	c.line.Counts[i]++
}

func (c *accumulator) finish() *Analysis {
	a := &Analysis{PeakSecond: c.windows[0].peak, PeakMinute: c.windows[1].peak,
		PeakHour: c.windows[2].peak, Timeline: c.line, Curve: c.curve.Points()}
	a.Periods = c.periods()
	names := slices.SortedFunc(maps.Keys(c.routes), func(x, y string) int {
		return cmp.Or(cmp.Compare(c.routes[y], c.routes[x]), cmp.Compare(x, y))
	})
	for _, n := range names[:min(10, len(names))] {
		a.Routes = append(a.Routes, Count{n, c.routes[n]})
	}
	return a
}

// periods finds the busiest day, week (from Sunday) and month (from the 1st), UTC.
func (c *accumulator) periods() []Period {
	kinds := []struct {
		kind  string
		start func(time.Time) time.Time
	}{
		{"day", func(t time.Time) time.Time { return t }},
		{"week", func(t time.Time) time.Time { return t.AddDate(0, 0, -int(t.Weekday())) }},
		{"month", func(t time.Time) time.Time { return t.AddDate(0, 0, 1-t.Day()) }},
	}
	var out []Period
	if len(c.days) == 0 {
		return nil
	}
	for _, k := range kinds {
		sums := map[time.Time]*Period{}
		for _, day := range slices.Sorted(maps.Keys(c.days)) {
			start := k.start(time.Unix(day*86400, 0).UTC())
			p := sums[start]
			if p == nil {
				p = &Period{Kind: k.kind, Start: start, Keys: map[string]int64{}}
				sums[start] = p
			}
			for key, n := range c.days[day] {
				p.Keys[key] += n
				p.Count += n
			}
		}
		best := slices.MaxFunc(slices.Collect(maps.Values(sums)), func(x, y *Period) int {
			return cmp.Or(cmp.Compare(x.Count, y.Count), y.Start.Compare(x.Start))
		})
		out = append(out, *best)
	}
	return out
}
