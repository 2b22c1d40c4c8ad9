// Package sweep runs one scenario over a grid of values of its numeric fields, and finds the
// largest value of one field that keeps every SLO (the breaking point), in the simulator.
//
// A field is named by its path of YAML names, as in validation messages:
// "gateway.stage.rate", "consumer.concurrency", "clients[0].arrival.rate",
// "downstream.quotas[0].limit", "queues[0].visibility_timeout",
// `gateway.methods["POST /orders"].rate`.
package sweep

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/scenarios"
)

// Kind is the kind of a numeric field, which says how its values are written and counted.
type Kind int

// The kinds of numeric fields.
const (
	KindInt      Kind = iota // a whole number: "10"
	KindFloat                // a number: "0.25"
	KindRate                 // a rate: "200/s", "6000/m" or a number per second; counted per second
	KindDuration             // a Go duration: "250ms", "30s", "2d"; counted in seconds
)

var (
	rateType     = reflect.TypeFor[scenarios.Rate]()
	durationType = reflect.TypeFor[scenarios.Duration]()
	scenarioType = reflect.TypeFor[scenarios.Scenario]()
)

// step is one part of a path: a field's YAML name and the indexes after it ("0" of a list,
// a key of a map).
type step struct {
	name    string
	indexes []string
}

// parsePath splits a path into steps. A map key may be quoted ("methods[\"GET /a.b\"]") so
// that it can hold dots and brackets.
func parsePath(path string) ([]step, error) {
	var steps []step
	cur := &step{}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			if cur.name == "" {
				return nil, fmt.Errorf("path %q: empty field name", path)
			}
			steps = append(steps, *cur)
			cur = &step{}
		case '[':
			key, n, err := bracket(path[i:])
			if err != nil || cur.name == "" {
				return nil, fmt.Errorf("path %q: want NAME[INDEX] or NAME[\"KEY\"]", path)
			}
			cur.indexes = append(cur.indexes, key)
			i += n - 1
		default:
			if len(cur.indexes) > 0 {
				return nil, fmt.Errorf("path %q: want . after ]", path)
			}
			cur.name += string(c)
		}
	}
	if cur.name == "" {
		return nil, fmt.Errorf("path %q: empty field name", path)
	}
	return append(steps, *cur), nil
}

// bracket reads "[INDEX]" or "[\"KEY\"]" at the start of s, returning its content and length.
func bracket(s string) (string, int, error) {
	if strings.HasPrefix(s, `["`) {
		end := strings.Index(s[2:], `"]`)
		if end < 0 {
			return "", 0, fmt.Errorf("unclosed quote")
		}
		return s[2 : 2+end], end + 4, nil
	}
	end := strings.IndexByte(s, ']')
	if end < 1 {
		return "", 0, fmt.Errorf("unclosed bracket")
	}
	return s[1:end], end + 1, nil
}

// KindOf returns the kind of the numeric field at path, or an error naming what is wrong: an
// unknown field (with the fields known at that level), an index into something that is not
// a list or map, or a field that is not a number.
func KindOf(path string) (Kind, error) {
	t, err := leafType(path)
	if err != nil {
		return 0, err
	}
	if k, ok := kindOfType(t); ok {
		return k, nil
	}
	if t.Kind() == reflect.Struct {
		return 0, fmt.Errorf("%s is not a numeric field: name one of its fields (%s)", path, strings.Join(yamlNames(t), ", "))
	}
	return 0, fmt.Errorf("%s is not a numeric field (it holds a %s)", path, t.Kind())
}

// leafType walks the scenario's types along path.
func leafType(path string) (reflect.Type, error) {
	steps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	t, at := scenarioType, ""
	for _, st := range steps {
		t = derefType(t)
		if t.Kind() != reflect.Struct {
			return nil, fmt.Errorf("%s: %s has no fields", path, at)
		}
		f, ok := fieldByYAML(t, st.name)
		if !ok {
			return nil, fmt.Errorf("%s: unknown field %q in %s%s", path, st.name, where(at), scenarios.Suggest(st.name, yamlNames(t)))
		}
		t, at = f.Type, join(at, st.name)
		for _, ix := range st.indexes {
			switch t = derefType(t); t.Kind() {
			case reflect.Slice:
				if n, err := strconv.Atoi(ix); err != nil || n < 0 {
					return nil, fmt.Errorf("%s: %s is a list: index it with a number, not %q", path, at, ix)
				}
			case reflect.Map:
			default:
				return nil, fmt.Errorf("%s: %s is not a list or map", path, at)
			}
			t, at = t.Elem(), at+"["+ix+"]"
		}
	}
	return derefType(t), nil
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func where(at string) string {
	if at == "" {
		return "the scenario"
	}
	return at
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// fieldByYAML returns the field of struct type t whose yaml tag names name.
func fieldByYAML(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// yamlNames lists the YAML names of t's fields, in declaration order.
func yamlNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && yamlName(f) != "" && yamlName(f) != "-" {
			out = append(out, yamlName(f))
		}
	}
	return out
}

// Set writes value into the numeric field of sc at path, allocating the pointers on the way
// (a scenario without a gateway section gets one for "gateway.stage.rate"). A rate field
// takes "N/unit" or a number per second, a duration field a Go duration ("250ms", "2d"), an
// integer field a whole number, a float field a number. List indexes must exist; map keys
// too. An unknown path is an error naming the fields known at the level where it went
// wrong, and leaves sc unchanged. Set does not validate the result: call sc.Validate.
func Set(sc *scenarios.Scenario, path, value string) error {
	if _, err := KindOf(path); err != nil {
		return err
	}
	steps, _ := parsePath(path)
	return setIn(reflect.ValueOf(sc).Elem(), steps, "", value)
}

// setIn sets the field steps name below the struct value v, whose path is at.
func setIn(v reflect.Value, steps []step, at, value string) error {
	v = deref(v)
	if len(steps) == 0 {
		return setLeaf(v, at, value)
	}
	st := steps[0]
	f, _ := fieldByYAML(v.Type(), st.name)
	return setIndexed(v.FieldByIndex(f.Index), st.indexes, steps[1:], join(at, st.name), value)
}

// setIndexed follows the indexes of one step, then the rest of the path.
func setIndexed(v reflect.Value, indexes []string, rest []step, at, value string) error {
	if len(indexes) == 0 {
		return setIn(v, rest, at, value)
	}
	v = deref(v)
	ix := indexes[0]
	if v.Kind() == reflect.Slice {
		i, _ := strconv.Atoi(ix)
		if i >= v.Len() {
			return fmt.Errorf("%s[%d]: %s has %d entries", at, i, at, v.Len())
		}
		return setIndexed(v.Index(i), indexes[1:], rest, at+"["+ix+"]", value)
	}
	key := reflect.ValueOf(ix).Convert(v.Type().Key())
	e := v.MapIndex(key)
	if !e.IsValid() {
		return fmt.Errorf("%s[%q]: %s has no such key (keys: %s)", at, ix, at, mapKeys(v))
	}
	cp := reflect.New(e.Type()).Elem()
	cp.Set(e)
	if err := setIndexed(cp, indexes[1:], rest, at+"["+strconv.Quote(ix)+"]", value); err != nil {
		return err
	}
	v.SetMapIndex(key, cp)
	return nil
}

func mapKeys(m reflect.Value) string {
	var keys []string
	for _, k := range m.MapKeys() {
		keys = append(keys, strconv.Quote(k.String()))
	}
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}

// deref follows pointers, allocating nil ones.
func deref(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	return v
}

// setLeaf parses s into the numeric field v.
func setLeaf(v reflect.Value, at, s string) error {
	kind, _ := kindOfType(v.Type())
	x, err := ParseValue(kind, s)
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	switch kind {
	case KindDuration:
		v.SetInt(int64(math.Round(x * 1e9)))
	case KindInt:
		if v.OverflowInt(int64(x)) {
			return fmt.Errorf("%s: %s is out of range", at, s)
		}
		v.SetInt(int64(x))
	default:
		v.SetFloat(x)
	}
	return nil
}

func kindOfType(t reflect.Type) (Kind, bool) {
	switch {
	case t == rateType:
		return KindRate, true
	case t == durationType:
		return KindDuration, true
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return KindInt, true
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return KindFloat, true
	}
	return 0, false
}
