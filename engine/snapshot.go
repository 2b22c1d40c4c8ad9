package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// Snapshot returns a read-out of the run so far, for an exporter: the recorder's counters,
// caught up with every event (metrics.Journal.Snapshot), the gauges of the latest closed
// second, the requests in flight now and the Lambda functions' counters. It waits for the
// recorder's goroutine: call it about once a second, not per event.
func (e *Engine) Snapshot() *metrics.Live {
	var l *metrics.Live
	e.rec.Snapshot(func(r *metrics.Recorder) { l = r.Live(e.k.now, int64(e.reqs.live)) })
	l.Lambda = e.lambdaCounts(l)
	return l
}

// lambdaCounts are the design's Lambda functions' counters so far (nil: it has none): the
// invocations and run time the cost estimate counts, the pools' throttles, and the calls
// the functions made that failed.
func (e *Engine) lambdaCounts(l *metrics.Live) *metrics.LiveLambda {
	p := e.p
	if p.Backend == nil && p.Pattern == nil && p.Orchestrator == nil {
		return nil
	}
	m := p.AWSMetrics(pipeline.AWSCounts{LambdaInvokes: e.aws.lambdaInvokes, LambdaTime: e.aws.lambdaTime}, e.k.now)
	ll := &metrics.LiveLambda{Invocations: int64(m["aws_lambda_invocations_total"]),
		Errors:   l.Totals.Calls - l.Totals.CallsOK,
		Duration: time.Duration(m["aws_lambda_duration_seconds_total"] * float64(time.Second))}
	for _, pool := range []*model.Pool{p.Backend, p.Workers} {
		if pool != nil {
			ll.Throttles += pool.Throttles()
		}
	}
	return ll
}
