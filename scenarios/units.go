package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a Go duration written as in time.ParseDuration ("250ms", "30s", "2m", "24h").
// Day and week suffixes are accepted as well ("1d", "7d").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// DurationOf returns a pointer to d, for defaults and tests.
func DurationOf(d time.Duration) *Duration { v := Duration(d); return &v }

// MarshalText writes d as a Go duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a Go duration; a day suffix "d" is accepted.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration parses a Go duration, also accepting a whole number of days ("2d") and a bare 0.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (want e.g. 250ms, 30s, 2m, 24h)", s)
	}
	return v, nil
}

// Rate is a rate in events per second, written "N/unit" ("200/s", "6000/m", "50000/d") or as a
// bare number meaning per second.
type Rate float64

// PerSecond returns r in events per second.
func (r Rate) PerSecond() float64 { return float64(r) }

// RateOf returns a pointer to a rate of v per second.
func RateOf(v float64) *Rate { r := Rate(v); return &r }

// String formats r as "N/s".
func (r Rate) String() string { return strconv.FormatFloat(float64(r), 'f', -1, 64) + "/s" }

// MarshalText writes r as "N/s".
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses "N/unit" or a bare number.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = Rate(v)
	return nil
}

var rateUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "sec": time.Second, "m": time.Minute,
	"min": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "day": 24 * time.Hour,
}

// ParseRate parses "N/unit" (unit ms, s, m, min, h, d, or a duration such as 5m) or a bare number
// (per second) into events per second.
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	num, unit, hasUnit := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%q is not a rate (want e.g. 200/s, 6000/m or a number per second)", s)
	}
	if !hasUnit {
		return n, nil
	}
	unit = strings.TrimSpace(unit)
	per, ok := rateUnits[unit]
	if !ok {
		d, err := time.ParseDuration(unit)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%q is not a rate: unknown unit %q (want ms, s, m, h, d or a duration)", s, unit)
		}
		per = d
	}
	return n / per.Seconds(), nil
}

// ShortDuration formats d without trailing zero units: 12h rather than 12h0m0s, 1h30m,
// 1m, 250ms. Errors, reports and sweep axes all write durations this way.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
