package live

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// Headers the load generator sends on every attempt of a request. vegeta sets the first two
// itself on first attempts; retries repeat them and add the attempt number.
const (
	hdrAttack  = "X-Vegeta-Attack"
	hdrSeq     = "X-Vegeta-Seq"
	hdrAttempt = "X-Throttlelab-Attempt"
)

// gatewayHandler is API Gateway in front of the pipeline: the gateway model decides, then the
// integration enqueues (SendMessage, answering 200 at once) or calls the backend directly.
func (r *runner) gatewayHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		k, _, ok := r.keyOf(req)
		if !ok {
			http.Error(w, `{"message":"missing X-Vegeta-Attack/X-Vegeta-Seq"}`, http.StatusBadRequest)
			return
		}
		now := r.now()
		route := req.Method + " " + req.URL.Path
		r.mu.Lock()
		if gw := r.p.Gateway; gw != nil {
			if d := gw.Decide(now, route, req.Header.Get("x-api-key")); d.Outcome != model.Admitted {
				r.mu.Unlock()
				r.refuse(w, now, k, gw, d)
				return
			}
		}
		r.seen(now, k, metrics.FailDownstream) // admitted: from here on, failures are downstream's
		if r.p.Integration == "queue" {
			r.enqueue(w, now, k)
			return
		}
		r.mu.Unlock()
		r.rec.do(func(m *metrics.Recorder) { m.Gateway(now, k.client, metrics.Admitted) })
		r.callDirect(w, req, now, k)
	})
}

// keyOf reads the request's identity from its headers.
func (r *runner) keyOf(req *http.Request) (reqKey, int, bool) {
	c, err := strconv.Atoi(req.Header.Get(hdrAttack))
	if err != nil || c < 0 || c >= len(r.p.Clients) {
		return reqKey{}, 0, false
	}
	seq, ok := parseSeq(req.Header.Get(hdrSeq))
	if !ok {
		return reqKey{}, 0, false
	}
	attempt := 1
	if a, err := strconv.Atoi(req.Header.Get(hdrAttempt)); err == nil && a > 0 {
		attempt = a
	}
	return reqKey{client: c, seq: seq}, attempt, true
}

// seen notes an attempt of k at the gateway and how the request ends if its client gives up
// after the answer: AWS sends no such header, so the gateway keeps it in the request table.
func (r *runner) seen(now time.Duration, k reqKey, why metrics.Reason) {
	r.tab.mu.Lock()
	e := r.tab.get(k, now)
	e.cause = why
	r.tab.mu.Unlock()
}

func (r *runner) refuse(w http.ResponseWriter, now time.Duration, k reqKey, gw *model.Gateway, d model.Decision) {
	g, why := pipeline.GatewayRefusal(d.Outcome)
	r.seen(now, k, why)
	r.rec.do(func(m *metrics.Recorder) { m.Gateway(now, k.client, g) })
	status, hdr, body := gw.Response(d)
	for name, vs := range hdr {
		w.Header()[name] = vs
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// enqueue is the SQS integration: SendMessage, then 200 with SQS's answer. r.mu is held on
// entry and released here.
func (r *runner) enqueue(w http.ResponseWriter, now time.Duration, k reqKey) {
	qi := r.p.Clients[k.client].Queue
	r.tab.mu.Lock()
	ref := r.tab.ref(k)
	e := r.tab.get(k, now)
	e.queued = true
	r.tab.mu.Unlock()
	id, err := r.send(now, qi, ref, k)
	if t := r.p.Tokens; t != nil && err == nil {
		// The request waits in a Step Functions execution for its task token's callback.
		tok := t.Start(now, ref)
		r.tab.mu.Lock()
		e.token = tok
		r.tab.mu.Unlock()
	}
	r.mu.Unlock()
	if err != nil {
		// SendMessage failed: API Gateway answers 500 and the request is not queued.
		r.tab.mu.Lock()
		e.queued = false
		e.cause = metrics.RejectBackend
		r.tab.mu.Unlock()
		r.errs.set(fmt.Errorf("queue %s: %w", r.queues[qi].Name(), err))
		http.Error(w, `{"message": "Internal server error"}`, http.StatusInternalServerError)
		return
	}
	r.rec.do(func(m *metrics.Recorder) {
		m.Gateway(now, k.client, metrics.Admitted)
		m.Sent(now, qi)
	})
	r.poke()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"SendMessageResponse": map[string]any{
		"SendMessageResult": map[string]any{"MessageId": strconv.FormatUint(id, 10)}}})
}

// send puts ref on queue qi (r.mu held).
func (r *runner) send(now time.Duration, qi int, ref uint64, k reqKey) (uint64, error) {
	q := r.queues[qi]
	o := model.SendOptions{Delay: -1}
	if q.Config().FIFO {
		c := r.p.Clients[k.client]
		o.Group = fmt.Sprintf("%s-%d", c.Name, k.seq%uint64(c.Groups))
		// Each send is a new message (a worker's re-queue too): its own deduplication ID.
		o.DedupID = strconv.FormatUint(ref, 36) + "-" + strconv.FormatInt(r.sendSeq.Add(1), 36)
	}
	id, _, err := q.Send(now, ref, o)
	r.count.sends.Add(1)
	return id, err
}

// poke wakes the consumer.
func (r *runner) poke() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// callDirect is a direct integration: the gateway calls its backend — a Lambda function of
// bounded concurrency calling the API, or the API itself — and passes the answer through.
func (r *runner) callDirect(w http.ResponseWriter, req *http.Request, now time.Duration, k reqKey) {
	if b := r.p.Backend; b != nil {
		r.mu.Lock()
		ok := b.TryAcquire(now)
		r.mu.Unlock()
		if !ok {
			r.seen(now, k, metrics.RejectBackend) // the backend function was throttled: 500
			r.rec.do(func(m *metrics.Recorder) { m.Gateway(now, k.client, metrics.BackendError) })
			http.Error(w, `{"message": "Internal server error"}`, http.StatusInternalServerError)
			return
		}
		defer func() { r.mu.Lock(); b.Release(r.now()); r.mu.Unlock() }()
	}
	timeout := min(r.p.CallTimeout, r.p.GatewayTimeout)
	res := r.api.call(req.Context(), r.p.Clients[k.client].Key, timeout)
	done := r.now()
	if r.p.Backend != nil {
		r.count.lambda(done - now)
	}
	r.rec.do(func(m *metrics.Recorder) { m.Call(now, done-now, res.result, res.admitted()) })
	if res.result == metrics.CallOK {
		r.complete(done, k)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"ok":true}`))
		return
	}
	r.seen(done, k, metrics.FailDownstream)
	r.rec.do(func(m *metrics.Recorder) { m.Gateway(done, k.client, metrics.BackendError) })
	status, body := res.status, `{"message": "Internal server error"}`
	switch res.result {
	case metrics.CallTimeout:
		status, body = http.StatusGatewayTimeout, `{"message": "Endpoint request timed out"}`
	case metrics.CallReset:
		status = http.StatusBadGateway
	case metrics.Call429:
		body = `{"message":"Too Many Requests"}`
		if res.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(res.retryAfter/time.Second)))
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
