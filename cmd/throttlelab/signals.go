package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// abortGrace is how long a run may take to write its partial report after a second signal
// before the process exits regardless.
const abortGrace = 5 * time.Second

// interrupts turns SIGINT and SIGTERM into the run's stopping: the first ends ctx (the load
// stops, a short drain, a partial report), the second closes abort (the report at once) and,
// should writing it hang, the process exits abortGrace later. stop releases the signals.
func interrupts(stderr io.Writer) (ctx context.Context, abort <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ab := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case s := <-sigs:
				n++
				switch n {
				case 1:
					fmt.Fprintf(stderr, "\nthrottlelab: %v: stopping the load and writing a partial report (again to stop at once)\n", s)
					cancel()
				case 2:
					fmt.Fprintf(stderr, "\nthrottlelab: %v again: writing what is known now\n", s)
					close(ab)
					time.AfterFunc(abortGrace, func() { os.Exit(exitFailure) })
				}
			case <-done:
				return
			}
		}
	}()
	return ctx, ab, func() { signal.Stop(sigs); close(done); cancel() }
}
