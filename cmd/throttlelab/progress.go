package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is the progress bar of a run on stderr, counting scenario time. It is drawn only
// when stderr is a terminal, and only once a run has taken more than a second. done ends it
// at 100%, on its own line. A log file or a CI console gets no bar: a long run writes it a
// plain line every statusEvery of wall time instead, so that a CI job shows it is alive.
type progress struct {
	w     io.Writer
	what  string
	on    bool      // not --quiet, and w is a terminal
	lines bool      // not --quiet, and w is not a terminal: a status line now and then
	said  time.Time // when the latest status line was written (start before the first)
	start time.Time
	clock func() time.Time // time.Now; tests replace it
	bar   *progressbar.ProgressBar
	// reached is the scenario time of the latest update.
	reached time.Duration
}

func newProgress(w io.Writer, quiet bool, what string) *progress {
	tty := isTerminal(w)
	now := time.Now()
	return &progress{w: w, what: what, on: !quiet && tty, lines: !quiet && !tty, start: now, said: now, clock: time.Now}
}

// statusEvery is how often a run writes a status line to a non-terminal.
const statusEvery = 30 * time.Second

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// update reports the scenario time reached, now, out of end (duration plus drain).
func (p *progress) update(now, end time.Duration) {
	if p.lines {
		if t := p.clock(); t.Sub(p.said) >= statusEvery {
			p.said = t
			fmt.Fprintf(p.w, "throttlelab: %s: %s of %s (%.0f%%), %s elapsed\n", p.what, now.Truncate(time.Second),
				end.Truncate(time.Second), 100*min(1, now.Seconds()/max(1, end.Seconds())), t.Sub(p.start).Round(time.Second))
		}
		return
	}
	if !p.on {
		return
	}
	p.reached = now
	if p.bar == nil {
		if p.clock().Sub(p.start) < time.Second {
			return
		}
		p.bar = progressbar.NewOptions64(max(1, seconds(end)),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.what),
			progressbar.OptionSetItsString("s"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			// Elapsed wall time, and no estimate of the time left: the library's estimate
			// rounds to 0s at a simulator's pace, and the rate (scenario seconds per second)
			// says more.
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
		)
	}
	_ = p.bar.Set64(min(int64(now/time.Second), p.bar.GetMax64()))
}

// done ends the bar at the scenario time the run ended (0: the latest update's). A run whose
// drain finished before its deadline ends before the end it was given: the bar's total
// becomes the time reached, so it shows 100% and no time left, not a stale estimate.
func (p *progress) done(ended time.Duration) {
	if p.bar == nil {
		return
	}
	if ended <= 0 {
		ended = p.reached
	}
	if s := max(1, seconds(ended)); s < p.bar.GetMax64() {
		p.bar.ChangeMax64(s)
	}
	_ = p.bar.Finish()
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }
