package scenarios

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
)

// Patterns for values that must be greater than 0. A fraction finer than a nanosecond counts
// as 0 in Go, so a fraction must reach a nanosecond within the digits its unit allows.
const (
	positiveDuration = `(^|[^0-9.])0*[1-9]|\.([0-9]{0,8}[1-9][0-9]*(h|m|s)|[0-9]{0,5}[1-9][0-9]*ms|[0-9]{0,2}[1-9][0-9]*(us|µs|μs))([0-9.]|$)`
	positiveRate     = `^\s*0*(\.0*)?[1-9]`
)

// applyRules writes the limit and enum tags of every field reachable from Scenario into the
// reflected schema: root for Scenario, its $defs for the other types.
func applyRules(root *jsonschema.Schema) error {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type) error
	walk = func(t reflect.Type) error {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == timeType || seen[t] {
			return nil
		}
		seen[t] = true
		obj := root
		if t != reflect.TypeFor[Scenario]() {
			obj = root.Definitions[t.Name()]
		}
		for f := range t.Fields() {
			if !f.IsExported() {
				continue // not in the file (a replay's scanned trace)
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if p, ok := obj.Properties.Get(name); ok {
				if err := applyField(p, f); err != nil {
					return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
				}
			}
			if err := walk(f.Type); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(reflect.TypeFor[Scenario]())
}

// applyField puts a field's enum and limit on its property.
func applyField(p *jsonschema.Schema, f reflect.StructField) error {
	r := rulesOf(f)
	if r.enum != nil {
		p.Enum = nil
		for _, name := range r.enum {
			p.Enum = append(p.Enum, name)
		}
	}
	if r.limit == nil {
		return nil
	}
	l := *r.limit
	p.Description = strings.TrimPrefix(p.Description+"; "+l.describe(), "; ")
	if l.why != "" {
		p.Description += " (" + l.why + ")"
	}
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return durationLimit(p, l)
	case t == reflect.TypeFor[Rate]():
		return rateLimit(p, l)
	case t.Kind() == reflect.Float64:
		numberLimit(p, l, strconv.FormatFloat(l.lo, 'g', -1, 64), strconv.FormatFloat(l.hi, 'g', -1, 64))
	default:
		numberLimit(p, l, strconv.FormatInt(l.loN, 10), strconv.FormatInt(l.hiN, 10))
	}
	return nil
}

func numberLimit(p *jsonschema.Schema, l limit, lo, hi string) {
	switch {
	case l.hasLo && l.loOpen:
		p.ExclusiveMinimum = json.Number(lo)
	case l.hasLo:
		p.Minimum = json.Number(lo)
	}
	switch {
	case l.hasHi && l.hiOpen:
		p.ExclusiveMaximum = json.Number(hi)
	case l.hasHi:
		p.Maximum = json.Number(hi)
	}
}

// durationLimit bounds a Duration property: its string by patterns, its number form (a bare
// 0) by exclusiveMinimum when 0 is out of bounds.
func durationLimit(p *jsonschema.Schema, l limit) error {
	positive := l.hasLo && l.loOpen && l.loN == 0
	switch {
	case l.hasLo && (l.loN < 0 || (l.loN > 0 && l.loOpen)):
		return fmt.Errorf("limit %s: a duration's lower bound must be >0 or >=D", l.describe())
	case l.hasLo && l.loN > 0 && !l.hasHi:
		return fmt.Errorf("limit %s: a duration bounded below by more than 0 needs an upper bound", l.describe())
	case l.hasHi:
		p.Pattern = durationRangePattern(durRange{lo: l.loN, hi: l.hiN, hiOpen: l.hiOpen})
		p.Description += " (in the schema as one number and unit, 0.5h or 720m, whole days, or h, m and s in order, 1h30m)"
		if positive {
			p.AllOf = []*jsonschema.Schema{{Pattern: positiveDuration}}
		}
	case positive:
		p.Pattern = positiveDuration
	}
	if positive || l.loN > 0 {
		p.ExclusiveMinimum = "0"
	}
	return nil
}

// rateLimit bounds a Rate property: only > 0 needs saying (a rate is never negative).
func rateLimit(p *jsonschema.Schema, l limit) error {
	switch {
	case l.hasHi || l.lo != 0:
		return fmt.Errorf("limit %s: a rate may only be >0 or >=0", l.describe())
	case l.loOpen:
		p.Pattern, p.ExclusiveMinimum = positiveRate, "0"
	}
	return nil
}

// runLengthRule bounds duration and drain each by MaxRunLength; their sum only validate checks.
func runLengthRule(root *jsonschema.Schema) {
	all := durationRangePattern(durRange{hi: int64(MaxRunLength)})
	for _, name := range []string{"duration", "drain"} {
		p, _ := root.Properties.Get(name)
		if p.Pattern != "" {
			p.AllOf = append(p.AllOf, &jsonschema.Schema{Pattern: p.Pattern})
		}
		p.Pattern = all
		p.Description += "; at most " + ShortDuration(MaxRunLength) + " with the drain"
	}
}

// conditionals adds the rules that depend on another field's value: which parameters an arrival
// shape and a latency distribution take, a quota offset's bound by period, and an outage's
// status by mode.
func conditionals(defs jsonschema.Definitions) {
	defs["Arrival"].AllOf = paramRules("shape", shapeParams)
	defs["Latency"].AllOf = paramRules("dist", distParams)
	for _, period := range slices.Sorted(maps.Keys(maxOffset)) {
		defs["PlanQuota"].AllOf = append(defs["PlanQuota"].AllOf, when("period", period,
			props("offset", &jsonschema.Schema{Minimum: "0", Maximum: json.Number(strconv.FormatInt(maxOffset[period], 10))})))
	}
	status := &jsonschema.Schema{}
	numberLimit(status, serverError, strconv.FormatInt(serverError.loN, 10), strconv.FormatInt(serverError.hiN, 10))
	errMode := when("mode", "error", props("status", status))
	errMode.Else = props("status", &jsonschema.Schema{Const: 0})
	defs["Outage"].AllOf = []*jsonschema.Schema{errMode}
}

// paramRules says, for each kind, which parameters it requires and which others it refuses.
func paramRules(field string, params map[string][]string) []*jsonschema.Schema {
	var all []string
	for _, ps := range params {
		all = append(all, ps...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	var out []*jsonschema.Schema
	for _, kind := range slices.Sorted(maps.Keys(params)) {
		then := &jsonschema.Schema{Required: params[kind], Properties: jsonschema.NewProperties()}
		for _, p := range all {
			if !slices.Contains(params[kind], p) {
				then.Properties.Set(p, jsonschema.FalseSchema)
			}
		}
		out = append(out, when(field, kind, then))
	}
	return out
}

// when is "if field is value then then".
func when(field, value string, then *jsonschema.Schema) *jsonschema.Schema {
	cond := props(field, &jsonschema.Schema{Const: value})
	cond.Required = []string{field}
	return &jsonschema.Schema{If: cond, Then: then}
}

func props(name string, s *jsonschema.Schema) *jsonschema.Schema {
	p := jsonschema.NewProperties()
	p.Set(name, s)
	return &jsonschema.Schema{Properties: p}
}
