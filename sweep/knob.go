package sweep

import (
	"fmt"
	"math"
	"strings"
)

// Knob is one field recommend tunes: its path, kind, the values it may take (in base units,
// ascending) and the direction it is pushed: toward the smallest value (Max false, the
// default: the tightest limit that still holds the SLOs) or toward the largest (Max true: an
// orchestrator's pace, a batch size).
type Knob struct {
	Path   string
	Kind   Kind
	Values []float64
	Step   float64 // the distance between values, in base units
	Max    bool
}

// ParseKnob parses a --tune argument: "PATH=LO..HI[:STEP][,min|max]", LO, HI and STEP written
// as the field is ("gateway.stage.rate=100/s..2000/s:50", "queues[0].visibility_timeout=5s..1m").
// STEP defaults to 1 for a whole-number field and to a hundredth of the range otherwise. The
// values run from LO by STEP up to HI, and HI is always one of them (the last step may be
// shorter), so that the loosest configuration is the one the user named.
func ParseKnob(spec string) (Knob, error) {
	path, vals, ok := cutAssign(spec)
	if !ok {
		return Knob{}, fmt.Errorf("--tune %q: want PATH=LO..HI[:STEP][,min|max]", spec)
	}
	kind, err := KindOf(path)
	if err != nil {
		return Knob{}, fmt.Errorf("--tune %s: %w", spec, err)
	}
	k := Knob{Path: path, Kind: kind}
	if rest, dir, ok := cutLast(vals, ","); ok {
		switch strings.TrimSpace(dir) {
		case "min":
		case "max":
			k.Max = true
		default:
			return Knob{}, fmt.Errorf("--tune %s: direction %q: want min or max", spec, dir)
		}
		vals = rest
	}
	if err := k.parseRange(vals); err != nil {
		return Knob{}, fmt.Errorf("--tune %s: %w", spec, err)
	}
	return k, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// parseRange fills Values and Step from "LO..HI[:STEP]".
func (k *Knob) parseRange(s string) error {
	rng, stepText, hasStep := strings.Cut(s, ":")
	lo, hi, err := ParseRange(k.Kind, rng)
	if err != nil {
		return err
	}
	switch {
	case hasStep:
		if k.Step, err = ParseValue(k.Kind, stepText); err != nil {
			return fmt.Errorf("STEP: %w", err)
		}
	case k.Kind == KindInt:
		k.Step = 1
	default:
		k.Step = clean((hi - lo) / 100)
	}
	if lo == hi {
		k.Values = []float64{lo}
		return nil
	}
	if !(k.Step > 0) {
		return fmt.Errorf("STEP must be greater than 0")
	}
	if k.Kind == KindInt && k.Step != math.Trunc(k.Step) {
		return fmt.Errorf("STEP of a whole-number field must be whole")
	}
	n := math.Floor((hi-lo)/k.Step*(1+1e-12)) + 1
	if n > MaxPoints {
		return fmt.Errorf("%g values: more than %d; take a larger STEP", n, MaxPoints)
	}
	for i := range int(n) {
		k.Values = append(k.Values, clean(lo+float64(i)*k.Step))
	}
	if last := k.Values[len(k.Values)-1]; last < hi {
		k.Values = append(k.Values, hi)
	}
	return nil
}

// Direction is "min" or "max".
func (k Knob) Direction() string {
	if k.Max {
		return "max"
	}
	return "min"
}

// value returns the value at rank r of the knob's order of preference: rank 0 is the value
// its direction prefers (LO for min, HI for max), the last rank the loosest.
func (k Knob) value(r int) float64 {
	if k.Max {
		return k.Values[len(k.Values)-1-r]
	}
	return k.Values[r]
}

// String writes the knob as "PATH in [LO, HI] step S, min".
func (k Knob) String() string {
	lo, hi := Label(k.Kind, k.Values[0]), Label(k.Kind, k.Values[len(k.Values)-1])
	return fmt.Sprintf("%s in [%s, %s] step %s, %s (%d values)", k.Path, lo, hi, Label(k.Kind, k.Step), k.Direction(), len(k.Values))
}
