package model

import "time"

// Pool models a Lambda function's concurrency: at most Limit executions at once (its
// reserved concurrency). An invocation takes an execution with TryAcquire and gives it back
// with Release when it ends; an invocation that finds all of them busy is throttled
// (Lambda's 429 TooManyRequestsException) and counted. What a throttled caller does next
// (an SQS event source backs off and the message returns after its visibility timeout; an
// asynchronous invoke is retried by Lambda) is the consumer pattern's business.
//
// now is taken for symmetry with the other models and for future time-weighted accounting;
// the pool's decisions do not depend on it. The zero value is a pool of limit 0, which
// throttles every invocation. A Pool is not safe for concurrent use.
type Pool struct {
	limit     int
	inUse     int
	throttles int64
}

// NewPool returns a pool of n concurrent executions (n < 0 is taken as 0).
func NewPool(n int) *Pool { return &Pool{limit: max(0, n)} }

// TryAcquire takes an execution if one is free and reports whether it did; a refusal is
// counted in Throttles.
func (p *Pool) TryAcquire(now time.Duration) bool {
	if p.inUse >= p.limit {
		p.throttles++
		return false
	}
	p.inUse++
	return true
}

// Release gives back an execution taken by TryAcquire. Releasing more than was acquired
// is a bug in the caller, and panics (as sync.WaitGroup does on a negative counter).
func (p *Pool) Release(now time.Duration) {
	if p.inUse == 0 {
		panic("model: Pool.Release without a matching TryAcquire")
	}
	p.inUse--
}

// InUse returns the executions running now.
func (p *Pool) InUse() int { return p.inUse }

// Limit returns the pool's concurrency limit.
func (p *Pool) Limit() int { return p.limit }

// Throttles returns how many acquisitions were refused so far.
func (p *Pool) Throttles() int64 { return p.throttles }

// Scaling of Lambda's SQS event-source mapping (standard queues, default mode, no
// provisioned pollers), from the AWS Lambda Developer Guide, "Configuring scaling behavior
// for SQS event source mappings" (docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html):
// "When messages are available, Lambda starts processing five batches at a time with five
// concurrent invocations ... If messages are still available, Lambda increases the number
// of processes that are reading batches by up to 300 more concurrent invokes per minute.
// The maximum number of invokes that an event source mapping can process simultaneously
// is 1,250. When traffic is low, Lambda scales back the processing to five concurrent
// invokes". Older revisions of that page say 1,000; before the change announced on the AWS
// Compute Blog ("Introducing faster polling scale-up for AWS Lambda functions configured
// with Amazon SQS") the rate was 60 per minute.
const (
	PollerStartBatches  = 5    // concurrent batches when messages first appear
	PollerAddPerMinute  = 300  // scale-up rate while messages remain
	PollerMaxBatches    = 1250 // a mapping's ceiling whatever the function's concurrency
	PollerScaleDownIdle = time.Minute
)

// PollerRamp models how many batches Lambda's SQS event-source mapping may have in flight
// (the "pollers" of the consumer pattern with poller_ramp: true).
//
// Model. While the queue has a backlog, the allowance grows linearly from 5 by 300 per
// minute (one more batch every 200 ms), up to min(limit, 1,250). Growth accrues over the
// time between two calls that both report a backlog, so the driver should call Allowed at
// least whenever the backlog starts or ends. When the queue has had no backlog for
// PollerScaleDownIdle (1 minute) the allowance falls back to 5 in one step; during a
// shorter lull it holds its level. AWS publishes neither the idle time before scaling down
// nor how gradual the scale-down is, nor the "as few as 2" optimisation for low traffic:
// the 1 minute step is this model's assumption, and the floor stays 5.
//
// Instants must not go backwards (an earlier now is taken as the latest seen). The zero
// value is a ramp with no limit but the 1,250 ceiling; it is not safe for concurrent use.
type PollerRamp struct {
	limit       int
	grown       time.Duration // backlog time accrued since the last scale-down
	last        time.Duration // instant of the previous call
	lastBacklog time.Duration // latest instant a backlog was reported
	backlog     bool          // what the previous call reported
}

// NewPollerRamp returns a ramp capped at limit concurrent batches (typically the
// function's reserved concurrency or the mapping's MaximumConcurrency); limit <= 0 means
// only the 1,250 ceiling applies.
func NewPollerRamp(limit int) *PollerRamp { return &PollerRamp{limit: limit} }

// Allowed returns how many batches the event source may have in flight at now, given
// whether the queue has messages waiting (backlog).
func (r *PollerRamp) Allowed(now time.Duration, backlog bool) int {
	now = max(now, r.last)
	switch {
	case backlog && r.backlog:
		r.grown = min(r.grown+now-r.last, r.fullAfter())
	case !backlog && now-r.lastBacklog >= PollerScaleDownIdle:
		r.grown = 0
	}
	if backlog {
		r.lastBacklog = now
	}
	r.last, r.backlog = now, backlog
	return r.level()
}

func (r *PollerRamp) ceiling() int {
	if r.limit > 0 {
		return min(r.limit, PollerMaxBatches)
	}
	return PollerMaxBatches
}

// fullAfter is the growth after which the ramp is at its ceiling; capping grown there keeps
// the arithmetic in level from overflowing.
func (r *PollerRamp) fullAfter() time.Duration {
	return time.Duration(PollerMaxBatches) * time.Minute / PollerAddPerMinute
}

func (r *PollerRamp) level() int {
	n := PollerStartBatches + int(r.grown*PollerAddPerMinute/time.Minute)
	return min(n, r.ceiling())
}
