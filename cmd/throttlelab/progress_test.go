package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A bar goes only to a terminal: a buffer, a file or a pipe gets no bar, but a long run
// writes it a plain status line every 30 s of wall time; --quiet writes nothing.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false, "simulating")
	wall := p.start
	p.clock = func() time.Time { return wall }
	for i := 1; i <= 70; i++ { // 70 s of wall time, a scenario second each
		wall = p.start.Add(time.Duration(i) * time.Second)
		p.update(time.Duration(i)*time.Second, 2*time.Minute)
	}
	p.done(time.Minute)
	want := "throttlelab: simulating: 30s of 2m0s (25%), 30s elapsed\n" +
		"throttlelab: simulating: 1m0s of 2m0s (50%), 1m0s elapsed\n"
	if b.String() != want {
		t.Errorf("a non-terminal got %q, want %q", b.String(), want)
	}
	var q bytes.Buffer
	p = newProgress(&q, true, "simulating")
	p.clock = func() time.Time { return p.start.Add(time.Hour) }
	p.update(30*time.Second, time.Minute)
	p.done(time.Minute)
	if q.Len() != 0 {
		t.Errorf("--quiet wrote %q", q.String())
	}
}

// A run whose drain ends early (here at 2m5.3s of 2m + 5m) leaves the bar at 100%, its count
// at the time reached, with no estimate left: not "28%" and a stale "ETA 5m0s".
func TestProgressEndsAtFullWhenTheDrainEndsEarly(t *testing.T) {
	var b bytes.Buffer
	now := time.Now()
	p := &progress{w: &b, what: "simulating", on: true, start: now, clock: func() time.Time { return now }}
	p.update(10*time.Second, 7*time.Minute)
	if b.Len() != 0 {
		t.Fatalf("a bar within the first second: %q", b.String())
	}
	now = now.Add(2 * time.Second)
	p.update(60*time.Second, 7*time.Minute)
	p.update(120*time.Second, 7*time.Minute)
	p.done(125*time.Second + 300*time.Millisecond)
	out := b.String()
	last := out[strings.LastIndex(strings.TrimRight(out, "\n"), "\r")+1:]
	for _, want := range []string{"simulating", "100%", "(126/126"} {
		if !strings.Contains(last, want) {
			t.Errorf("the bar's last state %q does not say %q", last, want)
		}
	}
	if strings.Contains(last, ":") {
		t.Errorf("the bar's last state %q shows an estimate of time left", last)
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("the finished bar is not on a line of its own: %q", out)
	}
}
