package live

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/throttlelab/throttlelab/engine"
	"github.com/throttlelab/throttlelab/model"
)

// awsBackends are the real SQS queues of a run given an SQS endpoint, as the engine reaches
// them (remoteQueue), and the goroutines that talk to SQS for it.
type awsBackends struct {
	queues []*remoteQueue // index for index with the pipeline's queues
	ops    chan func()    // requests for the pool of SQS callers
	failed bool           // SQS failed: what the queues hold is unknown, and they are left behind
	// cleanupWithin bounds the deletion of the run's queues at its end (set by Run: the
	// backend timeout, or abortCleanup after a second Ctrl-C).
	cleanupWithin time.Duration
}

// Failed reports whether SQS failed during the run: what its queues held is then unknown.
func (rq *remoteQueue) Failed() bool { return rq.b.failed }

// sqsCallers is how many goroutines make SQS requests for the loop (sends, deletes,
// visibility changes): enough for thousands of requests a second to an emulator; opsBuffer
// is how many may wait before the backend counts as not keeping up.
const (
	sqsCallers = 32
	opsBuffer  = 8192
)

func (r *runner) sqsEndpoint() string    { return cmpOr(r.opts.SQSEndpoint, r.opts.AWSEndpoint) }
func (r *runner) dynamoEndpoint() string { return cmpOr(r.opts.DynamoEndpoint, r.opts.AWSEndpoint) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// setupBackends creates the run's queues on the SQS endpoint, when there is one, with their
// dead-letter queues, and puts them behind the engine; then it opens the orchestrator's
// state store.
func (r *runner) setupBackends(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*r.backendTimeout())
	defer cancel()
	prefix := fmt.Sprintf("tl-%s-%06d-", r.sc.Name, rand.IntN(1_000_000))
	if r.sqsEndpoint() != "" && len(r.e.Queues()) > 0 {
		if err := r.setupSQS(ctx, prefix); err != nil {
			return err
		}
	}
	return r.setupState(ctx, prefix)
}

func (r *runner) setupSQS(ctx context.Context, prefix string) error {
	client, err := NewSQSClient(ctx, r.sqsEndpoint(), r.opts.Region)
	if err != nil {
		return err
	}
	b := &awsBackends{ops: make(chan func(), opsBuffer), cleanupWithin: r.backendTimeout()}
	r.aws = b
	r.stops = append(r.stops, b.cleanup)
	p := r.e.Pipeline()
	qs := make([]engine.Queue, len(p.Queues))
	for i, mq := range p.Queues {
		rq, err := b.create(ctx, client, prefix, mq.Config(), p.DLQs[i])
		if err != nil {
			return err
		}
		rq.idx, rq.l, rq.b = i, r.l, b
		rq.bodies, rq.wake = map[uint64]int{}, make(chan struct{}, 1)
		rq.rcpt, rq.last = map[model.Receipt]uint64{}, map[uint64]model.Receipt{}
		b.queues = append(b.queues, rq)
		qs[i] = rq
	}
	return r.e.UseQueues(qs)
}

// create creates one queue (and its dead-letter queue) under a run-unique name.
func (b *awsBackends) create(ctx context.Context, client *sqs.Client, prefix string, cfg model.QueueConfig, dlqModel *model.Queue) (*remoteQueue, error) {
	rq := &remoteQueue{}
	if dlqModel != nil {
		dc := dlqModel.Config()
		dc.Name = sqsName(prefix, dc.Name, dc.FIFO)
		q, err := CreateSQSQueue(ctx, client, dc, nil, time.Now())
		if err != nil {
			return nil, fmt.Errorf("create dead-letter queue %s: %w", dlqModel.Name(), err)
		}
		rq.dlq = q
	}
	name := cfg.Name
	cfg.Name = sqsName(prefix, name, cfg.FIFO)
	cfg.DeadLetter = nil
	q, err := CreateSQSQueue(ctx, client, cfg, rq.dlq, time.Now())
	if err != nil {
		return nil, fmt.Errorf("create queue %s: %w", name, err)
	}
	rq.q, rq.name = q, name
	return rq, nil
}

// cleanup deletes the run's queues, all at once and within cleanupWithin, unless SQS failed
// (the endpoint drops them, or not): an SQS that hangs unnoticed delays the run's end by no
// more than that.
func (b *awsBackends) cleanup() {
	if b.failed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(b.cleanupWithin, DefaultBackendTimeout))
	defer cancel()
	var wg sync.WaitGroup
	for _, rq := range b.queues {
		for _, q := range []*SQSQueue{rq.q, rq.dlq} {
			if q != nil {
				wg.Go(func() { _ = q.DeleteQueue(ctx) })
			}
		}
	}
	wg.Wait()
}

// startBackends starts the goroutines that serve the real backends: SQS callers, each queue's
// poller, the dead-letter queues' readers, the count refresher, and the state store's writer.
func (r *runner) startBackends() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	r.stops = append(r.stops, func() { cancel(); wg.Wait() })
	fail := func(err error) { r.l.post(func(time.Duration) { r.fail(err) }) }
	if b := r.aws; b != nil {
		bounds := backendCalls{base: ctx, timeout: r.backendTimeout()}
		sqsFail := func(err error) { r.l.post(func(time.Duration) { b.failed = true; r.fail(err) }) }
		for _, rq := range b.queues {
			rq.q.epoch, rq.q.bounds, rq.fail = r.l.start, bounds, sqsFail
			if rq.dlq != nil {
				rq.dlq.epoch, rq.dlq.bounds = r.l.start, bounds
			}
		}
		goAll(&wg, sqsCallers, func() { b.call(ctx) })
		for _, rq := range b.queues {
			goAll(&wg, 1, func() { rq.poll(ctx) })
			if rq.dlq != nil {
				goAll(&wg, 1, func() { rq.readDLQ(ctx) })
			}
		}
		goAll(&wg, 1, func() { b.refresh(ctx, r.l) })
	}
	if m := r.state; m != nil {
		goAll(&wg, 1, func() { m.serve(ctx, fail) })
	}
	if r.api != nil { // none in a target run
		r.api.fail = fail
		goAll(&wg, 1, func() { r.api.watch(ctx, r.backendTimeout()) })
	}
}

func goAll(wg *sync.WaitGroup, n int, f func()) {
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
}

// call serves the SQS requests the loop asked for.
func (b *awsBackends) call(ctx context.Context) {
	for {
		select {
		case op := <-b.ops:
			op()
		case <-ctx.Done():
			return
		}
	}
}

// refresh reads each queue's counts every refreshEvery, for the gauges.
func (b *awsBackends) refresh(ctx context.Context, l *loop) {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		for _, rq := range b.queues {
			v, f, d := rq.q.Counts(l.now())
			if err := rq.q.Err(); err != nil {
				rq.fail(err)
				return
			}
			l.post(func(time.Duration) { rq.counts = [3]int{v, f, d} })
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const refreshEvery = 250 * time.Millisecond

// requests counts the SQS requests the run made.
func (b *awsBackends) requests() int64 {
	var n int64
	for _, rq := range b.queues {
		n += rq.q.Requests()
		if rq.dlq != nil {
			n += rq.dlq.Requests()
		}
	}
	return n
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

func tierKey(tier int, window time.Time) string {
	return "tier" + strconv.Itoa(tier) + ":" + strconv.FormatInt(window.Unix(), 10)
}
