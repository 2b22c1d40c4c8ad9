package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Load reads a scenario file, decodes it strictly, applies defaults and validates it. When the
// file has problems, the error is an ErrorList of every one of them in line order (it wraps
// ErrInvalid); a file that cannot be read gives a plain error "read scenario: …".
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return LoadBytes(path, data)
}

// LoadBytes is Load for a file already read; file names it in messages, and its base name
// (without .yaml or .yml) is the scenario's name when the file gives none.
//
// Decoding and validation problems are reported together. A validation problem that only
// follows from a decoding one (a duration that did not parse is also "not greater than 0"; a
// misspelt required field is also missing) is left out.
func LoadBytes(file string, data []byte) (*Scenario, error) {
	s, err := Parse(file, data)
	var errs ErrorList
	if err != nil {
		if !errors.As(err, &errs) || s == nil {
			return nil, err
		}
	}
	s.ApplyDefaults()
	covered := coveredPaths(errs)
	var verrs []error
	if len(errs) == 0 {
		verrs = s.validateVariants()
	}
	for _, e := range append(s.Validate(), verrs...) {
		fe := e.(*FieldError)
		if !slices.ContainsFunc(covered, func(p string) bool { return p == "" || within(fe.Path, p) }) {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *FieldError) int { return cmp.Compare(a.Line, b.Line) })
		return nil, errs
	}
	return s, nil
}

// coveredPaths returns the paths decoding problems already explain: the field that failed to
// decode, and the field an unknown one was probably meant to be.
func coveredPaths(errs ErrorList) []string {
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
		if _, rest, ok := strings.Cut(e.Msg, `(did you mean "`); ok {
			if name, _, ok := strings.Cut(rest, `"`); ok {
				paths = append(paths, join(parentPath(e.Path), name))
			}
		}
	}
	return paths
}
