package reports

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// timeAxis is the shared x axis of a report's time charts: seconds since the run's start,
// labelled in seconds for runs up to 5 minutes, as m:ss up to 3 hours and as h:mm beyond.
type timeAxis struct {
	end    float64 // seconds: the last row of the series + 1
	bucket int     // seconds aggregated into one plotted point (1 for short runs)
}

// chartMaxPoints bounds the points of one line: a day of seconds is drawn minute by minute.
const chartMaxPoints = 1500

// bucketSizes are the aggregation steps a long series may be drawn at, in seconds.
var bucketSizes = []int{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600}

// newTimeAxis returns the axis for a series of rows seconds.
func newTimeAxis(rows int) timeAxis {
	a := timeAxis{end: float64(max(rows, 1)), bucket: 1}
	for _, b := range bucketSizes {
		a.bucket = b
		if rows/b <= chartMaxPoints {
			break
		}
	}
	return a
}

// label is the x axis label; when a point stands for several seconds, it says how they were
// combined.
func (a timeAxis) label() string {
	var l string
	switch {
	case a.end <= 300:
		l = "time since start (s)"
	case a.end <= 3*3600:
		l = "time since start (m:ss)"
	default:
		l = "time since start (h:mm)"
	}
	if a.bucket > 1 {
		l += " · one point per " + bucketWords(a.bucket) + ": the mean of rates, the peak of gauges and latencies"
	}
	return l
}

// bucketWords names an aggregation step: "5 s", "minute", "2 min", "hour".
func bucketWords(sec int) string {
	switch sec {
	case 60:
		return "minute"
	case 3600:
		return "hour"
	}
	return spanWords(float64(sec))
}

// tickSteps are the spacings of labelled time ticks, in seconds.
var tickSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
	10800, 21600, 43200, 86400, 172800, 604800}

// Ticks implements plot.Ticker: at most 13 labelled ticks at a step of tickSteps, with an
// unlabelled tick half way between two labelled ones.
func (a timeAxis) Ticks(lo, hi float64) []plot.Tick {
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if (hi-lo)/s <= 12 {
			step = s
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: a.format(v)})
		if mid := v + step/2; mid <= hi && step >= 2 {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	return ticks
}

// format labels an instant of the axis.
func (a timeAxis) format(v float64) string {
	s := int64(math.Round(v))
	switch {
	case a.end <= 300:
		return strconv.FormatInt(s, 10)
	case a.end <= 3*3600:
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	default:
		return fmt.Sprintf("%d:%02d", s/3600, s%3600/60)
	}
}

// apply sets a panel's x axis to the time axis.
func (a timeAxis) apply(p *plot.Plot) {
	p.X.Min, p.X.Max = 0, a.end
	p.X.Label.Text = a.label()
	p.X.Tick.Marker = a
}

// latencyTicks marks a latency axis in seconds with readable durations ("10ms", "1s"). On a
// log axis the axis's values are log10 of seconds (see logAxis) and the labelled ticks are
// those of logDurationTicks; on a linear one, gonum's default ticks in one unit (seconds,
// minutes or hours) chosen by the axis's top.
type latencyTicks struct{ log bool }

// logDurationTicks are the labelled ticks of a logarithmic latency axis, in seconds.
var logDurationTicks = []plot.Tick{{Value: 1e-6, Label: "1µs"}, {Value: 1e-5, Label: "10µs"},
	{Value: 1e-4, Label: "100µs"}, {Value: 1e-3, Label: "1ms"}, {Value: 1e-2, Label: "10ms"},
	{Value: 0.1, Label: "100ms"}, {Value: 1, Label: "1s"}, {Value: 10, Label: "10s"},
	{Value: 60, Label: "1min"}, {Value: 600, Label: "10min"}, {Value: 3600, Label: "1h"},
	{Value: 36000, Label: "10h"}, {Value: 86400, Label: "1d"}}

// Ticks implements plot.Ticker.
func (t latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	if !t.log {
		return linearDurationTicks(lo, hi)
	}
	var ticks []plot.Tick
	for _, tk := range logDurationTicks {
		if v := math.Log10(tk.Value); v >= lo && v <= hi {
			ticks = append(ticks, plot.Tick{Value: v, Label: tk.Label})
		}
	}
	for e := math.Floor(lo); e <= hi; e++ {
		for k := 2.0; k < 10; k++ {
			if v := e + math.Log10(k); v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// linearDurationTicks places default ticks in minutes or hours when the axis reaches 5 minutes
// or 3 hours, so that every label has the same unit.
func linearDurationTicks(lo, hi float64) []plot.Tick {
	unit, suffix := 1.0, ""
	switch {
	case hi >= 3*3600:
		unit, suffix = 3600, "h"
	case hi >= 300:
		unit, suffix = 60, "min"
	}
	ticks := plot.DefaultTicks{}.Ticks(lo/unit, hi/unit)
	for i := range ticks {
		v := ticks[i].Value
		ticks[i].Value = v * unit
		if ticks[i].Label == "" {
			continue
		}
		switch {
		case v == 0:
			ticks[i].Label = "0"
		case suffix == "" && v < 1:
			ticks[i].Label = durLabel(v)
		case suffix == "":
			ticks[i].Label = strconv.FormatFloat(v, 'g', 4, 64) + "s"
		default:
			ticks[i].Label = strconv.FormatFloat(v, 'g', 4, 64) + suffix
		}
	}
	return ticks
}

// durLabel formats seconds as a short duration: "500µs", "20ms", "1.5s", "90s", "20min", "3h".
func durLabel(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1e-3:
		return strconv.FormatFloat(v*1e6, 'g', 3, 64) + "µs"
	case v < 1:
		return strconv.FormatFloat(v*1e3, 'g', 3, 64) + "ms"
	case v < 120:
		return strconv.FormatFloat(v, 'g', 4, 64) + "s"
	case v < 7200:
		return strconv.FormatFloat(v/60, 'g', 3, 64) + "min"
	default:
		return strconv.FormatFloat(v/3600, 'g', 3, 64) + "h"
	}
}

// countTicks marks a count axis with thousands separators ("48,000").
type countTicks struct{}

// Ticks implements plot.Ticker.
func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label == "" {
			continue
		}
		if v := ticks[i].Value; v == math.Trunc(v) {
			ticks[i].Label = count(v)
		} else {
			ticks[i].Label = strconv.FormatFloat(v, 'g', 4, 64)
		}
	}
	return ticks
}

// spanWords says a number of seconds in words: "90 s", "12 min 30 s", "8 h 40 min".
func spanWords(sec float64) string {
	s := int64(math.Round(sec))
	switch {
	case sec < 1 && sec > 0:
		return strconv.FormatFloat(sec, 'g', 2, 64) + " s"
	case s < 120:
		return fmt.Sprintf("%d s", s)
	case s < 2*3600:
		if s%60 == 0 {
			return fmt.Sprintf("%d min", s/60)
		}
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	default:
		if s%3600/60 == 0 {
			return fmt.Sprintf("%d h", s/3600)
		}
		return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
	}
}
