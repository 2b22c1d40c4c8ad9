package live

import (
	"time"

	"github.com/throttlelab/throttlelab/engine"
)

// loop is the wall-clock driver of the engine: the one goroutine that owns it. It sleeps
// until the next scheduled event's instant or until the world posts an event (an attempt at
// the gateway, a call's answer, a queue's receive), fires what is due, and applies the posted
// event at the instant it is applied. Goroutines that talk to the world never touch the
// engine: they post closures here. Nothing the loop does waits on I/O.
type loop struct {
	e      *engine.Engine
	start  time.Time
	events chan func(now time.Duration)
	done   chan struct{} // closed when the loop stops taking events
	timer  *time.Timer
}

// loopBuffer is how many posted events may wait for the loop; a poster waits when it is full.
const loopBuffer = 1 << 14

func newLoop(e *engine.Engine) *loop {
	return &loop{e: e, events: make(chan func(time.Duration), loopBuffer), done: make(chan struct{}),
		timer: time.NewTimer(time.Hour)}
}

// now is the run's wall-clock instant.
func (l *loop) now() time.Duration { return time.Since(l.start) }

// post hands f to the loop, to run on its goroutine with the run's instant. Once the loop has
// stopped, f is dropped: nothing posted after the end can change the run.
func (l *loop) post(f func(now time.Duration)) {
	select {
	case l.events <- f:
	case <-l.done:
	}
}

// step waits for the next thing to do (a scheduled event coming due, a posted event, a tick
// of at most max, or stop closing), does it, and reports whether stop closed.
func (l *loop) step(max time.Duration, stop <-chan struct{}) bool {
	l.e.RunUntil(l.now())
	wait := max
	if at, ok := l.e.NextAt(); ok {
		wait = min(wait, at-l.now())
	}
	if wait <= 0 {
		return false
	}
	l.timer.Reset(wait)
	defer l.timer.Stop()
	select {
	case f := <-l.events:
		l.apply(f)
		// Take what else is waiting without sleeping in between, a bounded batch.
		for i := 0; i < 256; i++ {
			select {
			case f := <-l.events:
				l.apply(f)
			default:
				return false
			}
		}
	case <-l.timer.C:
	case <-stop:
		return true
	}
	return false
}

func (l *loop) apply(f func(time.Duration)) {
	now := l.now()
	l.e.RunUntil(now)
	f(now)
}

// close stops taking events: posters return at once from then on.
func (l *loop) close() { close(l.done) }
