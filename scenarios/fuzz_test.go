package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoadBytes feeds arbitrary bytes to the strict decoder, the defaults and the validation
// (LoadBytes): whatever the bytes, they return a scenario or an error, never panic, and every
// problem names the file. The seed corpus in testdata/fuzz/FuzzLoadBytes holds the catalog,
// testdata/*.yaml (as testdata-NAME) and broken files (broken-*: aliases, merge keys,
// duplicate keys, wrong types, values out of range); `make fuzz` explores from there.
func FuzzLoadBytes(f *testing.F) {
	f.Add([]byte("name: fuzz\nduration: 1s\nclients:\n  - {name: c, arrival: {shape: constant, rate: 1/s}}\n"))
	f.Add([]byte("name: [\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadBytes("fuzz.yaml", data)
		if (s == nil) == (err == nil) {
			t.Fatalf("LoadBytes returned scenario %v and error %v: want exactly one", s != nil, err)
		}
		var errs ErrorList
		if err != nil && !errors.As(err, &errs) {
			t.Fatalf("error %v (%T), want an ErrorList", err, err)
		}
		for _, e := range errs {
			if e.File != "fuzz.yaml" || e.Msg == "" || !strings.HasPrefix(e.Error(), "fuzz.yaml") {
				t.Errorf("problem %q does not name the file, or says nothing", e.Error())
			}
		}
	})
}
