package scenarios

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDurationRangePattern holds each range's pattern to ParseDuration on thousands of
// spellings near its bounds: nothing the pattern matches is out of range or not a duration,
// and every spelling of the documented forms (durationRangePattern) that is in range matches.
func TestDurationRangePattern(t *testing.T) {
	ranges := []durRange{
		{hi: int64(12 * time.Hour)},
		{hi: int64(15 * time.Minute)},
		{lo: int64(time.Minute), hi: int64(14 * 24 * time.Hour)},
		{lo: 1, hi: int64(15 * time.Minute)},
		{lo: 1, hi: int64(365 * 24 * time.Hour)},
		{lo: int64(time.Second), hi: math.MaxInt64},
		{hi: int64(1500 * time.Millisecond)},
		{lo: int64(90 * time.Second), hi: int64(150 * time.Minute), hiOpen: true},
	}
	for _, r := range ranges {
		re := regexp.MustCompile(durationRangePattern(r))
		matched, checked := 0, 0
		for _, s := range spellings(r) {
			d, err := ParseDuration(s)
			in := err == nil && r.contains(int64(d))
			got := re.MatchString(s)
			if got && !in {
				t.Errorf("%+v: pattern matches %q (%v, %v), which is out of range", r, s, d, err)
			}
			if in && documentedForm(s) && !got {
				t.Errorf("%+v: pattern does not match %q (%v)", r, s, d)
			}
			if got {
				matched++
			}
			checked++
		}
		t.Logf("%+v: %d of %d spellings matched", r, matched, checked)
		if matched < 20 || matched == checked {
			t.Errorf("%+v: %d of %d spellings matched: the test does not probe the bounds", r, matched, checked)
		}
	}
}

// spellings are durations written in many ways around the bounds of r.
func spellings(r durRange) []string {
	nums := map[string]bool{}
	addNum := func(n int64) {
		if n >= 0 {
			for _, f := range []string{"%d", "0%d", "%d.", "%d.0", "%d.5", "%d.25", "%d.001", "%d.999999999"} {
				nums[fmt.Sprintf(f, n)] = true
			}
		}
	}
	for _, n := range []int64{0, 1, 2, 5, 9, 10, 29, 30, 59, 60, 61, 99, 100, 1000, 1001} {
		addNum(n)
	}
	for _, n := range []string{".5", ".0", ".016666666666667", "0.0166", "0.01666666666666", ".25", ".2500", ".2501", ".24999"} {
		nums[n] = true
	}
	units := []struct {
		name string
		d    time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}, {"us", time.Microsecond}, {"µs", time.Microsecond}, {"μs", time.Microsecond}, {"ns", 1}}
	for _, b := range []int64{r.lo, r.hi} {
		for _, u := range units {
			for _, n := range []int64{b/int64(u.d) - 1, b / int64(u.d), b/int64(u.d) + 1} {
				addNum(n)
			}
		}
	}
	var out []string
	for n := range nums {
		for _, u := range units {
			out = append(out, n+u.name)
		}
	}
	for _, h := range []string{"0", "1", "11", "12", "13", "14", "336", "8759", "8760", "8761"} {
		for _, m := range []string{"", "0m", "1m", "30m", "59m", "60m", "90m"} {
			for _, s := range []string{"", "0s", "1s", "30.5s", "59s", "59.999s", "60s", "1s500ms"} {
				out = append(out, h+"h"+m+s)
			}
		}
	}
	for _, m := range []string{"0", "1", "2", "14", "15", "16", "149", "150", "151", "720"} {
		for _, s := range []string{"0s", "1s", "29.5s", "30s", "59.999s", "60s", "3599s"} {
			out = append(out, m+"m"+s)
		}
	}
	for _, d := range []string{"0", "1", "13", "14", "15", "365", "366"} {
		out = append(out, d+"d", d+".5d")
	}
	return append(out, "0", "00", "-1s", "+1s", "1.5h30m", "", "h", "1", "1x", ".s", "1h1h")
}

// documentedForm reports whether s is written in a form durationRangePattern describes, with
// a whole number of nanoseconds (Go truncates what is finer).
func documentedForm(s string) bool {
	if s == "0" || regexp.MustCompile(`^[0-9]+d$`).MatchString(s) {
		return true
	}
	parts := regexp.MustCompile(`([0-9]*\.?[0-9]*)(h|ms|m|s|us|µs|μs|ns)`).FindAllStringSubmatch(s, -1)
	var joined strings.Builder
	total := new(big.Rat)
	prev := time.Duration(0)
	var sizes []time.Duration
	for i, p := range parts {
		joined.WriteString(p[0])
		v, ok := new(big.Rat).SetString(strings.TrimSuffix(p[1], "."))
		if strings.HasPrefix(p[1], ".") {
			v, ok = new(big.Rat).SetString("0" + p[1])
		}
		u := map[string]time.Duration{"h": time.Hour, "m": time.Minute, "s": time.Second, "ms": time.Millisecond, "us": time.Microsecond, "µs": time.Microsecond, "μs": time.Microsecond, "ns": 1}[p[2]]
		if !ok || p[1] == "" || p[1] == "." || (len(parts) > 1 && (u < time.Second || (i < len(parts)-1 && !v.IsInt()) || (i > 0 && u >= prev))) {
			return false
		}
		prev = u
		sizes = append(sizes, u)
		total.Add(total, new(big.Rat).Mul(v, big.NewRat(int64(u), 1)))
		_ = sizes
	}
	if joined.String() != s || len(parts) == 0 || !total.IsInt() {
		return false
	}
	// each part after the first is below the unit before it, with what follows it
	rest := new(big.Rat)
	for i := len(parts) - 1; i > 0; i-- {
		v, _ := new(big.Rat).SetString(parts[i][1])
		rest.Add(rest, new(big.Rat).Mul(v, big.NewRat(int64(sizes[i]), 1)))
		if rest.Cmp(big.NewRat(int64(sizes[i-1]), 1)) >= 0 {
			return false
		}
	}
	return true
}

func TestIntRangePattern(t *testing.T) {
	for _, r := range [][2]int64{{0, 0}, {0, 9}, {1, 10}, {0, 1000}, {128, 10240}, {500, 599}, {7, 20000}, {100, 99999}, {0, 123456}} {
		re := regexp.MustCompile("^(" + intRangePattern(r[0], r[1]) + ")$")
		for n := int64(0); n <= 20000; n++ {
			want := n >= r[0] && n <= r[1]
			if got := re.MatchString(fmt.Sprint(n)); got != want {
				t.Fatalf("%v: %d matches %v, want %v", r, n, got, want)
			}
		}
		if re.MatchString("01") {
			t.Errorf("%v: matches a leading zero", r)
		}
	}
}

// TestPositiveDurationPattern: what the Duration pattern and positiveDuration both match is a
// duration greater than 0, and every documented spelling of one matches. (The Duration pattern
// alone takes any number of hours, so durations past Go's 2562047h match it and fail to decode;
// that is not the positive pattern's business.)
func TestPositiveDurationPattern(t *testing.T) {
	base, pos := regexp.MustCompile(durationPattern), regexp.MustCompile(positiveDuration)
	matched := 0
	for _, s := range spellings(durRange{lo: 0, hi: int64(time.Hour)}) {
		d, err := ParseDuration(s)
		got := base.MatchString(s) && pos.MatchString(s)
		if got && err == nil && d <= 0 {
			t.Errorf("matches %q (%v, %v)", s, d, err)
		}
		if err == nil && d > 0 && documentedForm(s) && !got {
			t.Errorf("does not match %q (%v)", s, d)
		}
		if got {
			matched++
		}
	}
	if matched < 100 {
		t.Errorf("only %d spellings matched", matched)
	}
}
