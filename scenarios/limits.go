package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds and name lists live on the fields of the scenario types, in two struct tags that both
// Validate and GenerateSchema read, so that neither holds a second copy of a number:
//
//	limit:">=1,<=10; an SQS receive returns at most 10 messages"
//	enum:"windows"
//
// A limit is one or two comparisons (>=, >, <=, <) with a number, or with a duration for a
// Duration field, then optionally "; why", which error messages add in parentheses. An enum
// names a list of enumLists. A field left out of a file and holding its zero value is not
// checked (its default, or its absence, is what counts).

// limit is a field's bounds: numbers, or nanoseconds for a Duration. loN and hiN are lo and
// hi as whole numbers, compared exactly with whole-number fields (durations above 2^53 ns
// would lose their last nanoseconds as floats).
type limit struct {
	lo, hi         float64
	loN, hiN       int64
	hasLo, hasHi   bool
	loOpen, hiOpen bool
	duration       bool
	why            string
}

var durationType = reflect.TypeFor[Duration]()

// parseLimit parses the limit tag of a field of type t (a pointer's element counts).
func parseLimit(tag string, t reflect.Type) (limit, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	l := limit{duration: t == durationType}
	spec, why, _ := strings.Cut(tag, ";")
	l.why = strings.TrimSpace(why)
	for _, c := range strings.Split(spec, ",") {
		c = strings.TrimSpace(c)
		op := strings.TrimRight(c[:min(2, len(c))], "0123456789.-+")
		v, n, err := l.value(strings.TrimSpace(c[len(op):]))
		if err == nil && !l.duration && t.Kind() != reflect.Float64 && v != float64(n) {
			err = fmt.Errorf("a whole-number field needs whole-number bounds")
		}
		if err != nil {
			return l, fmt.Errorf("limit %q: %w", tag, err)
		}
		switch op {
		case ">=", ">":
			l.lo, l.loN, l.hasLo, l.loOpen = v, n, true, op == ">"
		case "<=", "<":
			l.hi, l.hiN, l.hasHi, l.hiOpen = v, n, true, op == "<"
		default:
			return l, fmt.Errorf("limit %q: %q does not start with >=, >, <= or <", tag, c)
		}
	}
	return l, nil
}

// value parses a bound: a duration for a Duration field, else a number.
func (l limit) value(s string) (float64, int64, error) {
	if l.duration {
		d, err := ParseDuration(s)
		return float64(d), int64(d), err
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, int64(math.Floor(f)), err
}

// format writes a bound or a value of the field: a duration as ShortDuration does, but for
// a bound of 0.
func (l limit) format(v float64) string {
	if l.duration && v != 0 {
		return ShortDuration(time.Duration(v))
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// formatInt writes a whole-number value of the field.
func (l limit) formatInt(n int64) string {
	if l.duration {
		return ShortDuration(time.Duration(n))
	}
	return strconv.FormatInt(n, 10)
}

// holds reports whether v is within the limit.
func (l limit) holds(v float64) bool {
	return !(l.hasLo && (v < l.lo || (l.loOpen && v == l.lo))) &&
		!(l.hasHi && (v > l.hi || (l.hiOpen && v == l.hi)))
}

// holdsInt reports whether a whole number n (a count, nanoseconds) is within the limit,
// exactly.
func (l limit) holdsInt(n int64) bool {
	return !(l.hasLo && (n < l.loN || (l.loOpen && n == l.loN))) &&
		!(l.hasHi && (n > l.hiN || (l.hiOpen && n == l.hiN)))
}

// describe says what the limit allows: "between 1 and 10", "greater than 0 and at most 15m".
func (l limit) describe() string {
	lo, hi := "at least "+l.format(l.lo), "at most "+l.format(l.hi)
	if l.loOpen {
		lo = "greater than " + l.format(l.lo)
	}
	if l.hiOpen {
		hi = "less than " + l.format(l.hi)
	}
	switch {
	case l.hasLo && l.hasHi && !l.loOpen && !l.hiOpen:
		return fmt.Sprintf("between %s and %s", l.format(l.lo), l.format(l.hi))
	case l.hasLo && l.hasHi:
		return lo + " and " + hi
	case l.hasLo:
		return lo
	}
	return hi
}

// message is the problem with a value outside the limit, written got.
func (l limit) message(got string) string {
	msg := "must be " + l.describe()
	if l.hasLo && !l.hasHi && l.lo == 0 && !l.loOpen {
		msg = "must not be negative"
	}
	msg += ", got " + got
	if l.why != "" {
		msg += " (" + l.why + ")"
	}
	return msg
}

// fieldRules are the limit and the enum list of a struct field, from its tags.
type fieldRules struct {
	limit *limit
	enum  []string
}

// rulesOf reads a field's limit and enum tags; a malformed tag is a programming error.
func rulesOf(f reflect.StructField) fieldRules {
	var r fieldRules
	if tag, ok := f.Tag.Lookup("limit"); ok {
		l, err := parseLimit(tag, f.Type)
		if err != nil {
			panic(fmt.Sprintf("scenarios: field %s: %v", f.Name, err))
		}
		r.limit = &l
	}
	if name, ok := f.Tag.Lookup("enum"); ok {
		list, known := enumLists[name]
		if !known {
			panic(fmt.Sprintf("scenarios: field %s: enum %q is not in enumLists", f.Name, name))
		}
		r.enum = list
	}
	return r
}

// fieldLimit returns the limit tag of the field of T whose yaml name is name.
func fieldLimit[T any](name string) limit {
	for f := range reflect.TypeFor[T]().Fields() {
		if yamlName(f) == name {
			if r := rulesOf(f); r.limit != nil {
				return *r.limit
			}
		}
	}
	panic("scenarios: no limit on " + reflect.TypeFor[T]().Name() + "." + name)
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// tagged checks the limit and enum tags of every field under rv, except the variants (each
// is checked as the scenario it makes).
func (v *validator) tagged(rv reflect.Value, path string) {
	switch rv.Kind() {
	case reflect.Pointer:
		if !rv.IsNil() {
			v.tagged(rv.Elem(), path)
		}
	case reflect.Slice:
		for i := range rv.Len() {
			v.tagged(rv.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			v.tagged(rv.MapIndex(k), fmt.Sprintf("%s[%q]", path, k.String()))
		}
	case reflect.Struct:
		if rv.Type() == timeType {
			return
		}
		for i, f := range slices.Collect(rv.Type().Fields()) {
			name := yamlName(f)
			if !f.IsExported() || name == "" || name == "-" || name == "variants" {
				continue
			}
			p := join(path, name)
			v.checkField(p, rulesOf(f), rv.Field(i))
			v.tagged(rv.Field(i), p)
		}
	}
}

// checkField checks one field's value against its rules, unless it was left out with its zero
// value.
func (v *validator) checkField(path string, r fieldRules, fv reflect.Value) {
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return
		}
		fv = fv.Elem()
	}
	if fv.IsZero() && !v.given(path) {
		return
	}
	if r.enum != nil {
		v.oneOf(path, path[strings.LastIndexByte(path, '.')+1:], fv.String(), r.enum)
	}
	if r.limit != nil {
		v.within(path, *r.limit, fv)
	}
}

// within checks a number or duration field's value against l.
func (v *validator) within(path string, l limit, fv reflect.Value) {
	switch fv.Kind() {
	case reflect.Int, reflect.Int64:
		if n := fv.Int(); !l.holdsInt(n) {
			v.errf(path, "%s", l.message(l.formatInt(n)))
		}
	case reflect.Float64:
		if x := fv.Float(); !l.holds(x) {
			v.errf(path, "%s", l.message(l.format(x)))
		}
	default:
		panic(fmt.Sprintf("scenarios: limit on %s, a %s", path, fv.Type()))
	}
}
