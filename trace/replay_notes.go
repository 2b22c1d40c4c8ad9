package trace

import (
	"fmt"
	"time"

	"github.com/throttlelab/throttlelab/internal/num"
)

// profileBuckets bounds the buckets of the rate profile Rate answers from.
const profileBuckets = 4096

// Rate is the replay's rate at elapsed, in hits per second: the hits of the profile bucket
// elapsed falls in, divided by its width — a second, or for attacks longer than 4096 s, a
// 4096th of the attack rounded up to whole seconds. The profile is built on the first call,
// by reading the trace once more (live load asks it before the attack, to size its workers).
func (a *replay) Rate(elapsed time.Duration) float64 {
	if elapsed < 0 || elapsed >= a.dur {
		return 0
	}
	if a.prof == nil {
		a.prof = a.profile()
	}
	w := a.bucket()
	return a.prof[int(elapsed/w)] / w.Seconds()
}

func (a *replay) bucket() time.Duration {
	w := (a.dur/profileBuckets + time.Second - 1).Truncate(time.Second)
	return max(w, time.Second)
}

// profile counts the hits of each bucket, reading the trace on a stream of its own.
func (a *replay) profile() []float64 {
	w := a.bucket()
	counts := make([]float64, int((a.dur+w-1)/w))
	st := &stream{}
	defer st.close()
	if err := a.open(st); err != nil {
		return counts
	}
	origin, first := int64(0), true
	for {
		r, ok := st.rd.Next()
		if !ok {
			return counts
		}
		if first {
			origin, first = st.rd.Stats().Origin, false
		}
		at := scale(r.At-origin, a.cfg.Speed)
		if at >= a.dur {
			return counts
		}
		counts[int(at/w)]++
	}
}

// Notes say how the trace was replayed: timestamps spread over their second, lines skipped,
// a trace longer than the run, a trace that could not be read to its end. They count what
// was read by the time they are asked for; a driver asks once the run is over.
func (a *replay) Notes() []string {
	var notes []string
	if a.st.rd == nil {
		return nil
	}
	s := a.st.rd.Stats()
	name := a.cfg.Name
	if s.Coarse > 0 {
		notes = append(notes, fmt.Sprintf("replay of %s: %s of the %s requests replayed were logged with whole seconds only; each was placed uniformly at random within its second (seeded, so the run stays deterministic)",
			name, num.Count(float64(s.Coarse)), num.Count(float64(s.Requests))))
	}
	if s.Bad > 0 {
		notes = append(notes, fmt.Sprintf("replay of %s: %s lines could not be read and were skipped (the first: %s)", name, num.Count(float64(s.Bad)), s.Samples[0]))
	}
	if a.cut {
		notes = append(notes, fmt.Sprintf("replay of %s: the trace goes on past the run's duration (%s); its later requests were not replayed", name, a.dur))
	}
	if a.err != nil {
		notes = append(notes, fmt.Sprintf("replay of %s stopped early: %v", name, a.err))
	}
	return notes
}
