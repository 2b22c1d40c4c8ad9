package trace

import (
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// memTrace is a trace in memory that counts how often it was opened.
type memTrace struct {
	data  string
	opens int
}

func (m *memTrace) open() (io.ReadCloser, error) {
	m.opens++
	return io.NopCloser(strings.NewReader(m.data)), nil
}

func newReplay(t *testing.T, m *memTrace, rc model.ReplayConfig, d time.Duration) model.Arrival {
	t.Helper()
	rc.Name, rc.Open = "t.log", m.open
	a, err := model.NewArrival(model.ArrivalConfig{Shape: "replay", Replay: &rc}, d, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// hits lists every instant of a until it says there are no more.
func hits(a model.Arrival) []time.Duration {
	var out []time.Duration
	for n := uint64(0); ; n++ {
		at, ok := a.Next(n)
		if !ok {
			return out
		}
		out = append(out, at)
	}
}

func TestReplayNext(t *testing.T) {
	m := &memTrace{data: csvLines([]int64{1500, 1500, 1700, 9000, 12000}, "a", "b")}
	a := newReplay(t, m, model.ReplayConfig{}, 10*time.Second)
	want := []time.Duration{0, 0, 200 * time.Millisecond, 7500 * time.Millisecond}
	if got := hits(a); !slices.Equal(got, want) {
		t.Errorf("hits %v, want %v", got, want)
	}
	if e, ok := a.(model.ExactArrival); !ok || !e.Exact() {
		t.Error("a replay is not exact")
	}
	notes := a.(model.NotedArrival).Notes()
	if len(notes) != 1 || !strings.Contains(notes[0], "replay of t.log: the trace goes on past the run's duration (10s)") {
		t.Errorf("notes %q", notes)
	}
	// Twice as fast; only key b.
	a = newReplay(t, m, model.ReplayConfig{Speed: 2, APIKey: "b"}, time.Minute)
	if got := hits(a); !slices.Equal(got, []time.Duration{0, 3750 * time.Millisecond}) {
		t.Errorf("speed 2, key b: %v", got)
	}
}

func TestReplayGoesBack(t *testing.T) {
	offs := make([]int64, 500)
	for i := range offs {
		offs[i] = int64(i) * 10
	}
	m := &memTrace{data: csvLines(offs, "a")}
	a := newReplay(t, m, model.ReplayConfig{}, time.Hour)
	for _, n := range []uint64{0, 0, 1, 300, 300, 237, 299, 499, 10, 11, 499} {
		at, ok := a.Next(n)
		if !ok || at != time.Duration(n)*10*time.Millisecond {
			t.Errorf("Next(%d) = %s, %v", n, at, ok)
		}
	}
	if _, ok := a.Next(500); ok {
		t.Error("Next(500) past the trace's end")
	}
	// Once to build, once each time it went back beyond the ring (to 10 after 499).
	if m.opens != 2 {
		t.Errorf("opened %d times", m.opens)
	}
	// Pace agrees with Next, as vegeta calls it: the same hit again while waiting for it.
	for _, c := range []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{{0, 0, 0, false}, {0, 5, 50 * time.Millisecond, false}, {30 * time.Millisecond, 5, 20 * time.Millisecond, false},
		{time.Second, 5, 0, false}, {time.Second, 500, 0, true}} {
		wait, stop := a.Pace(c.elapsed, c.hits)
		if wait != c.wait || stop != c.stop {
			t.Errorf("Pace(%s, %d) = %s, %v; want %s, %v", c.elapsed, c.hits, wait, stop, c.wait, c.stop)
		}
	}
}

func TestReplayRate(t *testing.T) {
	var offs []int64
	for s := range 10 {
		for i := range 10 * (s + 1) { // 10/s in the first second, 20/s in the second, …
			offs = append(offs, int64(s*1000+i))
		}
	}
	a := newReplay(t, &memTrace{data: csvLines(offs, "a")}, model.ReplayConfig{}, 10*time.Second)
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{0, 10}, {1500 * time.Millisecond, 20}, {9999 * time.Millisecond, 100}, {10 * time.Second, 0}, {-1, 0}} {
		if got := a.Rate(c.at); got != c.want {
			t.Errorf("Rate(%s) = %g, want %g", c.at, got, c.want)
		}
	}
	// A day-long attack: buckets of 22 s (a 4096th of the day, rounded up).
	a = newReplay(t, &memTrace{data: csvLines(offs, "a")}, model.ReplayConfig{}, 24*time.Hour)
	if got := a.Rate(0); got != 550.0/22 {
		t.Errorf("Rate(0) over a day = %g", got)
	}
}

func TestReplayNotesSpreadAndBadLines(t *testing.T) {
	data := "1767607200,a,GET,/\n" + strings.Repeat("1767607201,a,GET,/\n", 120) + "garbage\n"
	a := newReplay(t, &memTrace{data: data}, model.ReplayConfig{}, time.Minute)
	got := hits(a)
	if len(got) != 121 || got[0] < 0 || got[0] >= time.Second || got[1] < time.Second || got[120] >= 2*time.Second {
		t.Errorf("%d hits, first %s, second %s", len(got), got[0], got[1])
	}
	notes := a.(model.NotedArrival).Notes()
	if len(notes) != 2 || !strings.Contains(notes[0], "121 of the 121 requests replayed were logged with whole seconds only") ||
		!strings.Contains(notes[1], "1 lines could not be read and were skipped (the first: t.log:122: 1 fields, want 4") {
		t.Errorf("notes %q", notes)
	}
}

func TestReplayRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	broken := func() (io.ReadCloser, error) { return nil, errors.New("open t.log: no such file") }
	good := (&memTrace{data: csvLines([]int64{0}, "a")}).open
	cases := []struct {
		rc  *model.ReplayConfig
		err string
	}{
		{nil, "replay: file is required"},
		{&model.ReplayConfig{Open: good, Speed: -1}, "replay: speed must be a positive number, got -1"},
		{&model.ReplayConfig{Open: good, Format: "w3c"}, `replay: trace format: unknown format "w3c"`},
		{&model.ReplayConfig{Open: broken}, "replay: open t.log: no such file"},
		{&model.ReplayConfig{Open: good, Format: FormatALB, APIKey: "a"}, "format alb logs no API key"},
	}
	for _, c := range cases {
		_, err := model.NewArrival(model.ArrivalConfig{Shape: "replay", Replay: c.rc}, time.Minute, rng)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v: %v, want %q", c.rc, err, c.err)
		}
	}
}
