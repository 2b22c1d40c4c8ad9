package live

import (
	"context"
	"encoding/json"
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

// NewSQSClient returns an SQS client for endpoint ("" for AWS itself, else a URL such as
// http://127.0.0.1:4566 set as the client's BaseEndpoint) in region. Retries are off and a
// loopback endpoint gets dummy credentials (see awsConfig).
func NewSQSClient(ctx context.Context, endpoint, region string) (*sqs.Client, error) {
	cfg, err := awsConfig(ctx, endpoint, region)
	if err != nil {
		return nil, fmt.Errorf("new sqs client: %w", err)
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint = baseEndpoint(endpoint)
	}), nil
}

// CreateSQSQueue creates the SQS queue that cfg describes and returns it, with every
// attribute the model knows: VisibilityTimeout, DelaySeconds, MessageRetentionPeriod,
// ReceiveMessageWaitTimeSeconds 0, FifoQueue and ContentBasedDeduplication, and, with
// cfg.MaxReceiveCount > 0, a RedrivePolicy to dlq (which must then be given, of the same
// type). cfg.DeadLetter is ignored: dlq takes its place. Durations are rounded up to whole
// seconds, as SQS counts them. cfg is checked and defaulted as model.NewQueue does.
//
// cfg.Name is used as it is: the caller makes it unique to the run (a run-id prefix), since
// SQS refuses to re-create a queue with other attributes and a deleted name stays taken for
// a minute; a FIFO queue's name must end in ".fifo". epoch is the instant the run began:
// the queue's instants (time.Durations, as the model's) count from it.
func CreateSQSQueue(ctx context.Context, client *sqs.Client, cfg model.QueueConfig, dlq *SQSQueue, epoch time.Time) (*SQSQueue, error) {
	cfg, err := checkSQSConfig(cfg, dlq)
	if err != nil {
		return nil, fmt.Errorf("create sqs queue %q: %w", cfg.Name, err)
	}
	attrs, err := sqsAttributes(cfg, dlq)
	if err != nil {
		return nil, fmt.Errorf("create sqs queue %q: %w", cfg.Name, err)
	}
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(cfg.Name), Attributes: attrs})
	if err != nil {
		return nil, fmt.Errorf("create sqs queue %q: %w", cfg.Name, err)
	}
	q := &SQSQueue{client: client, cfg: cfg, url: aws.ToString(out.QueueUrl), epoch: epoch}
	q.poll.Store(int64(SQSPollInterval))
	q.calls.Add(2)
	if q.arn, err = q.queueARN(ctx); err != nil {
		return nil, fmt.Errorf("create sqs queue %q: %w", cfg.Name, err)
	}
	if dlq != nil {
		q.track = dlq.track // a message keeps its id when redriven: one tracker for both
	} else {
		q.track = newSQSTracker()
	}
	return q, nil
}

// checkSQSConfig validates cfg as the model does and against what SQS needs.
func checkSQSConfig(cfg model.QueueConfig, dlq *SQSQueue) (model.QueueConfig, error) {
	cfg.DeadLetter = nil
	mq, err := model.NewQueue(cfg, model.QueueHooks{})
	if err != nil {
		return cfg, err
	}
	cfg = mq.Config()
	switch {
	case cfg.FIFO != strings.HasSuffix(cfg.Name, ".fifo"):
		return cfg, errors.New(`a fifo queue's name, and only its, must end in ".fifo"`)
	case cfg.MaxReceiveCount > 0 && dlq == nil:
		return cfg, errors.New("max receive count needs a dead-letter queue on sqs")
	case dlq != nil && dlq.cfg.FIFO != cfg.FIFO:
		return cfg, fmt.Errorf("dead-letter queue %q is not of the same type", dlq.cfg.Name)
	}
	return cfg, nil
}

// sqsAttributes returns the CreateQueue attributes of cfg.
func sqsAttributes(cfg model.QueueConfig, dlq *SQSQueue) (map[string]string, error) {
	attrs := map[string]string{
		string(types.QueueAttributeNameVisibilityTimeout):             sqsSeconds(max(0, cfg.VisibilityTimeout)),
		string(types.QueueAttributeNameDelaySeconds):                  sqsSeconds(cfg.Delay),
		string(types.QueueAttributeNameMessageRetentionPeriod):        sqsSeconds(cfg.Retention),
		string(types.QueueAttributeNameReceiveMessageWaitTimeSeconds): "0",
	}
	if cfg.FIFO {
		attrs[string(types.QueueAttributeNameFifoQueue)] = "true"
		attrs[string(types.QueueAttributeNameContentBasedDeduplication)] = strconv.FormatBool(cfg.ContentDedup)
	}
	if cfg.MaxReceiveCount > 0 {
		policy, err := json.Marshal(map[string]string{
			"deadLetterTargetArn": dlq.arn,
			"maxReceiveCount":     strconv.Itoa(cfg.MaxReceiveCount),
		})
		if err != nil {
			return nil, fmt.Errorf("redrive policy: %w", err)
		}
		attrs[string(types.QueueAttributeNameRedrivePolicy)] = string(policy)
	}
	return attrs, nil
}

// queueARN reads the queue's ARN, which a source queue's redrive policy names.
func (q *SQSQueue) queueARN(ctx context.Context) (string, error) {
	out, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(q.url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("read arn: %w", err)
	}
	arn := out.Attributes[string(types.QueueAttributeNameQueueArn)]
	if arn == "" {
		return "", errors.New("read arn: none returned")
	}
	return arn, nil
}

// DeleteQueue deletes the queue from SQS, for cleanup at the end of a run. (It is not
// Delete, which deletes a message, as model.QueueAPI has it.)
func (q *SQSQueue) DeleteQueue(ctx context.Context) error {
	q.calls.Add(1)
	if _, err := q.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(q.url)}); err != nil {
		return fmt.Errorf("delete sqs queue %q: %w", q.cfg.Name, err)
	}
	return nil
}

// sqsSeconds formats d as whole seconds, rounded up, for a queue attribute.
func sqsSeconds(d time.Duration) string { return strconv.Itoa(int(ceilSeconds(d))) }

// ceilSeconds returns d in whole seconds, rounded up: SQS counts delays and timeouts in
// seconds, so 1.5 s becomes 2 s and 1 ms becomes 1 s.
func ceilSeconds(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	return int32((d + time.Second - 1) / time.Second)
}
