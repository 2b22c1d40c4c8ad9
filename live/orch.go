package live

import (
	"context"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// orchDriver is the orchestrator in real time: a goroutine steps the model when it asks, when a
// message is sent and when a worker reports back; workers are goroutines calling the API.
type orchDriver struct {
	r     *runner
	ctx   context.Context
	async *model.AsyncQueue
	evs   []model.AsyncEvent
	busy  int
}

func (r *runner) startOrch(ctx context.Context) {
	q, err := model.NewAsyncQueue(model.AsyncConfig{})
	if err != nil {
		r.errs.set(err)
		return
	}
	d := &orchDriver{r: r, ctx: ctx, async: q}
	r.orch = d
	r.wg.Add(1)
	go d.loop()
}

func (d *orchDriver) loop() {
	defer d.r.wg.Done()
	r := d.r
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.mu.Lock()
		now := r.now()
		d.retryAsync(now)
		next := r.p.Orchestrator.Step(now, d)
		if at, ok := d.async.NextDue(); ok {
			next = min(next, at)
		}
		r.mu.Unlock()
		timer.Reset(max(next-r.now(), 0))
		select {
		case <-d.ctx.Done():
			return
		case <-r.notify:
		case <-timer.C:
		}
	}
}

// Invoke is the orchestrator invoking a worker for message m (r.mu held).
func (d *orchDriver) Invoke(now time.Duration, m model.Message, q int) {
	r := d.r
	qi := r.p.OrchQueues[q]
	k, ok := r.keyOfRef(m.Body)
	r.rec.do(func(rec *metrics.Recorder) {
		rec.Received(now, qi, 1)
		if !ok {
			rec.Duplicate(now)
			return
		}
		rec.Deleted(now, qi, k.client, now-m.SentAt)
	})
	if ok {
		d.invoke(now, m.Body)
	}
	if r.state != nil {
		r.state.invoked(r.start.Add(now), d.tiers())
	}
}

// tiers are the orchestrator's quota tiers, as its state store keeps them.
func (d *orchDriver) tiers() []metrics.Tier {
	var ts []metrics.Tier
	for _, q := range d.r.sc.Consumer.Quotas {
		ts = append(ts, metrics.Tier{Limit: q.Limit, Per: q.Per.D(), Window: q.Window})
	}
	return ts
}

// invoke starts a worker for ref, or leaves it to Lambda's retries when the workers'
// concurrency is exhausted (r.mu held).
func (d *orchDriver) invoke(now time.Duration, ref uint64) {
	r := d.r
	if w := r.p.Workers; w != nil && !w.TryAcquire(now) {
		d.async.Submit(now, ref)
		return
	}
	d.busy++
	r.calls.Add(1)
	r.wg.Add(1)
	go d.work(ref)
}

func (d *orchDriver) retryAsync(now time.Duration) {
	r := d.r
	if r.p.Workers == nil {
		return
	}
	d.evs = d.async.Due(now, d.evs[:0])
	for _, ev := range d.evs {
		if r.p.Workers.InUse() >= r.p.Workers.Limit() {
			if !d.async.Throttled(now, ev) {
				go r.endRef(now, ev.Payload, metrics.FailWorkerDLQ)
			}
			continue
		}
		d.invoke(now, ev.Payload)
	}
}

// work is one worker: call the API; on failure report to the breaker and re-queue.
func (d *orchDriver) work(ref uint64) {
	r := d.r
	defer r.wg.Done()
	defer r.calls.Add(-1)
	k, ok := r.keyOfRef(ref)
	start := r.now()
	var res callResult
	if ok {
		res = r.api.call(d.ctx, r.p.Clients[k.client].Key, r.p.CallTimeout)
	}
	done := r.now()
	r.count.lambda(done - start)
	if ok {
		r.rec.do(func(rec *metrics.Recorder) { rec.Call(start, done-start, res.result, res.admitted()) })
	}
	r.mu.Lock()
	d.busy--
	if w := r.p.Workers; w != nil {
		w.Release(done)
	}
	o := r.p.Orchestrator
	requeued, opened := false, false
	if ok && res.result != metrics.CallOK {
		var rq int
		opened, rq = o.WorkerDone(done, false, res.result != metrics.Call429)
		if opened && r.state != nil {
			r.state.breaker(r.start.Add(done), true)
		}
		qi := r.p.OrchQueues[rq]
		_, err := r.send(done, qi, ref, k)
		requeued = err == nil
		if err != nil {
			r.errs.set(err)
		}
	} else if ok {
		o.WorkerDone(done, true, false)
	}
	r.mu.Unlock()
	d.report(done, k, ok, res, requeued, opened)
	r.poke()
}

func (d *orchDriver) report(done time.Duration, k reqKey, ok bool, res callResult, requeued, opened bool) {
	r := d.r
	switch {
	case !ok:
	case res.result == metrics.CallOK:
		r.complete(done, k)
	case requeued:
		r.rec.do(func(rec *metrics.Recorder) {
			rec.Requeued(done)
			if opened {
				rec.BreakerOpened(done)
			}
		})
	}
}

// HealthCheck is the orchestrator sending a health-check invocation (r.mu held).
func (d *orchDriver) HealthCheck(now time.Duration) {
	r := d.r
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		healthy := r.api.healthy(d.ctx)
		r.mu.Lock()
		now := r.now()
		closed := r.p.Orchestrator.HealthResult(now, healthy)
		r.mu.Unlock()
		if closed && r.state != nil {
			r.state.breaker(r.start.Add(now), false)
		}
		r.poke()
	}()
}
