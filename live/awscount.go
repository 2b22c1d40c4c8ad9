package live

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
)

// awsCounts counts the AWS requests and compute the live run's design would be billed for,
// under the same names and rules as the simulator's (sim/aws.go), so that both modes carry
// the same cost estimate.
type awsCounts struct {
	sends, receives, deletes atomic.Int64
	invokes                  atomic.Int64
	lambdaNs                 atomic.Int64
}

func (c *awsCounts) lambda(d time.Duration) {
	c.invokes.Add(1)
	c.lambdaNs.Add(int64(d))
}

// esmIdlePollers is how many pollers an SQS event-source mapping keeps long-polling (20 s)
// when its queue is empty.
const esmIdlePollers = 5

// awsStats puts the AWS request counts in the summary.
func (r *runner) awsStats(end time.Duration) {
	c := &r.count
	receives, deletes := c.receives.Load(), c.deletes.Load()
	invokes, ltime := c.invokes.Load(), time.Duration(c.lambdaNs.Load())
	r.mu.Lock()
	if pr, ok := r.p.Pattern.(interface{ Checks() int64 }); ok {
		receives += pr.Checks()
	}
	if r.p.Pattern != nil {
		receives += int64(len(r.p.Queues)) * esmIdlePollers * int64(math.Ceil(end.Seconds()/20))
	}
	if o := r.p.Orchestrator; o != nil {
		s := o.Stats(end)
		receives += s.Receives
		deletes += s.Invokes
		invokes += s.Runs + s.HealthChecks
		ltime += s.RunTime
	}
	r.mu.Unlock()
	r.rec.do(func(m *metrics.Recorder) {
		m.Set("aws_sqs_send_requests_total", float64(c.sends.Load()))
		m.Set("aws_sqs_receive_requests_total", float64(receives))
		m.Set("aws_sqs_delete_requests_total", float64(deletes))
		m.Set("aws_lambda_invocations_total", float64(invokes))
		m.Set("aws_lambda_duration_seconds_total", ltime.Seconds())
	})
}
