package live

import (
	"context"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// OrchestratorGuard lengthens the live orchestrator's own quota windows (see
// model.Orchestrator.SetGuard). The delay between an invoke and its call reaching the API
// spreads by a few milliseconds on an idle machine, and by tens when two cores are shared
// with a container's proxy and the emulators; 25 ms keeps the quota with the pace at 97.5 %
// of a per-second quota. Seed 002's design needs the same margin in production.
const OrchestratorGuard = 25 * time.Millisecond

// startConsumers starts the goroutine that drives the consumer pattern or the orchestrator in
// real time: the same model code the simulator drives in virtual time.
func (r *runner) startConsumers(ctx context.Context) {
	switch {
	case r.p.Pattern != nil:
		r.wg.Add(1)
		go r.pump(ctx)
	case r.p.Orchestrator != nil:
		if err := r.p.Orchestrator.SetGuard(OrchestratorGuard); err != nil {
			r.errs.set(err)
			return
		}
		r.startOrch(ctx)
	}
}

// pump polls the pattern whenever a message was sent, an execution finished, or the pattern's
// next wake-up instant came.
func (r *runner) pump(ctx context.Context) {
	defer r.wg.Done()
	pat := r.p.Pattern
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.mu.Lock()
		now := r.now()
		pat.Poll(now, func(slot, q int, msgs []model.Message) { r.startBatch(ctx, now, slot, q, msgs) })
		next, ok := pat.NextWake(now)
		r.mu.Unlock()
		wait := time.Hour
		if ok {
			wait = max(next-r.now(), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-r.notify:
		case <-timer.C:
		}
	}
}

// startBatch runs one Lambda execution (r.mu held): a goroutine that handles the batch.
func (r *runner) startBatch(ctx context.Context, now time.Duration, slot, q int, msgs []model.Message) {
	batch := append([]model.Message(nil), msgs...)
	r.rec.do(func(m *metrics.Recorder) { m.Received(now, q, len(batch)) })
	r.count.receives.Add(1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for _, m := range batch {
			r.handleMessage(ctx, slot, q, m, now)
		}
		r.mu.Lock()
		end := r.now()
		r.p.Pattern.Finish(end, slot)
		r.mu.Unlock()
		r.count.lambda(end - now)
		r.poke()
	}()
}

// handleMessage is a worker handling one message: maybe a higher one instead, then the call,
// then delete or leave.
func (r *runner) handleMessage(ctx context.Context, slot, q int, m model.Message, recvAt time.Duration) {
	now := r.now()
	r.mu.Lock()
	m2, q2, deferred := r.p.Pattern.Before(now, slot, q, m)
	r.mu.Unlock()
	if deferred {
		r.rec.do(func(rec *metrics.Recorder) { rec.Deferred(now, q); rec.Received(now, q2, 1) })
		m, q, recvAt = m2, q2, now
	}
	k, ok := r.keyOfRef(m.Body)
	if !ok || !r.heartbeat(k) {
		// A second delivery, or the work of an execution that timed out while it waited.
		r.duplicate(now, q, m)
		return
	}
	res := r.api.call(ctx, r.p.Clients[k.client].Key, r.p.CallTimeout)
	done := r.now()
	r.rec.do(func(rec *metrics.Recorder) { rec.Call(now, done-now, res.result, res.admitted()) })
	success := res.result == metrics.CallOK
	r.mu.Lock()
	act := r.p.Pattern.Outcome(done, slot, m, success)
	if act == model.Delete {
		_ = r.queues[q].Delete(done, m.Receipt)
		r.count.deletes.Add(1)
	}
	r.mu.Unlock()
	if act != model.Delete {
		return
	}
	r.rec.do(func(rec *metrics.Recorder) { rec.Deleted(done, q, k.client, recvAt-m.SentAt) })
	if success {
		r.complete(done, k)
	} else {
		r.endKey(done, k, metrics.FailDownstream)
	}
}

// keyOfRef finds the live request behind a message body.
func (r *runner) keyOfRef(ref uint64) (reqKey, bool) {
	r.tab.mu.Lock()
	defer r.tab.mu.Unlock()
	k, ok := r.tab.refs[ref]
	if !ok {
		return reqKey{}, false
	}
	e := r.tab.m[k]
	return k, e != nil && !e.ended
}

// duplicate deletes a message whose request already ended (SQS delivers at least once).
func (r *runner) duplicate(now time.Duration, q int, m model.Message) {
	r.mu.Lock()
	_ = r.queues[q].Delete(now, m.Receipt)
	r.mu.Unlock()
	r.count.deletes.Add(1)
	r.rec.do(func(rec *metrics.Recorder) { rec.Duplicate(now) })
}
