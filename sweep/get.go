package sweep

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/throttlelab/throttlelab/scenarios"
)

// Get reads the numeric field of sc at path, in base units (per second for rates, seconds for
// durations). A path Set takes but that sc leaves out (a nil section, a missing list entry or
// map key) is an error saying so.
func Get(sc *scenarios.Scenario, path string) (float64, error) {
	kind, err := KindOf(path)
	if err != nil {
		return 0, err
	}
	steps, _ := parsePath(path)
	v := reflect.ValueOf(sc).Elem()
	at := ""
	for _, st := range steps {
		if v, err = follow(v, at); err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		f, _ := fieldByYAML(v.Type(), st.name)
		v, at = v.FieldByIndex(f.Index), join(at, st.name)
		for _, ix := range st.indexes {
			if v, err = follow(v, at); err != nil {
				return 0, fmt.Errorf("%s: %w", path, err)
			}
			if v, err = index(v, ix); err != nil {
				return 0, fmt.Errorf("%s: %s%w", path, at, err)
			}
			at += "[" + ix + "]"
		}
	}
	if v, err = follow(v, at); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	switch kind {
	case KindDuration:
		return float64(v.Int()) / 1e9, nil
	case KindInt:
		return float64(v.Int()), nil
	}
	return v.Float(), nil
}

// follow dereferences pointers, failing on a nil one.
func follow(v reflect.Value, at string) (reflect.Value, error) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return v, fmt.Errorf("%s is not set", where(at))
		}
		v = v.Elem()
	}
	return v, nil
}

func index(v reflect.Value, ix string) (reflect.Value, error) {
	if v.Kind() == reflect.Slice {
		i, _ := strconv.Atoi(ix)
		if i >= v.Len() {
			return v, fmt.Errorf(" has %d entries", v.Len())
		}
		return v.Index(i), nil
	}
	e := v.MapIndex(reflect.ValueOf(ix).Convert(v.Type().Key()))
	if !e.IsValid() {
		return v, fmt.Errorf(" has no key %q", ix)
	}
	return e, nil
}
