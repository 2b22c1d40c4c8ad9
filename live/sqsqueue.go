package live

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/throttlelab/throttlelab/model"
)

// SQSPollInterval is what NextVisible answers by default: SQS does not say when a delayed
// or in-flight message will become visible, so a live driver waiting for work polls again
// this long after an empty receive. Each poll is one ReceiveMessage request (billed on
// AWS): at 100 ms that is 10 requests per second per idle queue.
const SQSPollInterval = 100 * time.Millisecond

// SQSQueue is a queue of a real SQS endpoint (AWS, LocalStack, fauxqs) behind the model's
// queue interface, so that consumer patterns run unchanged over it. It is safe for
// concurrent use.
//
// Mapping to the model:
//   - Message.Body is the message body as a decimal string; Message.ID is a 64-bit hash
//     (FNV-1a) of SQS's MessageId, which a message keeps when it is redriven.
//   - A Receipt is a number standing for SQS's receipt handle in a table kept here. An
//     entry leaves the table when its message is deleted or received again (the older
//     receipt is then ErrReceiptExpired, without asking SQS, as in the model); the last
//     receipt of a message that is never deleted stays in the table.
//   - SentAt and FirstReceivedAt come from the SentTimestamp and
//     ApproximateFirstReceiveTimestamp attributes (milliseconds) relative to the run's
//     epoch, so they carry the clock skew between this host and the endpoint;
//     ReceiveCount is ApproximateReceiveCount and Group is MessageGroupId.
//   - Receive never waits (WaitTimeSeconds 0): long polling is the live driver's, which
//     polls again after NextVisible, always now + the poll interval.
//   - Counts reads ApproximateNumberOfMessages, …NotVisible and …Delayed: one
//     GetQueueAttributes request per call, approximate on AWS as their names say.
//   - OldestAge is tracked here (SQS offers ApproximateAgeOfOldestMessage only as a
//     CloudWatch metric): see sqsTracker.
//   - Visibility timeouts and delays are rounded up to whole seconds.
//   - A Send with Delay 0 takes the queue's delay on a delay queue, where the model sends
//     at once: the SDK omits DelaySeconds 0 from the request. Delay -1
//     (model.QueueDefaultDelay) means the queue's delay in both.
//
// Receive, Counts, NextVisible and OldestAge cannot return errors: a failed request is
// recorded (Err, Errors) and they answer as an empty queue would. Send, Delete and
// ChangeVisibility return errors; those SQS answers that the model has an error for
// (an expired receipt, a message not in flight) map to the model's sentinel errors and do
// not count as backend errors. Every request has its own deadline (backendCalls).
//
// The tests run it against fauxqs 1.9.2 (see live/conformance_queue_test.go), which differs
// from SQS and the model in ways the suite steps around: its GetQueueAttributes counts
// move only when a queue is received from (the launcher that scripts/tools.sh writes runs
// its timers every 50 ms); a FIFO receive returns at most one message per group; a
// standard queue drops MessageGroupId; a redriven message's first receive from the
// dead-letter queue reports maxReceiveCount+2 where the model reports +1; retention is
// not enforced; a DeleteMessage after the visibility timeout succeeds without deleting
// (on FIFO queues Delete refuses it here first, as SQS does).
type SQSQueue struct {
	client *sqs.Client
	cfg    model.QueueConfig // defaults filled in
	url    string
	arn    string
	epoch  time.Time
	track  *sqsTracker // shared with the dead-letter queue
	poll   atomic.Int64

	bounds      backendCalls
	calls, errs atomic.Int64
	errMu       sync.Mutex
	err         error
}

// Name returns the queue's name.
func (q *SQSQueue) Name() string { return q.cfg.Name }

// URL returns the queue's URL.
func (q *SQSQueue) URL() string { return q.url }

// Config returns the queue's configuration, defaults filled in.
func (q *SQSQueue) Config() model.QueueConfig { return q.cfg }

// SetPollInterval sets the interval NextVisible answers (default SQSPollInterval).
func (q *SQSQueue) SetPollInterval(d time.Duration) { q.poll.Store(int64(max(d, time.Millisecond))) }

// Err returns the first backend error (a request that failed for another reason than the
// model's semantics: a refused connection, a timeout, a server error), or nil.
func (q *SQSQueue) Err() error {
	q.errMu.Lock()
	defer q.errMu.Unlock()
	return q.err
}

// Errors returns how many requests failed with a backend error.
func (q *SQSQueue) Errors() int64 { return q.errs.Load() }

// Requests returns how many requests were made to SQS, for a cost estimate.
func (q *SQSQueue) Requests() int64 { return q.calls.Load() }

// fail records a backend error of operation op and returns it wrapped.
func (q *SQSQueue) fail(op string, err error) error {
	err = fmt.Errorf("sqs %s %q: %w", op, q.cfg.Name, err)
	q.errs.Add(1)
	q.errMu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.errMu.Unlock()
	return err
}

// Send sends a message whose body is body, with the model's options and checks: a FIFO
// queue needs o.Group and a deduplication id (or content-based deduplication) and takes
// no per-message delay. On a FIFO queue a send that SQS deduplicated returns the first
// message's id and duplicate=true (SQS answers it with the first message's MessageId).
func (q *SQSQueue) Send(now time.Duration, body uint64, o model.SendOptions) (id uint64, duplicate bool, err error) {
	in, err := q.sendInput(body, o)
	if err != nil {
		return 0, false, fmt.Errorf("send to %q: %w", q.cfg.Name, err)
	}
	ctx, cancel := q.bounds.context()
	defer cancel()
	q.calls.Add(1)
	out, err := q.client.SendMessage(ctx, in)
	if err != nil {
		return 0, false, q.fail("send", err)
	}
	msgID := aws.ToString(out.MessageId)
	return messageID(msgID), q.track.sent(q, now, msgID), nil
}

// sendInput builds SendMessage's input, checking o as the model does.
func (q *SQSQueue) sendInput(body uint64, o model.SendOptions) (*sqs.SendMessageInput, error) {
	in := &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(strconv.FormatUint(body, 10))}
	if o.Group != "" {
		in.MessageGroupId = aws.String(o.Group)
	}
	if !q.cfg.FIFO {
		if o.Delay > model.QueueMaxDelay {
			return nil, fmt.Errorf("delay %v: %w", o.Delay, model.ErrDelayRange)
		}
		in.DelaySeconds = ceilSeconds(o.Delay)
		return in, nil
	}
	switch {
	case o.Group == "":
		return nil, model.ErrGroupRequired
	case o.DedupID == "" && !q.cfg.ContentDedup:
		return nil, model.ErrDedupRequired
	case o.Delay > 0:
		return nil, model.ErrFIFOMessageDelay
	}
	if o.DedupID != "" {
		in.MessageDeduplicationId = aws.String(o.DedupID)
	}
	return in, nil
}

// Receive receives up to maxMsgs messages (clamped to 1..10), each in flight for visibility
// (<= 0: the queue's timeout; more than 12 h is cut to 12 h), and appends them to buf.
// It never waits; on a failed request it returns buf as it was.
func (q *SQSQueue) Receive(now time.Duration, maxMsgs int, visibility time.Duration, buf []model.Message) []model.Message {
	maxMsgs = min(model.QueueMaxBatch, max(1, maxMsgs))
	in := &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(q.url),
		MaxNumberOfMessages: int32(maxMsgs),
		VisibilityTimeout:   ceilSeconds(min(visibility, model.QueueMaxVisibility)),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{
			types.MessageSystemAttributeNameSentTimestamp,
			types.MessageSystemAttributeNameApproximateReceiveCount,
			types.MessageSystemAttributeNameApproximateFirstReceiveTimestamp,
			types.MessageSystemAttributeNameMessageGroupId,
		},
	}
	ctx, cancel := q.bounds.context()
	defer cancel()
	q.calls.Add(1)
	out, err := q.client.ReceiveMessage(ctx, in)
	if err != nil {
		q.fail("receive", err)
		return buf
	}
	hidden := q.visibilityOf(visibility)
	for i := range out.Messages {
		m, err := q.message(&out.Messages[i])
		if err != nil {
			q.fail("receive", err) // not ours: it stays in flight and comes back
			continue
		}
		m.Receipt = q.track.received(q, now, hidden, &out.Messages[i], m.ReceiveCount)
		buf = append(buf, m)
	}
	return buf
}

// visibilityOf is how long a receive with visibility hides a message, as SQS applies it.
func (q *SQSQueue) visibilityOf(visibility time.Duration) time.Duration {
	if visibility <= 0 {
		visibility = max(0, q.cfg.VisibilityTimeout)
	}
	return time.Duration(ceilSeconds(min(visibility, model.QueueMaxVisibility))) * time.Second
}

// message converts an SQS message (its receipt aside).
func (q *SQSQueue) message(sm *types.Message) (model.Message, error) {
	body, err := strconv.ParseUint(aws.ToString(sm.Body), 10, 64)
	if err != nil {
		return model.Message{}, fmt.Errorf("message %s: body is not a decimal uint64: %w", aws.ToString(sm.MessageId), err)
	}
	a := sm.Attributes
	count, _ := strconv.Atoi(a[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	return model.Message{
		ID:              messageID(aws.ToString(sm.MessageId)),
		Body:            body,
		Group:           a[string(types.MessageSystemAttributeNameMessageGroupId)],
		SentAt:          q.since(a[string(types.MessageSystemAttributeNameSentTimestamp)]),
		FirstReceivedAt: q.since(a[string(types.MessageSystemAttributeNameApproximateFirstReceiveTimestamp)]),
		ReceiveCount:    count,
	}, nil
}

// since converts an SQS timestamp (Unix milliseconds) to an instant of the run; 0 when
// absent or unreadable.
func (q *SQSQueue) since(ms string) time.Duration {
	v, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return 0
	}
	return time.UnixMilli(v).Sub(q.epoch)
}
