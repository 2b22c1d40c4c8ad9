package main

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is the progress bar of a run on stderr. It appears only once a run has taken more
// than a second, and counts scenario time.
type progress struct {
	w     io.Writer
	what  string
	quiet bool
	start time.Time
	bar   *progressbar.ProgressBar
}

func newProgress(w io.Writer, quiet bool, what string) *progress {
	return &progress{w: w, what: what, quiet: quiet, start: time.Now()}
}

// update reports the virtual time reached out of end.
func (p *progress) update(now, end time.Duration) {
	if p.quiet {
		return
	}
	if p.bar == nil {
		if time.Since(p.start) < time.Second {
			return
		}
		p.bar = progressbar.NewOptions64(int64(end/time.Second),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.what),
			progressbar.OptionSetItsString("s"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = p.bar.Set64(int64(now / time.Second))
}

func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
