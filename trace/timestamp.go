package trace

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// clfTime is API Gateway's $context.requestTime: dd/MMM/yyyy:HH:mm:ss ±hhmm.
const clfTime = "02/Jan/2006:15:04:05 -0700"

// Timestamps before 1990 or after 2200 are refused as misread: a field holding a duration or
// a count where a time belongs would otherwise replay from 1970.
var (
	minTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
)

var errNoTime = errors.New("no timestamp")

// parseTime reads a timestamp, in nanoseconds since the Unix epoch, from a log field:
//   - an epoch number, its unit told by its size: seconds (below 1e11, a fraction allowed),
//     milliseconds (below 1e14, as requestTimeEpoch), microseconds (below 1e17), else
//     nanoseconds;
//   - RFC 3339 / ISO 8601 with a zone, with or without a fraction (2026-01-05T10:00:00.123Z);
//   - API Gateway's CLF time, 05/Jan/2026:10:00:00 +0000.
//
// coarse is true when the timestamp has whole seconds only (epoch seconds without a fraction,
// or a time without a fraction).
func parseTime(b []byte) (ns int64, coarse bool, err error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "-" {
		return 0, false, errNoTime
	}
	switch {
	case isEpoch(b):
		ns, coarse, err = parseEpoch(b)
	case len(b) == len(clfTime) && b[2] == '/':
		var t time.Time
		t, err = time.Parse(clfTime, string(b))
		ns, coarse = unixNano(t), true
	default:
		var t time.Time
		t, err = time.Parse(time.RFC3339Nano, string(b))
		ns, coarse = unixNano(t), bytes.IndexByte(b, '.') < 0
	}
	if err != nil {
		return 0, false, fmt.Errorf("timestamp %q: want epoch seconds or milliseconds, RFC 3339 or dd/MMM/yyyy:HH:mm:ss ±hhmm", clip(b))
	}
	if ns < minTime || ns >= maxTime {
		return 0, false, fmt.Errorf("timestamp %q is not between 1990 and 2200", clip(b))
	}
	return ns, coarse, nil
}

// unixNano is t in Unix nanoseconds, or minTime−1 (out of range) for a time whose
// nanoseconds an int64 cannot hold (before 1678 or after 2262: UnixNano's result is then
// undefined, and may wrap into the range).
func unixNano(t time.Time) int64 {
	if y := t.Year(); y < 1900 || y > 2250 {
		return minTime - 1
	}
	return t.UnixNano()
}

// isEpoch reports whether b is a plain decimal number (digits, at most one dot).
func isEpoch(b []byte) bool {
	dots := 0
	for _, c := range b {
		switch {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots <= 1 && b[0] != '.'
}

// parseEpoch reads an epoch number whose unit its size tells.
func parseEpoch(b []byte) (int64, bool, error) {
	whole, frac, hasFrac := bytes.Cut(b, []byte{'.'})
	if len(whole) > 19 {
		return maxTime, false, nil // out of range, as parseTime says
	}
	n, err := strconv.ParseInt(string(whole), 10, 64)
	if err != nil {
		return 0, false, err
	}
	var unit int64 // nanoseconds per unit
	switch {
	case n < 1e11:
		unit = 1e9
	case n < 1e14:
		unit = 1e6
	case n < 1e17:
		unit = 1e3
	default:
		unit = 1
	}
	if n >= maxTime/unit {
		return maxTime, false, nil
	}
	ns := n * unit
	if hasFrac {
		if len(frac) == 0 {
			return 0, false, errors.New("empty fraction")
		}
		// Digits of the fraction beyond the nanosecond are dropped.
		scale := unit
		for _, c := range frac {
			scale /= 10
			ns += int64(c-'0') * scale
			if scale == 0 {
				break
			}
		}
	}
	return ns, unit == 1e9 && !hasFrac, nil
}

// clip shortens a field for an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
