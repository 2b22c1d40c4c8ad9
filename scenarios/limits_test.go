package scenarios

import (
	"reflect"
	"testing"
)

func TestParseLimit(t *testing.T) {
	intT, floatT, durT := reflect.TypeFor[int](), reflect.TypeFor[float64](), reflect.TypeFor[*Duration]()
	cases := []struct {
		tag  string
		typ  reflect.Type
		desc string // "" for a tag that must not parse
		bad  string // a value out of bounds, and the message for it
		msg  string
	}{
		{">=1,<=10; an SQS receive returns at most 10 messages", intT, "between 1 and 10", "11", "must be between 1 and 10, got 11 (an SQS receive returns at most 10 messages)"},
		{">=0", intT, "at least 0", "-1", "must not be negative, got -1"},
		{">0,<=15m", durT, "greater than 0 and at most 15m", "16m", "must be greater than 0 and at most 15m, got 16m"},
		{">1", floatT, "greater than 1", "1", "must be greater than 1, got 1"},
		{">=1m,<14d", durT, "at least 1m and less than 336h", "336h", "must be at least 1m and less than 336h, got 336h"},
		{"=5", intT, "", "", ""},
		{">=1.5", intT, "", "", ""},
		{"<=12x", durT, "", "", ""},
	}
	for _, tc := range cases {
		l, err := parseLimit(tc.tag, tc.typ)
		if tc.desc == "" {
			if err == nil {
				t.Errorf("%q parsed", tc.tag)
			}
			continue
		}
		if err != nil || l.describe() != tc.desc {
			t.Errorf("%q: %v, describes %q, want %q", tc.tag, err, l.describe(), tc.desc)
			continue
		}
		var d Duration
		got := ""
		switch {
		case l.duration:
			if d.UnmarshalText([]byte(tc.bad)) != nil || l.holdsInt(int64(d)) {
				t.Errorf("%q holds for %s", tc.tag, tc.bad)
			}
			got = l.message(l.formatInt(int64(d)))
		default:
			got = l.message(tc.bad)
		}
		if got != tc.msg {
			t.Errorf("%q: message %q, want %q", tc.tag, got, tc.msg)
		}
	}
}
