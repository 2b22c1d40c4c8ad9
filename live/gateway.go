package live

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/throttlelab/throttlelab/engine"
	"github.com/throttlelab/throttlelab/model"
)

// Headers the load generator sends on every attempt. vegeta sets the first two itself on
// first attempts; every attempt carries the run's secret, and a retry names its request
// (the engine's reference) and its attempt number.
const (
	hdrAttack  = "X-Vegeta-Attack"
	hdrSeq     = "X-Vegeta-Seq"
	hdrRun     = "X-Throttlelab-Run"
	hdrRef     = "X-Throttlelab-Ref"
	hdrAttempt = "X-Throttlelab-Attempt"
)

// gateway is API Gateway in front of the pipeline: its HTTP handler hands each attempt to
// the loop, where the engine decides, and writes the answer the engine gives. It is also
// the engine's client port (engine.Client): answers go back to the waiting handlers, and
// retries go out through the load generator.
type gateway struct {
	l      *loop
	model  *model.Gateway // nil: no gateway limits
	secret string
	load   *loadGen
	// Loop-owned: handlers waiting for their answer, by handle; vegeta's first attempts,
	// by client and sequence number, until their result is handled.
	pending map[uint64]chan engine.Answer
	next    uint64
	firsts  map[firstKey]uint64
	// foreign counts requests without the run's secret (answered 403, kept out of the
	// ledger); stray counts attempts of the run the engine did not take (a request that
	// had already ended).
	foreign, stray atomic.Int64
	// acceptErrors counts the gateway server's errors (a failed accept).
	acceptErrors atomic.Int64
	obs          *gatewayObs // the metrics endpoint's measurements; nil: none
}

// firstKey names a first attempt as vegeta does: its attack (the client) and sequence.
type firstKey struct {
	client int
	seq    uint64
}

// attemptID is who an attempt says it is.
type attemptID struct {
	client  int
	seq     uint64 // vegeta's sequence number: first attempts
	ref     uint64 // the engine's reference: retries
	attempt int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	id, ok := g.identify(req)
	if !ok {
		g.foreign.Add(1)
		writeJSON(w, http.StatusForbidden, `{"message":"Forbidden"}`)
		return
	}
	if g.obs != nil {
		sw := &statusWriter{ResponseWriter: w}
		defer g.obs.served(sw, time.Now())
		w = sw
	}
	ch := make(chan engine.Answer, 1)
	g.l.post(func(now time.Duration) { g.arrive(now, id, ch) })
	select {
	case a := <-ch:
		g.obs.answered(a)
		g.write(w, a)
	case <-req.Context().Done():
	case <-g.l.done:
		writeJSON(w, http.StatusServiceUnavailable, `{"message":"the run has ended"}`)
	}
}

// identify reads an attempt's identity; false when it is not the run's own load.
func (g *gateway) identify(req *http.Request) (attemptID, bool) {
	if req.Header.Get(hdrRun) != g.secret {
		return attemptID{}, false
	}
	c, err := strconv.Atoi(req.Header.Get(hdrAttack))
	if err != nil || c < 0 || c >= g.load.clients {
		return attemptID{}, false
	}
	id := attemptID{client: c, attempt: 1}
	if ref := req.Header.Get(hdrRef); ref != "" {
		r, err1 := strconv.ParseUint(ref, 10, 64)
		n, err2 := strconv.Atoi(req.Header.Get(hdrAttempt))
		id.ref, id.attempt = r, n
		return id, err1 == nil && err2 == nil && n > 1
	}
	seq, err := strconv.ParseUint(req.Header.Get(hdrSeq), 10, 64)
	id.seq = seq
	return id, err == nil
}

// arrive is an attempt reaching the gateway, on the loop.
func (g *gateway) arrive(now time.Duration, id attemptID, ch chan engine.Answer) {
	ref := id.ref
	if ref == 0 {
		k := firstKey{id.client, id.seq}
		if _, dup := g.firsts[k]; dup {
			g.strayAnswer(ch)
			return
		}
		ref = g.l.e.Arrive(now, id.client, g.load.shard.Global(id.seq))
		g.firsts[k] = ref
	}
	g.next++
	h := g.next
	g.pending[h] = ch
	if !g.l.e.AtGateway(now, ref, id.attempt, h) {
		delete(g.pending, h)
		g.strayAnswer(ch)
	}
}

func (g *gateway) strayAnswer(ch chan engine.Answer) {
	g.stray.Add(1)
	ch <- engine.Answer{Kind: engine.BackendFailed, Reply: model.Reply{Outcome: model.CallError, Status: http.StatusConflict}}
}

// Answer is the engine's answer to the attempt waiting as handle h (engine.Client).
func (g *gateway) Answer(h uint64, a engine.Answer) {
	if ch, ok := g.pending[h]; ok {
		delete(g.pending, h)
		ch <- a
	}
}

// Retry sends attempt n of request ref of client c (engine.Client).
func (g *gateway) Retry(ref uint64, c, n int) { g.load.retry(ref, c, n) }

// write writes the answer as API Gateway would.
func (g *gateway) write(w http.ResponseWriter, a engine.Answer) {
	switch a.Kind {
	case engine.Refused:
		status, hdr, body := g.model.Response(a.Decision)
		for name, vs := range hdr {
			w.Header()[name] = vs
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	case engine.Enqueued:
		b, _ := json.Marshal(map[string]any{"SendMessageResponse": map[string]any{
			"SendMessageResult": map[string]any{"MessageId": strconv.FormatUint(a.MessageID, 10)}}})
		writeJSON(w, http.StatusOK, string(b))
	case engine.Done:
		writeJSON(w, http.StatusOK, `{"ok":true}`)
	default:
		g.writeFailure(w, a)
	}
}

// writeFailure is a direct integration's backend failure passed through, a throttled
// backend function (500), a failed SendMessage (500) or a stray attempt (409).
func (g *gateway) writeFailure(w http.ResponseWriter, a engine.Answer) {
	rep := a.Reply
	switch {
	case a.Throttled, rep.Outcome == model.CallOK:
		writeJSON(w, http.StatusInternalServerError, `{"message": "Internal server error"}`)
	case rep.Outcome == model.CallTimeout:
		writeJSON(w, http.StatusGatewayTimeout, `{"message": "Endpoint request timed out"}`)
	case rep.Outcome == model.CallReset:
		writeJSON(w, http.StatusBadGateway, `{"message": "Internal server error"}`)
	case rep.Outcome == model.CallThrottled:
		if rep.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(rep.RetryAfter/time.Second)))
		}
		writeJSON(w, http.StatusTooManyRequests, `{"message":"Too Many Requests"}`)
	default:
		status := rep.Status
		if status < 400 {
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, `{"message": "Internal server error"}`)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
