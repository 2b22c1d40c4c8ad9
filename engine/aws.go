package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/pipeline"
)

// awsCount counts the AWS requests and compute the emulated design would be billed for, for
// the cost estimate (pipeline.AWSMetrics adds what the models know). What the recorder
// already counts (gateway attempts, messages sent) is not repeated here.
type awsCount struct {
	sqsSends, sqsReceives, sqsDeletes int64
	lambdaInvokes                     int64
	lambdaTime                        time.Duration
	ddbWrites                         int64
}

// awsStats puts the AWS request counts in the summary. With a state port the store counts
// its own DynamoDB requests (the driver sets those metrics); without, they are estimated.
func (e *Engine) awsStats(end time.Duration) {
	a := e.aws
	for k, v := range e.p.AWSMetrics(pipeline.AWSCounts{SQSSends: a.sqsSends, SQSReceives: a.sqsReceives,
		SQSDeletes: a.sqsDeletes, LambdaInvokes: a.lambdaInvokes, LambdaTime: a.lambdaTime,
		FailureWrites: a.ddbWrites, EstimateDynamo: e.ports.State == nil}, end) {
		e.rec.Set(k, v)
	}
}
