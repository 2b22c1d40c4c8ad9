package sweep

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// MaxPoints bounds a grid, so that a step typed wrong does not start a million runs.
const MaxPoints = 10000

// Axis is one swept field: its path, its kind and the values it takes, in base units (per
// second for rates, seconds for durations).
type Axis struct {
	Path   string
	Kind   Kind
	Values []float64
}

// ParseAxis parses a --set argument: "PATH=FROM..TO:STEP" (FROM, TO and STEP written as the
// field is: "gateway.stage.rate=100..500:100", "queues[0].visibility_timeout=10s..1m:10s"),
// or "PATH=V1,V2,…" for a list of values, or "PATH=V" for one.
func ParseAxis(spec string) (Axis, error) {
	path, vals, ok := cutAssign(spec)
	if !ok {
		return Axis{}, fmt.Errorf("--set %q: want PATH=FROM..TO:STEP or PATH=V1,V2,…", spec)
	}
	kind, err := KindOf(path)
	if err != nil {
		return Axis{}, err
	}
	a := Axis{Path: path, Kind: kind}
	if strings.Contains(vals, "..") {
		a.Values, err = stepValues(kind, vals)
	} else {
		a.Values, err = listValues(kind, vals)
	}
	if err != nil {
		return Axis{}, fmt.Errorf("--set %s: %w", spec, err)
	}
	return a, nil
}

// cutAssign splits "PATH=VALUES" at the first = outside brackets.
func cutAssign(spec string) (string, string, bool) {
	depth := 0
	for i, c := range spec {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case '=':
			if depth == 0 {
				return strings.TrimSpace(spec[:i]), strings.TrimSpace(spec[i+1:]), i > 0
			}
		}
	}
	return "", "", false
}

func stepValues(kind Kind, s string) ([]float64, error) {
	rng, stepText, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("want FROM..TO:STEP")
	}
	from, to, err := ParseRange(kind, rng)
	if err != nil {
		return nil, err
	}
	step, err := ParseValue(kind, stepText)
	if err != nil {
		return nil, err
	}
	if !(step > 0) {
		return nil, fmt.Errorf("STEP must be greater than 0")
	}
	if kind == KindInt && step != math.Trunc(step) {
		return nil, fmt.Errorf("STEP of a whole-number field must be whole")
	}
	n := math.Floor((to-from)/step*(1+1e-12)) + 1
	if n > MaxPoints {
		return nil, fmt.Errorf("%g values: more than %d", n, MaxPoints)
	}
	out := make([]float64, int(n))
	for i := range out {
		out[i] = clean(from + float64(i)*step)
	}
	return out, nil
}

func listValues(kind Kind, s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		v, err := ParseValue(kind, part)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseRange parses "FROM..TO" of a field of kind, FROM not above TO.
func ParseRange(kind Kind, s string) (from, to float64, err error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return 0, 0, fmt.Errorf("range %q: want FROM..TO", s)
	}
	if from, err = ParseValue(kind, a); err != nil {
		return 0, 0, err
	}
	if to, err = ParseValue(kind, b); err != nil {
		return 0, 0, err
	}
	if from > to {
		return 0, 0, fmt.Errorf("range %q: FROM is above TO", s)
	}
	return from, to, nil
}

// clean drops the float noise of repeated steps (0.1+0.2 → 0.3).
func clean(v float64) float64 {
	c, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return c
}

// ParseValue parses a value as a field of kind is written, into its base unit: per second for
// rates ("6000/m" is 100), seconds for durations ("1m30s" is 90).
func ParseValue(kind Kind, s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch kind {
	case KindRate:
		return scenarios.ParseRate(s)
	case KindDuration:
		d, err := scenarios.ParseDuration(s)
		return d.Seconds(), err
	case KindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
		return float64(n), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// FormatValue writes a value in base units as Set takes it: a rate as a number per second, a
// duration as a Go duration.
func FormatValue(kind Kind, v float64) string {
	switch kind {
	case KindDuration:
		return scenarios.ShortDuration(time.Duration(math.Round(v * 1e9)))
	case KindInt:
		return strconv.FormatInt(int64(math.Round(v)), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Label writes a value for people: rates with "/s", durations as Go durations.
func Label(kind Kind, v float64) string {
	if kind == KindRate {
		return strconv.FormatFloat(clean(v), 'f', -1, 64) + "/s"
	}
	return FormatValue(kind, v)
}

// Unit names the base unit of a kind for axis labels: "per second", "seconds", or "".
func (k Kind) Unit() string {
	switch k {
	case KindRate:
		return "per second"
	case KindDuration:
		return "seconds"
	}
	return ""
}

// Grid returns the cartesian product of the axes' values, the first axis varying slowest.
func Grid(axes []Axis) ([][]float64, error) {
	n := 1
	for _, a := range axes {
		n *= len(a.Values)
		if n > MaxPoints {
			return nil, fmt.Errorf("the grid has more than %d points", MaxPoints)
		}
	}
	out := make([][]float64, 0, n)
	var walk func(prefix []float64, i int)
	walk = func(prefix []float64, i int) {
		if i == len(axes) {
			out = append(out, append([]float64(nil), prefix...))
			return
		}
		for _, v := range axes[i].Values {
			walk(append(prefix, v), i+1)
		}
	}
	walk(nil, 0)
	return out, nil
}
