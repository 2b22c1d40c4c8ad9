package trace

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

func init() { model.RegisterShape("replay", newReplayArrival) }

// ringSize is how many of the latest instants a replay remembers: Next(n) may be asked again
// for any of the ringSize hits before the furthest asked for without reading the trace again.
const ringSize = 64

// replay is the replay arrival shape: the requests of a trace, each due at its offset from
// the trace's origin divided by the speed; the first is due at 0 (for a trace logged with
// whole seconds, its first second starts at 0). It streams the trace, holding only its
// reorder window and the last ringSize instants. Asked for a hit further back than that, it
// reads the trace again from the start (live load and the simulator never do).
//
// Its instants are when requests reached the gateway that logged them, so it is an
// ExactArrival: the simulator adds no client-to-gateway delay.
type replay struct {
	cfg   model.ReplayConfig
	dur   time.Duration
	seeds [2]uint64 // of the source that spreads whole-second timestamps
	st    *stream
	// read is how many hits have been read; ring holds the instants of the latest ringSize.
	read   uint64
	ring   [ringSize]time.Duration
	origin int64
	over   bool  // no hit beyond read
	cut    bool  // the trace went on past the attack's duration
	err    error // what stopped the trace early
	prof   []float64
}

// stream is the open trace; its closer runs when the replay is done with it or is collected.
type stream struct {
	rc io.Closer
	rd *Reader
}

func (s *stream) close() {
	if s.rc != nil {
		_ = s.rc.Close()
		s.rc = nil
	}
}

func newReplayArrival(cfg model.ArrivalConfig, d time.Duration, rng *rand.Rand) (model.Arrival, error) {
	c := cfg.Replay
	switch {
	case c == nil || c.Open == nil:
		return nil, errors.New("replay: file is required")
	case math.IsNaN(c.Speed) || math.IsInf(c.Speed, 0) || c.Speed < 0:
		return nil, fmt.Errorf("replay: speed must be a positive number, got %g", c.Speed)
	case rng == nil:
		return nil, errors.New("replay: rng is required")
	}
	if err := CheckFormat(c.Format); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	a := &replay{cfg: *c, dur: d, seeds: [2]uint64{rng.Uint64(), rng.Uint64()}, st: &stream{}}
	if a.cfg.Speed == 0 {
		a.cfg.Speed = 1
	}
	runtime.AddCleanup(a, (*stream).close, a.st)
	if err := a.open(a.st); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return a, nil
}

// open opens the trace into st from its first byte, with the spreading source afresh.
func (a *replay) open(st *stream) error {
	st.close()
	rc, err := a.cfg.Open()
	if err != nil {
		return err
	}
	rd, err := NewReader(rc, a.cfg.Name, a.options())
	if err != nil {
		_ = rc.Close()
		return err
	}
	st.rc, st.rd = rc, rd
	return nil
}

func (a *replay) options() Options {
	return Options{Format: a.cfg.Format, Fields: a.cfg.Fields, APIKey: a.cfg.APIKey,
		Spread: rand.New(rand.NewPCG(a.seeds[0], a.seeds[1]))}
}

func (a *replay) Next(n uint64) (time.Duration, bool) {
	if n < a.read {
		if a.read-n <= ringSize {
			return a.ring[n%ringSize], true
		}
		if err := a.open(a.st); err != nil {
			a.stop(err)
			return 0, false
		}
		a.read, a.over, a.cut = 0, false, false
	}
	for a.read <= n {
		if a.over {
			return 0, false
		}
		r, ok := a.st.rd.Next()
		if !ok {
			a.stop(a.st.rd.Err())
			return 0, false
		}
		if a.read == 0 {
			a.origin = a.st.rd.Stats().Origin
		}
		at := scale(r.At-a.origin, a.cfg.Speed)
		if at >= a.dur {
			a.cut = true
			a.stop(nil)
			return 0, false
		}
		a.ring[a.read%ringSize] = at
		a.read++
	}
	return a.ring[n%ringSize], true
}

// stop ends the stream: there are no hits beyond those read.
func (a *replay) stop(err error) {
	a.over = true
	if err != nil && a.err == nil {
		a.err = err
	}
	a.st.close()
}

func (a *replay) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := a.Next(hits)
	if !ok {
		return 0, true
	}
	return max(at-elapsed, 0), false
}

// Exact reports that a replay's instants are the gateway's: no network delay is added.
func (a *replay) Exact() bool { return true }
