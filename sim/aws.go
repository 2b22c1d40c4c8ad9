package sim

import (
	"math"
	"time"
)

// awsCount counts the AWS requests and compute the emulated design would be billed for, for
// the cost estimate. What the recorder already counts (gateway attempts, messages sent) is
// not repeated here.
type awsCount struct {
	sqsSends, sqsReceives, sqsDeletes int64
	lambdaInvokes                     int64
	lambdaTime                        time.Duration
	ddbReads, ddbWrites               int64
}

// esmIdlePollers is how many pollers an SQS event-source mapping keeps long-polling (20 s)
// when its queue is empty.
const esmIdlePollers = 5

// awsStats puts the AWS request counts in the summary:
//
//   - SQS: SendMessage per message (gateway and re-queues), ReceiveMessage per call (event
//     source batches, workers' checks of higher queues, the orchestrator's polls, plus the
//     mapping's idle long polls: 5 pollers × one 20 s poll each while the run lasts, an
//     upper bound), DeleteMessage per message;
//   - Lambda: invocations and their summed duration (executions of the consumer, the
//     orchestrator's runs, its workers and health checks);
//   - DynamoDB (orchestrator state): one read per run and per poll, one write per ten
//     invokes (the quota counters, written back "every few iterations") and per failure or
//     breaker change;
//   - Step Functions: state transitions of task-token executions.
func (r *runner) awsStats(end time.Duration) {
	a := r.aws
	sends := a.sqsSends
	receives := a.sqsReceives
	if pr, ok := r.p.Pattern.(interface{ Checks() int64 }); ok {
		receives += pr.Checks()
	}
	if r.p.Pattern != nil {
		receives += int64(len(r.p.Queues)) * esmIdlePollers * int64(math.Ceil(end.Seconds()/20))
	}
	deletes := a.sqsDeletes
	invokes, ltime := a.lambdaInvokes, a.lambdaTime
	reads, writes := a.ddbReads, a.ddbWrites
	if o := r.p.Orchestrator; o != nil {
		s := o.Stats(end)
		receives += s.Receives
		deletes += s.Invokes
		invokes += s.Runs + s.HealthChecks
		ltime += s.RunTime
		reads += s.Runs + s.Receives + s.HealthChecks
		writes += (s.Invokes+9)/10 + 2*s.BreakerOpened
	}
	r.rec.Set("aws_sqs_send_requests_total", float64(sends))
	r.rec.Set("aws_sqs_receive_requests_total", float64(receives))
	r.rec.Set("aws_sqs_delete_requests_total", float64(deletes))
	r.rec.Set("aws_lambda_invocations_total", float64(invokes))
	r.rec.Set("aws_lambda_duration_seconds_total", ltime.Seconds())
	r.rec.Set("aws_dynamodb_reads_total", float64(reads))
	r.rec.Set("aws_dynamodb_writes_total", float64(writes))
}
