package live

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// awsBackends are the real SQS queues (and DynamoDB state) of a run given an AWS endpoint.
type awsBackends struct {
	queues []*SQSQueue // index for index with the pipeline's queues
	dlqs   []*SQSQueue // nil where a queue has none
	store  StateStore
	stateQ chan func(context.Context)
}

// setupAWS creates the run's queues on the SQS endpoint, with their dead-letter queues, and
// rebuilds the consumer over them; with consumer.state dynamodb it opens the state table.
func (r *runner) setupAWS(ctx context.Context) (func(), error) {
	client, err := NewSQSClient(ctx, r.opts.SQSEndpoint, r.opts.Region)
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("tl-%s-%06d-", r.sc.Name, rand.IntN(1_000_000))
	b := &awsBackends{}
	cleanup := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, q := range append(append([]*SQSQueue(nil), b.queues...), b.dlqs...) {
			if q != nil {
				_ = q.DeleteQueue(ctx)
			}
		}
	}
	for i, mq := range r.p.Queues {
		if err := b.create(ctx, client, prefix, mq.Config(), r.p.DLQs[i], r.start); err != nil {
			cleanup()
			return nil, err
		}
	}
	apis := make([]model.QueueAPI, len(b.queues))
	r.queues = r.queues[:0]
	for i, q := range b.queues {
		apis[i] = q
		r.queues = append(r.queues, q)
	}
	if err := r.p.UseQueues(apis); err != nil {
		cleanup()
		return nil, err
	}
	r.aws = b
	if err := r.setupState(ctx, prefix); err != nil {
		cleanup()
		return nil, err
	}
	return cleanup, nil
}

func (b *awsBackends) create(ctx context.Context, client *sqs.Client, prefix string, cfg model.QueueConfig, dlqModel *model.Queue, epoch time.Time) error {
	var dlq *SQSQueue
	if dlqModel != nil {
		dc := dlqModel.Config()
		dc.Name = sqsName(prefix, dc.Name, dc.FIFO)
		q, err := CreateSQSQueue(ctx, client, dc, nil, epoch)
		if err != nil {
			return fmt.Errorf("create dead-letter queue %s: %w", dlqModel.Name(), err)
		}
		dlq = q
	}
	name := cfg.Name
	cfg.Name = sqsName(prefix, name, cfg.FIFO)
	cfg.DeadLetter = nil
	q, err := CreateSQSQueue(ctx, client, cfg, dlq, epoch)
	if err != nil {
		return fmt.Errorf("create queue %s: %w", name, err)
	}
	b.queues = append(b.queues, q)
	b.dlqs = append(b.dlqs, dlq)
	return nil
}

// sqsName is a queue's run-unique SQS name; FIFO names end in .fifo as SQS requires.
func sqsName(prefix, name string, fifo bool) string {
	n := prefix + strings.TrimSuffix(name, ".fifo")
	if len(n) > 75 {
		n = n[:75]
	}
	if fifo {
		return n + ".fifo"
	}
	return n
}

// drainDLQs ends, as failed, the requests whose messages SQS moved to a dead-letter queue.
func (r *runner) drainDLQs(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	buf := make([]model.Message, 0, 10)
	for {
		for qi, dlq := range r.aws.dlqs {
			if dlq == nil {
				continue
			}
			now := r.now()
			for _, m := range dlq.Receive(now, 10, 30*time.Second, buf[:0]) {
				r.rec.do(func(rec *metrics.Recorder) { rec.DeadLettered(now, qi) })
				r.endRef(now, m.Body, metrics.FailDLQ)
				_ = dlq.Delete(now, m.Receipt)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// backendErr is the first error of a real backend, which ends the run.
func (r *runner) backendErr() error {
	if r.aws == nil {
		return nil
	}
	for _, q := range append(append([]*SQSQueue(nil), r.aws.queues...), r.aws.dlqs...) {
		if q != nil {
			if err := q.Err(); err != nil {
				return fmt.Errorf("the SQS backend failed (%s): %w", q.Name(), err)
			}
		}
	}
	return nil
}

// sqsRequests counts the SQS requests the run made.
func (r *runner) sqsRequests() int64 {
	var n int64
	for _, q := range append(append([]*SQSQueue(nil), r.aws.queues...), r.aws.dlqs...) {
		if q != nil {
			n += q.Requests()
		}
	}
	return n
}

func tierKey(tier int, window time.Time) string {
	return "tier" + strconv.Itoa(tier) + ":" + strconv.FormatInt(window.Unix(), 10)
}
