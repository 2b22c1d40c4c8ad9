package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// enqueue is the gateway's SQS integration: SendMessage, then answer 200.
func (e *Engine) enqueue(now time.Duration, ref uint64, c int, h uint64) {
	qi := e.p.Clients[c].Queue
	req := e.reqs.get(ref)
	req.handle = h
	id, err, done := e.send(now, qi, ref, e.sendOptions(qi, ref, c), tag(evSent, ref))
	if !done {
		req.state = stSending
		return
	}
	e.sent(now, ref, qi, id, err)
}

// sendOptions are the options of a send of request ref (client c) to queue qi.
func (e *Engine) sendOptions(qi int, ref uint64, c int) model.SendOptions {
	o := model.SendOptions{Delay: -1}
	if e.fifo[qi] {
		e.fifoOptions(&o, ref, c)
	}
	return o
}

// sent is the gateway's SendMessage of request ref to queue qi done: its Step Functions
// execution starts (task tokens), the client hears 200 and the consumer may take it.
func (e *Engine) sent(now time.Duration, ref uint64, qi int, id uint64, err error) {
	req := e.reqs.get(ref)
	if err != nil {
		// SendMessage failed: API Gateway answers 500, the request is not queued, and a
		// queue that refuses a send ends the run (a backend down, or a bug).
		e.rec.Gateway(now, int(req.client), metrics.BackendError)
		e.answer(now, ref, req.handle, Answer{Kind: BackendFailed}, metrics.RejectBackend, 0)
		e.Fail(fmt.Errorf("send to queue %s: %w", e.queues[qi].Name(), err))
		return
	}
	req.state = stQueued
	e.startExecution(now, ref)
	e.rec.Sent(now, qi)
	e.aws.sqsSends++
	if e.ports.Client != nil { // an in-process client needs no word of a 200
		e.answer(now, ref, req.handle, Answer{Kind: Enqueued, MessageID: id}, 0, 0)
	}
	e.poll(now)
	e.stepOrch(now)
}

// SendDone is the outcome of an AsyncSender's send started with tag.
func (e *Engine) SendDone(now time.Duration, tg uint64, id uint64, err error) {
	e.advance(max(now, e.k.now))
	now = e.k.now
	ref := tg & (1<<argBits - 1)
	if e.reqs.get(ref) == nil {
		return
	}
	switch kind(tg >> argBits) {
	case evSent:
		e.sent(now, ref, e.p.Clients[e.reqs.get(ref).client].Queue, id, err)
	case evRequeued:
		e.requeued(now, ref, err)
	}
}

// fifoOptions sets a FIFO send's message group (the request's, by its arrival) and a
// deduplication ID of its own: every send is a new message, a worker's re-queue too.
func (e *Engine) fifoOptions(o *model.SendOptions, ref uint64, c int) {
	req := e.reqs.get(ref)
	g := e.groups[c]
	if req.group == 0 {
		req.group = int32(req.arrival%uint32(len(g))) + 1
	}
	o.Group = g[req.group-1]
	e.sends++
	o.DedupID = strconv.FormatUint(e.sends, 36)
}

// callDirect is a direct integration: the gateway calls its backend and waits.
func (e *Engine) callDirect(now time.Duration, ref uint64, c int, h uint64) {
	if b := e.p.Backend; b != nil && !b.TryAcquire(now) {
		// A throttled Lambda behind a proxy integration: API Gateway answers 500.
		e.rec.Gateway(now, c, metrics.BackendError)
		e.answer(now, ref, h, Answer{Kind: BackendFailed, Throttled: true}, metrics.RejectBackend, 0)
		return
	}
	if e.p.Backend != nil {
		e.aws.lambdaInvokes++
	}
	req := e.reqs.get(ref)
	req.handle, req.state = h, stDirect
	e.call(now, tag(evDirectDone, ref), e.keys[c], min(e.p.CallTimeout, e.p.GatewayTimeout))
}

// call starts a downstream call; its outcome comes back as the event tag names. In
// process, the API model answers now and the answer arrives after its latency.
func (e *Engine) call(now time.Duration, tg uint64, key string, timeout time.Duration) {
	if e.ports.Downstream != nil {
		e.ports.Downstream.Call(tg, key, timeout)
		return
	}
	rep := e.p.API.Call(now, key, timeout, e.rng)
	*e.replySlot(tg) = rep
	e.k.schedule(now+rep.Latency, kind(tg>>argBits), tg&(1<<argBits-1))
}

// replySlot is where the answer of the call tag names waits for its event.
func (e *Engine) replySlot(tg uint64) *model.Reply {
	arg := tg & (1<<argBits - 1)
	switch kind(tg >> argBits) {
	case evDirectDone:
		return &e.reqs.get(arg).reply
	case evOrchCall:
		return &e.orch.workers[arg].reply
	default:
		return &e.workers[arg].reply
	}
}

// CallDone is the outcome of a downstream call started through the Downstream port.
func (e *Engine) CallDone(now time.Duration, tg uint64, rep model.Reply) {
	e.advance(max(now, e.k.now))
	now = e.k.now
	arg := tg & (1<<argBits - 1)
	switch kind(tg >> argBits) {
	case evDirectDone:
		e.directDone(now, arg, rep)
	case evOrchCall:
		e.orchCallDone(now, int(arg), rep)
	default:
		e.callDone(now, int(arg), rep)
	}
}

// directDone is a direct integration's backend answering.
func (e *Engine) directDone(now time.Duration, ref uint64, rep model.Reply) {
	if b := e.p.Backend; b != nil {
		b.Release(now)
		e.aws.lambdaTime += rep.Latency
	}
	e.rec.Call(now-rep.Latency, rep.Latency, callResult(rep.Outcome), rep.Admitted)
	req := e.reqs.get(ref)
	if req == nil {
		return // its client gave up on it meanwhile
	}
	if rep.Outcome == model.CallOK {
		e.answer(now, ref, req.handle, Answer{Kind: Done, Reply: rep}, 0, 0)
		e.complete(now, ref)
		return
	}
	e.rec.Gateway(now, int(req.client), metrics.BackendError)
	e.answer(now, ref, req.handle, Answer{Kind: BackendFailed, Reply: rep}, metrics.FailDownstream, rep.RetryAfter)
}

func callResult(o model.CallOutcome) metrics.Call {
	switch o {
	case model.CallOK:
		return metrics.CallOK
	case model.CallThrottled:
		return metrics.Call429
	case model.CallTimeout:
		return metrics.CallTimeout
	case model.CallReset:
		return metrics.CallReset
	default:
		return metrics.Call5xx
	}
}
