package model

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"time"
)

// QuotaConfig is one tier of a quota: at most Limit events per Per, counted by the window
// algorithm named Window ("fixed" when empty; see RegisterWindow for the others).
// Limit must be at least 1 and Per positive: the zero value is not a valid quota.
type QuotaConfig struct {
	Limit  int64
	Per    time.Duration
	Window string
}

// Window counts events against one quota tier. Instants are durations since the run
// began; calls must come in nondecreasing now (an earlier now is treated as the latest
// instant seen). A Window is not safe for concurrent use.
type Window interface {
	// Allow reports whether one more event fits at now, and if so records it.
	Allow(now time.Duration) bool
	// Free returns the earliest instant >= now at which one more event would fit,
	// assuming none is recorded meanwhile: now itself when it fits. It is exact: Allow
	// at Free(now) succeeds and Allow one nanosecond earlier would not.
	Free(now time.Duration) time.Duration
	// Count returns the events counted in the window that contains now.
	Count(now time.Duration) int64
}

// WindowFunc builds a Window from its tier and the run's epoch (the wall-clock instant
// that now = 0 stands for). cfg has been checked: Limit >= 1, Per > 0.
type WindowFunc func(cfg QuotaConfig, epoch time.Time) (Window, error)

// ErrUnknownWindow is returned by NewWindow for a window name nobody registered.
var ErrUnknownWindow = errors.New("unknown quota window")

var windowFuncs = map[string]WindowFunc{}

// RegisterWindow makes a window algorithm available under name. It panics if name is
// already registered or f is nil, as database/sql.Register does; call it from init.
func RegisterWindow(name string, f WindowFunc) {
	if f == nil {
		panic("model: RegisterWindow of nil func for " + name)
	}
	if _, dup := windowFuncs[name]; dup {
		panic("model: RegisterWindow called twice for " + name)
	}
	windowFuncs[name] = f
}

// WindowNames returns the registered window names, sorted.
func WindowNames() []string {
	names := make([]string, 0, len(windowFuncs))
	for n := range windowFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func init() {
	RegisterWindow("fixed", newFixedWindow)
	RegisterWindow("sliding", newSlidingWindow)
	RegisterWindow("token-bucket", newTokenBucketWindow)
}

// NewWindow returns the window named by cfg.Window ("" means "fixed") for cfg.
func NewWindow(cfg QuotaConfig, epoch time.Time) (Window, error) {
	name := cfg.Window
	if name == "" {
		name = "fixed"
	}
	f, ok := windowFuncs[name]
	if !ok {
		return nil, fmt.Errorf("new window %q: %w", name, ErrUnknownWindow)
	}
	if cfg.Limit < 1 || cfg.Per <= 0 {
		return nil, fmt.Errorf("new window %q: limit %d per %v: need limit >= 1 and per > 0",
			name, cfg.Limit, cfg.Per)
	}
	return f(cfg, epoch)
}

// fixedWindow counts events in windows aligned to the calendar: window k covers
// [k·Per, (k+1)·Per) in Unix time, so a 24h window resets at UTC midnight and a 1s
// window at whole seconds. It admits up to 2×Limit across a boundary, which is the
// reason sliding exists.
type fixedWindow struct {
	limit, count int64
	per, phase   time.Duration // phase: (epoch in Unix time) mod per
	start        time.Duration // start of the current window, in run time
	last         time.Duration
}

func newFixedWindow(cfg QuotaConfig, epoch time.Time) (Window, error) {
	w := &fixedWindow{limit: cfg.Limit, per: cfg.Per, phase: unixPhase(epoch, cfg.Per)}
	w.start = w.windowStart(0)
	return w, nil
}

// unixPhase returns the Unix time of epoch modulo per, computed exactly for any epoch
// (the zero Time included, which lies before UnixNano's range).
func unixPhase(epoch time.Time, per time.Duration) time.Duration {
	ns := new(big.Int).Mul(big.NewInt(epoch.Unix()), big.NewInt(int64(time.Second)))
	ns.Add(ns, big.NewInt(int64(epoch.Nanosecond())))
	return time.Duration(ns.Mod(ns, big.NewInt(int64(per))).Int64()) // Mod is Euclidean: >= 0
}

func (w *fixedWindow) windowStart(now time.Duration) time.Duration {
	r := (w.phase + now) % w.per
	if r < 0 {
		r += w.per
	}
	return now - r
}

func (w *fixedWindow) roll(now time.Duration) time.Duration {
	now = max(now, w.last)
	w.last = now
	if s := w.windowStart(now); s != w.start {
		w.start, w.count = s, 0
	}
	return now
}

func (w *fixedWindow) Allow(now time.Duration) bool {
	w.roll(now)
	if w.count >= w.limit {
		return false
	}
	w.count++
	return true
}

func (w *fixedWindow) Free(now time.Duration) time.Duration {
	now = w.roll(now)
	if w.count < w.limit {
		return now
	}
	return w.start + w.per
}

func (w *fixedWindow) Count(now time.Duration) int64 {
	if w.windowStart(max(now, w.last)) != w.start {
		return 0
	}
	return w.count
}

// maxExactSliding is the largest Limit the sliding window tracks exactly (a ring of up to
// Limit instants, 8 bytes each: 32 MiB at this size, reached only when Limit events fall
// within one Per).
const maxExactSliding = 1 << 22

// slidingBuckets is how many sub-buckets approximate a sliding window above
// maxExactSliding.
const slidingBuckets = 1024

// minSlidingRing is the smallest ring a sliding window allocates, at its first admission.
const minSlidingRing = 16

// slidingWindow is an exact sliding log: at most Limit events in any half-open interval
// (t−Per, t]. It keeps the instants of the admissions in (last−Per, last], oldest first,
// in a ring that grows by doubling (from minSlidingRing up to Limit entries) as they come:
// one more event fits at now exactly when fewer than Limit are kept or the oldest of them
// is at or before now−Per. Its memory is 8 bytes per admission in the busiest window seen
// (rounded up to a power of two, at most Limit): a window that was never filled costs
// little. Allow is O(1) amortized and allocates only when the ring grows; Count is
// O(log Limit). The zero-admission window holds no ring.
type slidingWindow struct {
	per   time.Duration
	ring  []time.Duration // ring[head], ring[head+1], … (mod len): n instants, oldest first
	head  int
	n     int
	last  time.Duration
	limit int
}

func newSlidingWindow(cfg QuotaConfig, _ time.Time) (Window, error) {
	if cfg.Limit > maxExactSliding {
		return newSlidingApprox(cfg), nil
	}
	return &slidingWindow{per: cfg.Per, limit: int(cfg.Limit)}, nil
}

func (w *slidingWindow) Allow(now time.Duration) bool {
	now = max(now, w.last)
	if w.n == w.limit && w.ring[w.head] > now-w.per {
		return false
	}
	w.last = now
	for w.n > 0 && w.ring[w.head] <= now-w.per { // forget what left the window
		w.head++
		if w.head == len(w.ring) {
			w.head = 0
		}
		w.n--
	}
	if w.n == len(w.ring) {
		w.grow()
	}
	i := w.head + w.n
	if i >= len(w.ring) {
		i -= len(w.ring)
	}
	w.ring[i] = now
	w.n++
	return true
}

// grow doubles the ring (at least minSlidingRing entries, at most limit), oldest first.
func (w *slidingWindow) grow() {
	ring := make([]time.Duration, min(w.limit, max(minSlidingRing, 2*len(w.ring))))
	k := copy(ring, w.ring[w.head:])
	copy(ring[k:], w.ring[:w.head])
	w.ring, w.head = ring, 0
}

func (w *slidingWindow) Free(now time.Duration) time.Duration {
	now = max(now, w.last)
	if w.n < w.limit {
		return now
	}
	return max(now, w.ring[w.head]+w.per)
}

func (w *slidingWindow) Count(now time.Duration) int64 {
	now = max(now, w.last)
	// The ring read from its head is sorted; count entries > now-per.
	at := func(i int) time.Duration { return w.ring[(w.head+i)%len(w.ring)] }
	first := sort.Search(w.n, func(i int) bool { return at(i) > now-w.per })
	return int64(w.n - first)
}

// slidingApprox approximates a sliding window for Limit above maxExactSliding with
// slidingBuckets sub-buckets of width g = ceil(Per/1024). At now it counts every event
// in the sub-buckets numbered floor((now−Per)/g) … floor(now/g), which cover
// (now−Per, now]: it never admits more than Limit in any interval of length Per, and
// may admit fewer, since an event is forgotten up to g later than an exact log would.
type slidingApprox struct {
	limit, sum int64
	per, g     time.Duration
	counts     []int64 // ring indexed by bucket number mod len
	lo, cur    int64   // the oldest bucket counted and the newest one
	last       time.Duration
}

func newSlidingApprox(cfg QuotaConfig) *slidingApprox {
	g := (cfg.Per + slidingBuckets - 1) / slidingBuckets
	n := int((cfg.Per+g-1)/g) + 1 // cur−lo <= ceil(Per/g)
	return &slidingApprox{limit: cfg.Limit, per: cfg.Per, g: g, counts: make([]int64, n)}
}

// advance moves to now, dropping the buckets that no longer overlap (now−Per, now].
func (w *slidingApprox) advance(now time.Duration) time.Duration {
	now = max(now, w.last, 0)
	w.last = now
	lo := w.lo
	if now > w.per {
		lo = max(lo, int64((now-w.per)/w.g))
	}
	n := int64(len(w.counts))
	if lo > w.cur || lo-w.lo >= n {
		clear(w.counts)
		w.sum = 0
	} else {
		for j := w.lo; j < lo; j++ {
			w.sum -= w.counts[j%n]
			w.counts[j%n] = 0
		}
	}
	w.lo, w.cur = lo, int64(now/w.g)
	return now
}

func (w *slidingApprox) Allow(now time.Duration) bool {
	w.advance(now)
	if w.sum >= w.limit {
		return false
	}
	w.counts[w.cur%int64(len(w.counts))]++
	w.sum++
	return true
}

func (w *slidingApprox) Free(now time.Duration) time.Duration {
	now = w.advance(now)
	if w.sum < w.limit {
		return now
	}
	// Bucket j leaves the count when floor((t−Per)/g) > j, that is at t = (j+1)·g + Per.
	n := int64(len(w.counts))
	sum := w.sum
	for j := w.lo; j <= w.cur; j++ {
		sum -= w.counts[j%n]
		if sum < w.limit {
			return max(now, time.Duration(j+1)*w.g+w.per)
		}
	}
	return now // unreachable: sum reaches 0 once every bucket is dropped
}

// Count is the events in the buckets counted at now (it may include events up to g
// older than Per).
func (w *slidingApprox) Count(now time.Duration) int64 {
	c := *w
	c.counts = slices.Clone(w.counts)
	c.advance(now)
	return c.sum
}

// tokenBucketWindow is a token bucket of rate Limit/Per and burst Limit that starts
// full (golang.org/x/time/rate). It admits Limit at once, then Limit per Per.
type tokenBucketWindow struct {
	b     *rateBucket
	limit int64
}

func newTokenBucketWindow(cfg QuotaConfig, epoch time.Time) (Window, error) {
	if cfg.Limit > math.MaxInt32 {
		return nil, fmt.Errorf("new window \"token-bucket\": limit %d above %d", cfg.Limit, math.MaxInt32)
	}
	r := float64(cfg.Limit) / cfg.Per.Seconds()
	return &tokenBucketWindow{b: newRateBucket(r, int(cfg.Limit), epoch), limit: cfg.Limit}, nil
}

func (w *tokenBucketWindow) Allow(now time.Duration) bool {
	if ok, _ := w.b.fits(now); !ok {
		return false
	}
	return w.b.take(now)
}

func (w *tokenBucketWindow) Free(now time.Duration) time.Duration { return w.b.free(now) }

// Count is the tokens missing from the full bucket at now, rounded up: the events
// recorded and not yet paid back by the refill.
func (w *tokenBucketWindow) Count(now time.Duration) int64 {
	_, tokens := w.b.fits(now)
	return w.limit - int64(math.Floor(tokens))
}

// Quotas is a multi-tier quota: an event is admitted only when every tier admits it,
// and is then recorded in every tier. The zero value has no tiers and admits everything.
// Quotas is not safe for concurrent use.
type Quotas struct {
	tiers []Window
}

// NewQuotas builds one window per tier, in order.
func NewQuotas(cfgs []QuotaConfig, epoch time.Time) (*Quotas, error) {
	q := &Quotas{tiers: make([]Window, 0, len(cfgs))}
	for i, c := range cfgs {
		w, err := NewWindow(c, epoch)
		if err != nil {
			return nil, fmt.Errorf("quota tier %d: %w", i, err)
		}
		q.tiers = append(q.tiers, w)
	}
	return q, nil
}

// Allow admits one event at now if every tier fits it, recording it in all of them
// (all or nothing). tier is the index of the first tier that refused, -1 when ok.
func (q *Quotas) Allow(now time.Duration) (ok bool, tier int) {
	for i, w := range q.tiers {
		if w.Free(now) > now {
			return false, i
		}
	}
	for _, w := range q.tiers {
		w.Allow(now)
	}
	return true, -1
}

// Free returns the earliest instant >= now at which every tier would admit one more
// event: the latest of the tiers' Free, since no tier stops fitting without an event.
func (q *Quotas) Free(now time.Duration) time.Duration {
	f := now
	for _, w := range q.tiers {
		f = max(f, w.Free(now))
	}
	return f
}

// Len returns the number of tiers.
func (q *Quotas) Len() int { return len(q.tiers) }

// Tier returns tier i, for admin counts (Tier(i).Count(now)).
func (q *Quotas) Tier(i int) Window { return q.tiers[i] }
