package live

import (
	"sync"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
)

// recorder serialises access to the one metrics.Recorder, which goroutines of the live run
// (the gateway's handlers, the clients' result loops, the workers) all feed. It never calls
// into the pipeline while holding its lock: gauges are snapshotted by the caller of advance.
type recorder struct {
	mu     sync.Mutex
	r      *metrics.Recorder
	gauges metrics.Gauges
}

func newRecorder(cfg metrics.Config) *recorder {
	rec := &recorder{}
	rec.r = metrics.NewRecorder(cfg, func(at time.Duration, g *metrics.Gauges) {
		qs := g.Queues
		*g = rec.gauges
		g.Queues = append(qs[:0], rec.gauges.Queues...)
	})
	return rec
}

// do runs f with the recorder locked.
func (rec *recorder) do(f func(r *metrics.Recorder)) {
	rec.mu.Lock()
	f(rec.r)
	rec.mu.Unlock()
}

// advance closes the seconds up to now with the gauges g.
func (rec *recorder) advance(now time.Duration, g metrics.Gauges) {
	rec.mu.Lock()
	rec.gauges = g
	rec.r.Advance(now)
	rec.mu.Unlock()
}
