package scenarios

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Regular expressions for numbers and durations within bounds, for the JSON Schema's patterns
// (a JSON Schema cannot compare a string such as "13h" with 12h otherwise). They use only what
// the JSON Schema specification recommends of ECMA-262 — character classes, groups,
// alternation, quantifiers — so that every validator, RE2 included, reads them alike.
//
// A duration pattern describes these forms, exactly: a bare 0; whole days ("14d"); one number
// with any unit ("12h", "0.5h", "720m", "1500ms"); or hours, minutes and seconds in that order,
// whole but for the last, each part below the unit before it ("1h30m", "1m30.5s", as
// time.Duration's String writes them). Other spellings Go accepts ("1h90m", "1s500ms") fail the
// pattern, but never does a value out of bounds pass it; `validate` takes them all.
// TestDurationRangePattern holds the patterns to ParseDuration.

// durRange is a set of durations in nanoseconds: from lo to hi, hi excluded when hiOpen.
type durRange struct {
	lo, hi int64
	hiOpen bool
}

// durationRangePattern returns an anchored pattern for the durations of r (see above).
func durationRangePattern(r durRange) string {
	var alts []string
	if r.contains(0) {
		alts = append(alts, "0")
	}
	if days := r.wholeUnits(24 * time.Hour); days != "" {
		alts = append(alts, days+"d")
	}
	alts = append(alts, r.chain(0)...)
	for _, u := range subSecondUnits {
		if d := decimalPattern(r.rat(u.d)); d != "" {
			alts = append(alts, group(d)+u.re)
		}
	}
	return "^" + group(strings.Join(alts, "|")) + "$"
}

// unit is a unit of a duration and how it may be written.
type unit struct {
	d  time.Duration
	re string
}

var (
	// chainUnits may follow one another, largest first: "1h30m15.5s".
	chainUnits = []unit{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	// subSecondUnits are written alone: "250ms".
	subSecondUnits = []unit{{time.Millisecond, "ms"}, {time.Microsecond, "(us|µs|μs)"}, {time.Nanosecond, "ns"}}
)

func (r durRange) contains(d int64) bool {
	return d >= r.lo && (d < r.hi || (d == r.hi && !r.hiOpen))
}

// wholeUnits is a pattern for the whole numbers n with n×u in r, or "" when there are none.
func (r durRange) wholeUnits(u time.Duration) string {
	lo, hi, ok := r.multiples(int64(u))
	if !ok {
		return ""
	}
	return "0*" + group(intRangePattern(lo, hi))
}

// multiples returns the range of whole n with n×u in r.
func (r durRange) multiples(u int64) (lo, hi int64, ok bool) {
	lo, hi = ceilDiv(r.lo, u), r.hi/u
	if r.hiOpen && hi*u == r.hi {
		hi--
	}
	return lo, hi, lo <= hi
}

// chain returns the alternatives for hours, minutes and seconds from chainUnits[i] on: a last
// number (which may have a fraction), or a whole number followed by smaller units.
func (r durRange) chain(i int) []string {
	var alts []string
	for j := i; j < len(chainUnits); j++ {
		u := chainUnits[j]
		if d := decimalPattern(r.rat(u.d)); d != "" {
			alts = append(alts, group(d)+u.re)
		}
		if j+1 == len(chainUnits) {
			continue
		}
		for _, p := range r.split(int64(u.d)) {
			rest := p.rest.chain(j + 1)
			if len(rest) > 0 {
				alts = append(alts, "0*"+group(intRangePattern(p.lo, p.hi))+u.re+group(strings.Join(rest, "|")))
			}
		}
	}
	return alts
}

// part is a range of whole numbers n of a unit, each followed by a remainder in rest.
type part struct {
	lo, hi int64
	rest   durRange
}

// split divides r into n×u plus a remainder below u: the n whose remainders may be anything
// below u, and the at most two n at r's ends whose remainders are fewer.
func (r durRange) split(u int64) []part {
	inner := func(n int64) bool { // is the whole of [n×u, (n+1)×u) in r?
		return r.contains(n*u) && r.contains((n+1)*u-1)
	}
	var parts []part
	first, last := r.lo/u, r.hi/u
	lo, hi := first, last
	if !inner(lo) {
		lo++
	}
	if !inner(hi) {
		hi--
	}
	if lo <= hi {
		parts = append(parts, part{lo: lo, hi: hi, rest: durRange{hi: u, hiOpen: true}})
	}
	for _, n := range []int64{first, last} {
		if rest := r.shift(n*u, u); !inner(n) && rest.nonEmpty() {
			parts = append(parts, part{lo: n, hi: n, rest: rest})
		}
		if first == last {
			break
		}
	}
	return parts
}

// shift is r less base, cut to [0, u).
func (r durRange) shift(base, u int64) durRange {
	s := durRange{lo: max(r.lo-base, 0), hi: u, hiOpen: true}
	if r.hi-base < u {
		s.hi, s.hiOpen = r.hi-base, r.hiOpen
	}
	return s
}

func (r durRange) nonEmpty() bool {
	return r.lo < r.hi || (r.lo == r.hi && !r.hiOpen)
}

// rat returns r in units of u, as the bounds of a decimal number.
func (r durRange) rat(u time.Duration) (lo, hi decBound) {
	return decBound{v: big.NewRat(r.lo, int64(u))}, decBound{v: big.NewRat(r.hi, int64(u)), open: r.hiOpen}
}

// decBound is a bound of a decimal number; a nil v is no bound.
type decBound struct {
	v    *big.Rat
	open bool
}

// fracDigits is how many digits of a bound's fraction the patterns keep; a bound with more
// (1/60 of an hour) is rounded inwards, so that nothing outside it matches.
const fracDigits = 9

// decimalPattern matches the decimal numbers as Go durations write them ("12", "0.5", ".5",
// "5.") from lo to hi, or is "" when there are none.
func decimalPattern(lo, hi decBound) string {
	loI, loF, loOpen := splitBound(lo, true)
	hiI, hiF, hiOpen := splitBound(hi, false)
	low := fracBound{d: loF, open: loOpen, set: true}
	high := fracBound{d: hiF, open: hiOpen, set: true}
	switch {
	case hiI < loI:
		return ""
	case hiI == loI:
		return decimals(loI, loI, low, high)
	}
	alts := []string{decimals(loI, loI, low, fracBound{})}
	if loI+1 <= hiI-1 {
		alts = append(alts, decimals(loI+1, hiI-1, fracBound{}, fracBound{}))
	}
	return alternatives(append(alts, decimals(hiI, hiI, fracBound{}, high)))
}

func alternatives(alts []string) string {
	var out []string
	for _, a := range alts {
		if a != "" {
			out = append(out, a)
		}
	}
	return strings.Join(out, "|")
}

// splitBound returns a bound's whole part and the digits of its fraction (no trailing zeros),
// rounding a fraction longer than fracDigits up for a lower bound and down for an upper one
// (and making the rounded bound inclusive).
func splitBound(b decBound, lower bool) (whole int64, frac string, open bool) {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(fracDigits), nil)
	scaled := new(big.Rat).Mul(b.v, new(big.Rat).SetInt(scale))
	n := new(big.Int).Quo(scaled.Num(), scaled.Denom()) // floor, for v >= 0
	open = b.open
	if !scaled.IsInt() {
		open = false
		if lower {
			n.Add(n, big.NewInt(1))
		}
	}
	q, m := new(big.Int).QuoRem(n, scale, new(big.Int))
	frac = fmt.Sprintf("%0*s", fracDigits, m.String())
	return q.Int64(), strings.TrimRight(frac, "0"), open
}

// fracBound bounds the fraction 0.F of a number: F compared with the digits d.
type fracBound struct {
	d    string
	open bool
	set  bool
}

// decimals matches numbers whose whole part is in lo..hi and whose
// fraction is within flo and fhi, or "" when there are none.
func decimals(lo, hi int64, flo, fhi fracBound) string {
	f, zeroOK := fraction(flo, fhi)
	var alts []string
	if f != "" && lo == 0 { // the whole part may be left out: ".5"
		alts = append(alts, `\.`+group(f))
	}
	whole := "0*" + group(intRangePattern(lo, hi))
	switch {
	case f != "" && zeroOK:
		alts = append(alts, whole+group(`\.`+group(f)+"?")+"?")
	case f != "":
		alts = append(alts, whole+`\.`+group(f))
	case zeroOK:
		alts = append(alts, whole+`\.?`)
	}
	return strings.Join(alts, "|")
}

// fraction matches the non-empty digit strings F with 0.F within lo and hi ("" when none
// does); zeroOK says whether a fraction of 0, written with no digits, is within them.
func fraction(lo, hi fracBound) (re string, zeroOK bool) {
	if lo.set && lo.d == "" && !lo.open {
		lo = fracBound{} // 0.F >= 0 always holds
	}
	zeroOK = !lo.set && (!hi.set || hi.d != "" || !hi.open)
	switch {
	case !lo.set && !hi.set:
		return "[0-9]+", true
	case hi.set && hi.d == "": // 0.F <= 0 or < 0
		if zeroOK {
			return "0+", true
		}
		return "", false
	case lo.set && lo.d == "" && !hi.set: // 0.F > 0
		return "0*[1-9][0-9]*", false
	}
	var alts []string
	free := -1 // the first of a run of first digits after which anything goes
	for c := 0; c <= 10; c++ {
		below := lo.set && c < digitAt(lo.d, 0)
		above := hi.set && c > digitAt(hi.d, 0)
		loTight, hiTight := lo.set && c == digitAt(lo.d, 0), hi.set && c == digitAt(hi.d, 0)
		if c < 10 && !below && !above && !loTight && !hiTight {
			if free < 0 {
				free = c
			}
			continue
		}
		if free >= 0 {
			alts = append(alts, digitClass(free, c-1)+"[0-9]*")
			free = -1
		}
		if c == 10 || below || above {
			continue
		}
		alts = append(alts, tight(c, lo, hi, loTight, hiTight))
	}
	return alternatives(alts), zeroOK
}

// tight matches the fractions that start with the digit c, a bound's own first digit: the
// rest is compared with the rest of that bound.
func tight(c int, lo, hi fracBound, loTight, hiTight bool) string {
	var nlo, nhi fracBound
	if loTight {
		nlo = fracBound{d: rest(lo.d), open: lo.open, set: true}
	}
	if hiTight {
		nhi = fracBound{d: rest(hi.d), open: hi.open, set: true}
	}
	sub, subZero := fraction(nlo, nhi)
	switch {
	case sub != "" && subZero:
		return strconv.Itoa(c) + group(sub) + "?"
	case sub != "":
		return strconv.Itoa(c) + group(sub)
	case subZero:
		return strconv.Itoa(c)
	}
	return ""
}

func digitAt(d string, i int) int {
	if i < len(d) {
		return int(d[i] - '0')
	}
	return 0
}

func rest(d string) string {
	if len(d) <= 1 {
		return ""
	}
	return d[1:]
}

// intRangePattern matches the whole numbers lo..hi written without leading zeros.
func intRangePattern(lo, hi int64) string {
	var alts []string
	top := len(strconv.FormatInt(hi, 10))
	for l := len(strconv.FormatInt(lo, 10)); l <= top; l++ {
		a, b := pow10(l-1), hi
		if l == 1 {
			a = 0
		}
		if l < top {
			b = pow10(l) - 1
		}
		alts = append(alts, sameLength(strconv.FormatInt(max(a, lo), 10), strconv.FormatInt(b, 10)))
	}
	return strings.Join(alts, "|")
}

// sameLength matches the numbers from a to b, both written with the same number of digits.
func sameLength(a, b string) string {
	switch {
	case a == b:
		return a
	case a[0] == b[0]:
		return a[:1] + group(sameLength(a[1:], b[1:]))
	case strings.Trim(a[1:], "0") == "" && strings.Trim(b[1:], "9") == "":
		return digitClass(int(a[0]-'0'), int(b[0]-'0')) + anyDigits(len(a)-1)
	}
	var alts []string
	nines, zeros := strings.Repeat("9", len(a)-1), strings.Repeat("0", len(a)-1)
	alts = append(alts, a[:1]+group(sameLength(a[1:], nines)))
	if a[0]+1 <= b[0]-1 {
		alts = append(alts, digitClass(int(a[0]-'0')+1, int(b[0]-'0')-1)+anyDigits(len(a)-1))
	}
	alts = append(alts, b[:1]+group(sameLength(zeros, b[1:])))
	return strings.Join(alts, "|")
}

func anyDigits(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "[0-9]"
	}
	return fmt.Sprintf("[0-9]{%d}", n)
}

func digitClass(lo, hi int) string {
	switch {
	case lo == hi:
		return strconv.Itoa(lo)
	case lo == 0 && hi == 9:
		return "[0-9]"
	}
	return fmt.Sprintf("[%d-%d]", lo, hi)
}

// group wraps a pattern in parentheses unless it is a single character, a class or empty.
func group(p string) string {
	if len(p) <= 1 || (strings.HasPrefix(p, "[") && strings.Index(p, "]") == len(p)-1) {
		return p
	}
	return "(" + p + ")"
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
