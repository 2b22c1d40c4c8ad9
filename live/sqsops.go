package live

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/throttlelab/throttlelab/model"
)

// Delete deletes the message received with r. A receipt this queue never issued is
// ErrReceiptInvalid; one whose message was deleted or received again since is
// ErrReceiptExpired, without a request, and so is, on a FIFO queue, one whose visibility
// timeout has ended (SQS answers that the receipt handle has expired; this is checked
// here too, since fauxqs accepts such a delete and deletes nothing). Otherwise SQS
// decides: it may accept a stale handle without deleting anything.
func (q *SQSQueue) Delete(now time.Duration, r model.Receipt) error {
	rc, err := q.track.lookup(q, r)
	if err == nil && q.cfg.FIFO && q.track.timedOut(q, rc, now) {
		err = model.ErrReceiptExpired
	}
	if err != nil {
		return fmt.Errorf("delete from %q: %w", q.cfg.Name, err)
	}
	ctx, cancel := q.bounds.context()
	defer cancel()
	q.calls.Add(1)
	_, err = q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(rc.handle)})
	if err != nil {
		return q.receiptError("delete", err)
	}
	q.track.deleted(q, r, rc)
	return nil
}

// ChangeVisibility sets the in-flight message's visibility timeout to timeout from now
// (rounded up to whole seconds): 0 makes it visible at once. timeout must be 0..12h
// (ErrVisibilityRange); SQS also refuses one reaching beyond 12 h after the receive. A
// message no longer in flight is ErrNotInFlight on a standard queue and
// ErrReceiptExpired on a FIFO queue, as in the model.
func (q *SQSQueue) ChangeVisibility(now time.Duration, r model.Receipt, timeout time.Duration) error {
	if timeout < 0 || timeout > model.QueueMaxVisibility {
		return fmt.Errorf("change visibility in %q: timeout %v: %w", q.cfg.Name, timeout, model.ErrVisibilityRange)
	}
	rc, err := q.track.lookup(q, r)
	if err != nil {
		return fmt.Errorf("change visibility in %q: %w", q.cfg.Name, err)
	}
	secs := ceilSeconds(timeout)
	ctx, cancel := q.bounds.context()
	defer cancel()
	q.calls.Add(1)
	_, err = q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(rc.handle), VisibilityTimeout: secs})
	if err != nil {
		return q.receiptError("change visibility", err)
	}
	q.track.hide(q, rc, now+time.Duration(secs)*time.Second)
	return nil
}

// receiptError maps SQS's answer to a request naming a receipt handle to the model's
// errors; any other failure is a backend error.
func (q *SQSQueue) receiptError(op string, err error) error {
	var invalid *types.ReceiptHandleIsInvalid
	var notInFlight *types.MessageNotInflight
	code := apiErrorCode(err)
	var sentinel error
	switch {
	case errors.As(err, &notInFlight) || strings.HasSuffix(code, "MessageNotInflight"):
		sentinel = model.ErrNotInFlight
		if q.cfg.FIFO {
			sentinel = model.ErrReceiptExpired
		}
	case errors.As(err, &invalid) || strings.HasSuffix(code, "ReceiptHandleIsInvalid"):
		sentinel = model.ErrReceiptExpired // the handle was real: SQS no longer takes it
	case strings.HasSuffix(code, "InvalidParameterValue") && strings.Contains(err.Error(), "expired"):
		sentinel = model.ErrReceiptExpired
	default:
		return q.fail(op, err)
	}
	return fmt.Errorf("%s in %q: %w (%w)", op, q.cfg.Name, sentinel, err)
}

// Counts returns ApproximateNumberOfMessages (visible), …NotVisible (in flight) and
// …Delayed, with one GetQueueAttributes request; zeros when it fails.
func (q *SQSQueue) Counts(now time.Duration) (visible, inFlight, delayed int) {
	names := []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages,
		types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	}
	ctx, cancel := q.bounds.context()
	defer cancel()
	q.calls.Add(1)
	out, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.url), AttributeNames: names})
	if err != nil {
		q.fail("counts", err)
		return 0, 0, 0
	}
	var n [3]int
	for i, name := range names {
		if n[i], err = strconv.Atoi(out.Attributes[string(name)]); err != nil {
			q.fail("counts", fmt.Errorf("attribute %s: %w", name, err))
			return 0, 0, 0
		}
	}
	return n[0], n[1], n[2]
}

// NextVisible cannot be known from SQS: it answers now plus the poll interval, always,
// so that a driver waiting for work polls again then (see SQSPollInterval).
func (q *SQSQueue) NextVisible(now time.Duration) (at time.Duration, ok bool) {
	return now + time.Duration(q.poll.Load()), true
}

// OldestAge returns how long the oldest message still counted in this queue has been in
// it, as tracked here (see sqsTracker); 0 when none is. It makes no request.
func (q *SQSQueue) OldestAge(now time.Duration) time.Duration {
	return q.track.oldest(q, now)
}

// The SQS queue is a model queue.
var _ model.QueueAPI = (*SQSQueue)(nil)
