package model

import (
	"fmt"
	"time"
)

// Asynchronous invocation of a Lambda function, as the AWS Lambda Developer Guide describes
// it in "How Lambda handles errors and retries with asynchronous invocation"
// (docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html): "If the
// function returns an error, by default Lambda attempts to run it two more times, with a
// one-minute wait between the first two attempts, and two minutes between the second and
// third attempts ... For throttling errors (429) and system errors (500-series), Lambda
// returns the event to the queue and attempts to run the function again for up to 6 hours
// by default. The retry interval increases exponentially from 1 second after the first
// attempt to a maximum of 5 minutes." The limits are from "Configuring error handling
// settings for Lambda asynchronous invocations" (invocation-async-configuring.html):
// MaximumEventAgeInSeconds up to 6 hours, MaximumRetryAttempts between 0 and 2; the AWS
// announcement of those settings (Dec 2019) gives 60 seconds as the least event age, and
// says an event is discarded or sent to its dead-letter queue or on-failure destination
// when either limit is reached.
const (
	AsyncDefaultEventAge  = 6 * time.Hour    // MaximumEventAgeInSeconds default and maximum
	AsyncMinEventAge      = 60 * time.Second // MaximumEventAgeInSeconds minimum
	AsyncDefaultRetries   = 2                // MaximumRetryAttempts default and maximum
	AsyncThrottleFirst    = time.Second      // first retry interval after a throttle
	AsyncThrottleMaxDelay = 5 * time.Minute  // cap of the throttle retry interval
)

// AsyncConfig is a function's asynchronous-invocation configuration (Lambda's
// EventInvokeConfig). The zero value is Lambda's default: 6 hours, 2 retries.
type AsyncConfig struct {
	// MaxEventAge is how long an event may stay in Lambda's queue, from its submission;
	// AsyncMinEventAge to AsyncDefaultEventAge (60s..6h), default 6h when zero.
	MaxEventAge time.Duration
	// MaxRetries is how many times a function error is retried: 1 or 2, default 2 when
	// zero; -1 means no retry (MaximumRetryAttempts 0), since 0 means the default.
	MaxRetries int
}

// AsyncEvent is one asynchronous invocation waiting in Lambda's internal queue. Due hands
// it out by value; the caller gives the same value back to Throttled or Failed.
type AsyncEvent struct {
	ID        uint64        // 1, 2, … in submission order
	Payload   uint64        // the caller's reference to the request
	Enqueued  time.Duration // when Invoke accepted it; its age counts from here
	Throttles int           // attempts refused for lack of concurrency (429)
	Errors    int           // attempts that ran and returned a function error
	Due       time.Duration // when the next attempt is due
}

// before orders events for the heap: earliest Due first, then submission order.
func (e AsyncEvent) before(f AsyncEvent) bool {
	return e.Due < f.Due || (e.Due == f.Due && e.ID < f.ID)
}

// AsyncQueue is Lambda's internal queue for one function's asynchronous invocations.
// Invoke (InvocationType Event) puts an event in it with Submit; the driver takes the due
// events with Due and attempts each: an attempt that finds no concurrency is reported with
// Throttled, one whose function returns an error (timeouts included) with Failed, and a
// success needs no call. Throttled events are retried after ThrottleRetryDelay until the
// next attempt would fall after Enqueued+MaxEventAge; failed ones after ErrorRetryDelay,
// MaxRetries times, and within the same age limit.
//
// Counters: Dropped counts events discarded for age, DeadLettered those whose function
// errors used up the retries; both would go to the dead-letter queue or on-failure
// destination if one is configured, which is the driver's business. Retries counts
// rescheduled attempts of both kinds.
//
// Deviations. An event is dropped when the retry that would follow a throttle or error
// falls past its age limit, at that attempt, rather than when the limit expires: the same
// events are lost, counted earlier. Due also drops events whose age limit passed while they
// waited (a driver that reads late). The throttle backoff is per event and is not reset by
// an attempt that runs; Lambda's slower reading and longer intervals when "the queue
// contains many entries", its duplicate deliveries and its own overload drops are not
// modelled.
//
// Every operation is O(log n) in the events queued; the queue allocates only to grow its
// heap. Instants must not go backwards. The zero value is not usable: use NewAsyncQueue.
// An AsyncQueue is not safe for concurrent use.
type AsyncQueue struct {
	maxAge       time.Duration
	maxRetries   int
	heap         qheap[AsyncEvent]
	lastID       uint64
	dropped      int64
	deadLettered int64
	retries      int64
}

// NewAsyncQueue returns an empty queue for cfg, after giving zero fields their defaults.
func NewAsyncQueue(cfg AsyncConfig) (*AsyncQueue, error) {
	q := &AsyncQueue{maxAge: cfg.MaxEventAge, maxRetries: cfg.MaxRetries}
	if q.maxAge == 0 {
		q.maxAge = AsyncDefaultEventAge
	}
	switch {
	case q.maxRetries == 0:
		q.maxRetries = AsyncDefaultRetries
	case q.maxRetries == -1:
		q.maxRetries = 0
	}
	if q.maxAge < AsyncMinEventAge || q.maxAge > AsyncDefaultEventAge {
		return nil, fmt.Errorf("new async queue: max event age %v: need %v to %v",
			cfg.MaxEventAge, AsyncMinEventAge, AsyncDefaultEventAge)
	}
	if q.maxRetries < 0 || q.maxRetries > AsyncDefaultRetries {
		return nil, fmt.Errorf("new async queue: max retries %d: need -1 (none), 1 or 2 (0: default 2)",
			cfg.MaxRetries)
	}
	return q, nil
}

// MaxEventAge returns the age limit in force.
func (q *AsyncQueue) MaxEventAge() time.Duration { return q.maxAge }

// MaxRetries returns how many times a function error is retried (0 to 2).
func (q *AsyncQueue) MaxRetries() int { return q.maxRetries }

// ThrottleRetryDelay returns the wait after an event's throttles-th throttled attempt:
// 1s, 2s, 4s, … doubling, capped at 5 minutes. throttles < 1 counts as 1.
func ThrottleRetryDelay(throttles int) time.Duration {
	d := AsyncThrottleFirst
	for i := 1; i < throttles && d < AsyncThrottleMaxDelay; i++ {
		d *= 2
	}
	return min(d, AsyncThrottleMaxDelay)
}

// ErrorRetryDelay returns the wait after an event's errors-th function error: 1 minute
// after the first, 2 after the second. AWS documents no third (at most 2 retries); this
// returns 2 minutes for any later one, and 1 minute for errors < 1.
func ErrorRetryDelay(errors int) time.Duration {
	if errors >= 2 {
		return 2 * time.Minute
	}
	return time.Minute
}

// Submit queues a new event for payload, due at once, and returns it.
func (q *AsyncQueue) Submit(now time.Duration, payload uint64) AsyncEvent {
	q.lastID++
	ev := AsyncEvent{ID: q.lastID, Payload: payload, Enqueued: now, Due: now}
	q.heap.push(ev)
	return ev
}

// Due removes every event due at or before now and appends it to buf, earliest due
// first, ties in submission order. An event older than MaxEventAge at now is dropped
// instead (counted in Dropped).
func (q *AsyncQueue) Due(now time.Duration, buf []AsyncEvent) []AsyncEvent {
	for q.heap.len() > 0 && q.heap.top().Due <= now {
		ev := q.heap.pop()
		if now > ev.Enqueued+q.maxAge {
			q.dropped++
			continue
		}
		buf = append(buf, ev)
	}
	return buf
}

// Throttled records that the attempt of ev at now was throttled (no concurrency) and
// reports whether it will be retried: it is requeued ThrottleRetryDelay later, unless that
// is past ev.Enqueued+MaxEventAge, in which case it is dropped (counted in Dropped).
func (q *AsyncQueue) Throttled(now time.Duration, ev AsyncEvent) (retry bool) {
	ev.Throttles++
	return q.reschedule(ev, now+ThrottleRetryDelay(ev.Throttles))
}

// Failed records that the attempt of ev at now returned a function error and reports
// whether it will be retried: after MaxRetries retries it is dead-lettered (counted in
// DeadLettered); otherwise it is requeued ErrorRetryDelay later, unless that is past its
// age limit (then it is dropped, as Throttled does).
func (q *AsyncQueue) Failed(now time.Duration, ev AsyncEvent) (retry bool) {
	ev.Errors++
	if ev.Errors > q.maxRetries {
		q.deadLettered++
		return false
	}
	return q.reschedule(ev, now+ErrorRetryDelay(ev.Errors))
}

func (q *AsyncQueue) reschedule(ev AsyncEvent, at time.Duration) bool {
	if at > ev.Enqueued+q.maxAge {
		q.dropped++
		return false
	}
	ev.Due = at
	q.heap.push(ev)
	q.retries++
	return true
}

// NextDue returns when the earliest queued event is due; ok is false when none is queued.
func (q *AsyncQueue) NextDue() (at time.Duration, ok bool) {
	if q.heap.len() == 0 {
		return 0, false
	}
	return q.heap.top().Due, true
}

// Len returns the events queued (waiting for their first attempt or a retry).
func (q *AsyncQueue) Len() int { return q.heap.len() }

// Dropped returns the events discarded because they outlived MaxEventAge.
func (q *AsyncQueue) Dropped() int64 { return q.dropped }

// DeadLettered returns the events discarded after their last function-error retry.
func (q *AsyncQueue) DeadLettered() int64 { return q.deadLettered }

// Retries returns the attempts rescheduled so far, after throttles and function errors.
func (q *AsyncQueue) Retries() int64 { return q.retries }
