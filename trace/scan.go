package trace

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/throttlelab/throttlelab/internal/num"
)

// Source is a trace to read, from its first byte each time it is opened.
type Source struct {
	Name string                        // names it in messages: "access.log.gz"
	Open func() (io.ReadCloser, error) // opens it afresh
	// ID identifies its bytes for Scan's cache ("/abs/access.log 1234 2026-01-05T…": path,
	// size and modification time); "" caches nothing.
	ID string
}

// Summary is what a whole trace holds, as a replay with the same Options reads it.
type Summary struct {
	Format string
	Stats
}

// Span is how long a replay at speed (0 means 1) takes to offer every request: from the
// origin to the end of the last request, scaled, rounded up to a whole second.
func (s Summary) Span(speed float64) time.Duration {
	d := scaleUp(s.End-s.Origin, speed)
	return (d + time.Second - 1).Truncate(time.Second)
}

// scale turns a trace's offset (nanoseconds) into a replay's at speed, rounding down;
// scaleUp rounds up. Speed 1 (or 0) is exact.
func scale(ns int64, speed float64) time.Duration {
	if speed == 1 || speed == 0 {
		return time.Duration(ns)
	}
	return time.Duration(math.Floor(float64(ns) / speed))
}

func scaleUp(ns int64, speed float64) time.Duration {
	if speed == 1 || speed == 0 {
		return time.Duration(ns)
	}
	return time.Duration(math.Ceil(float64(ns) / speed))
}

// Notes are what a run's reader should know of the trace: timestamps spread over their
// second, bad lines skipped.
func (s Summary) Notes(name string) []string {
	var notes []string
	if s.Coarse > 0 {
		notes = append(notes, fmt.Sprintf("%s: %s of %s requests were logged with whole seconds only: each was placed uniformly at random (seeded) within its second",
			name, num.Count(float64(s.Coarse)), num.Count(float64(s.Requests))))
	}
	if s.Bad > 0 {
		notes = append(notes, fmt.Sprintf("%s: %s of %s lines (%.3f%%) could not be read and were skipped; the first: %s",
			name, num.Count(float64(s.Bad)), num.Count(float64(s.Lines)), 100*float64(s.Bad)/float64(s.Lines), s.Samples[0]))
	}
	return notes
}

var scans = struct {
	sync.Mutex
	m map[string]Summary
}{m: map[string]Summary{}}

// Scan reads the whole trace as a replay with opts would, and returns what it holds. It
// fails when the trace cannot be read, has more than BadLimit bad lines, or holds no
// request (of opts.APIKey, when set: the error lists the keys it holds). Results are cached
// by src.ID and opts, so loading the same scenario again does not read the trace again.
func Scan(src Source, opts Options) (Summary, error) {
	key := fmt.Sprintf("%s\x00%s\x00%v\x00%s", src.ID, opts.Format, opts.Fields, opts.APIKey)
	scans.Lock()
	s, ok := scans.m[key]
	scans.Unlock()
	if ok && src.ID != "" {
		return s, nil
	}
	s, err := scan(src, opts)
	if err != nil || src.ID == "" {
		return s, err
	}
	scans.Lock()
	if len(scans.m) >= 64 {
		clear(scans.m)
	}
	scans.m[key] = s
	scans.Unlock()
	return s, nil
}

func scan(src Source, opts Options) (Summary, error) {
	rc, err := src.Open()
	if err != nil {
		return Summary{}, err
	}
	defer rc.Close()
	rd, err := NewReader(rc, src.Name, opts)
	if err != nil {
		return Summary{}, err
	}
	for {
		if _, ok := rd.Next(); !ok {
			break
		}
	}
	s := Summary{Format: rd.Format(), Stats: rd.Stats()}
	if err := rd.Err(); err != nil {
		return s, err
	}
	switch {
	case s.Requests == 0 && opts.APIKey != "":
		return s, fmt.Errorf("%s holds no request of API key %q (its keys: %s)", src.Name, opts.APIKey, keyList(s.Keys))
	case s.Requests == 0:
		return s, fmt.Errorf("%s holds no request", src.Name)
	}
	return s, nil
}

// keyList names the busiest keys of counts, with their counts.
func keyList(counts map[string]int64) string {
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	var parts []string
	for i, k := range keys {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("and %d more", len(keys)-10))
			break
		}
		name := k
		if name == "" {
			name = "(none)"
		}
		parts = append(parts, fmt.Sprintf("%q: %d", name, counts[k]))
	}
	return strings.Join(parts, ", ")
}
