package live

import (
	"sync/atomic"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/pipeline"
)

// awsCounts counts the AWS requests and compute the live run's design would be billed for,
// under the same names and rules as the simulator's (pipeline.AWSMetrics), so that both modes
// carry the same cost estimate.
type awsCounts struct {
	sends, receives, deletes atomic.Int64
	invokes                  atomic.Int64
	lambdaNs                 atomic.Int64
}

func (c *awsCounts) lambda(d time.Duration) {
	c.invokes.Add(1)
	c.lambdaNs.Add(int64(d))
}

// awsStats puts the AWS request counts in the summary. The orchestrator's DynamoDB calls are
// those its state store counted (backendStats).
func (r *runner) awsStats(end time.Duration) {
	c := &r.count
	counts := pipeline.AWSCounts{SQSSends: c.sends.Load(), SQSReceives: c.receives.Load(),
		SQSDeletes: c.deletes.Load(), LambdaInvokes: c.invokes.Load(), LambdaTime: time.Duration(c.lambdaNs.Load())}
	r.mu.Lock()
	m := r.p.AWSMetrics(counts, end)
	r.mu.Unlock()
	r.rec.do(func(rec *metrics.Recorder) {
		for k, v := range m {
			rec.Set(k, v)
		}
	})
}
