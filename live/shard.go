package live

import (
	"context"
	"fmt"
	"time"
)

// shardArrivals makes the run's clients offer the shard's part of their arrivals
// (Options.Shard): the load generator paces by it and the engine numbers each request by
// its place in the whole schedule, so every shard agrees on who sends what.
func (r *runner) shardArrivals() {
	s := r.opts.Shard
	if !s.Sharded() {
		return
	}
	p := r.e.Pipeline()
	for i := range p.Clients {
		p.Clients[i].Arrival = s.Of(p.Clients[i].Arrival)
	}
	r.notes = append(r.notes, fmt.Sprintf("shard %s: this run offered its 1/%d of each client's arrivals (arrival k when k mod %d = %d); "+
		"throttlelab merge combines the shards' run directories", s, s.N, s.N, s.I))
	if r.opts.Target == "" {
		r.notes = append(r.notes, "shard without --target: this shard emulated a gateway, queues and consumer of its own, whose limits applied to its part of the load alone; "+
			"only a downstream.url is shared by the shards")
	}
}

// waitForStart makes Options.StartAt (or now, without one) the run's instant 0, waiting
// until then: shards given one StartAt count the same seconds. It reports false when ctx
// ended (or the run was aborted) while it waited.
func (r *runner) waitForStart(ctx context.Context) bool {
	at := r.opts.StartAt
	if at.IsZero() {
		r.l.start = time.Now()
		return true
	}
	r.l.start = at
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-r.opts.Abort:
	}
	r.l.start = time.Now() // nothing ran: the partial report is of an empty run
	return false
}

// maxStartLate is how far past Options.StartAt a run may be ready and still start: beyond,
// its seconds would not be the other shards'.
const maxStartLate = time.Second

// checkStart refuses a run whose StartAt passed while it was being set up.
func (r *runner) checkStart() error {
	if at := r.opts.StartAt; !at.IsZero() {
		if late := time.Since(at); late > maxStartLate {
			return fmt.Errorf("start at %s: the run was ready %s after it, so its seconds would not line up with the other shards': give the shards an instant further ahead",
				at.UTC().Format(time.RFC3339Nano), late.Round(time.Millisecond))
		}
	}
	return nil
}
