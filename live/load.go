package live

import (
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// loadClient is the HTTP client of every attempt, vegeta's and the retries': keep-alive and a
// bounded pool, so the load generator neither runs out of file descriptors nor measures
// connection setup.
func loadClient(timeout time.Duration) *http.Client {
	return &http.Client{Transport: keepAliveTransport(4096), Timeout: timeout}
}

// keepAliveTransport is the live driver's HTTP transport: no proxy, short dial timeout, and
// up to idle connections kept alive per host.
func keepAliveTransport(idle int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     90 * time.Second,
	}
}

// attack offers the scenario's load: one vegeta attack per client, paced by the client's
// arrival model, and the retries of its retry policy on top. It returns when every attack
// has ended (or ctx is cancelled) and every result has been handled.
func (r *runner) attack(ctx context.Context) error {
	var wg sync.WaitGroup
	for c := range r.p.Clients {
		workers := r.opts.Workers
		if workers == 0 {
			workers = workersFor(r.p.Clients[c].Arrival, r.sc.Duration.D())
		}
		atk := vegeta.NewAttacker(vegeta.Client(r.client), vegeta.Workers(min(8, workers)),
			vegeta.MaxWorkers(workers), vegeta.KeepAlive(true))
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runAttack(ctx, c, atk)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func (r *runner) runAttack(ctx context.Context, c int, atk *vegeta.Attacker) {
	cl := r.p.Clients[c]
	method, path, _ := cutRoute(cl.Route)
	hdr := http.Header{}
	if cl.Key != "" {
		hdr.Set("x-api-key", cl.Key)
	}
	tgt := vegeta.NewStaticTargeter(vegeta.Target{Method: method, URL: r.gwURL + path, Header: hdr})
	results := atk.Attack(tgt, cl.Arrival, r.sc.Duration.D(), strconv.Itoa(c))
	stopped := false
	for res := range results {
		if ctx.Err() != nil && !stopped {
			atk.Stop()
			stopped = true
		}
		r.enc.encode(res)
		r.handle(c, res.Seq, 1, res)
	}
}

// workersFor is the cap on a client's vegeta workers. vegeta starts a worker only when all
// are busy, and a worker waits for its answer, so an open model needs rate × latency of them:
// the cap allows the client's peak rate for answers up to a second slow, at least 64, at most
// 4,096 (beyond that connections, not workers, are the limit on a 2-core machine).
func workersFor(a model.Arrival, d time.Duration) uint64 {
	peak := 0.0
	for i := range 1000 {
		peak = max(peak, a.Rate(d*time.Duration(i)/1000))
	}
	return uint64(min(max(math.Ceil(peak), 64), 4096))
}

func cutRoute(route string) (method, path string, ok bool) {
	for i := 0; i < len(route); i++ {
		if route[i] == ' ' {
			return route[:i], route[i+1:], true
		}
	}
	return "POST", "/", false
}

// handle is the client's side of one attempt's answer: done, retry, or give up.
func (r *runner) handle(c int, seq uint64, attempt int, res *vegeta.Result) {
	at := res.Timestamp.Sub(r.start)
	k := reqKey{client: c, seq: seq}
	r.rec.do(func(m *metrics.Recorder) {
		if attempt == 1 {
			m.Offered(at, c)
		}
		m.Attempt(at, c)
	})
	r.tab.mu.Lock()
	e := r.tab.m[k]
	if e == nil && attempt > 1 {
		// The request ended (a direct integration completed it) while this retry's answer
		// was on its way: nothing left to do.
		r.tab.mu.Unlock()
		return
	}
	e = r.tab.get(k, at)
	if attempt > 1 {
		e.inflight--
	}
	e.offered = true
	e.attempt = attempt
	if res.Code/100 == 2 || e.ended || e.queued {
		r.tab.drop(k)
		r.tab.mu.Unlock()
		return
	}
	why, prev := e.cause, e.prev
	if res.Code == 0 {
		why = metrics.FailDownstream // the gateway never answered: a transport error
	}
	r.tab.mu.Unlock()
	r.retryOrEnd(k, attempt, prev, retryAfter(res), why)
}

func retryAfter(res *vegeta.Result) time.Duration {
	if res.Headers == nil {
		return 0
	}
	if s, err := strconv.Atoi(res.Headers.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// retryOrEnd asks the client's retry policy for another attempt, or ends the request.
func (r *runner) retryOrEnd(k reqKey, attempt int, prev, ra time.Duration, why metrics.Reason) {
	r.mu.Lock()
	wait, ok := r.p.Clients[k.client].Retry.Next(attempt, prev, ra, r.rng)
	r.mu.Unlock()
	now := r.now()
	if !ok {
		r.endKey(now, k, why)
		return
	}
	r.tab.mu.Lock()
	r.tab.get(k, now).prev = wait
	r.tab.mu.Unlock()
	r.retries.Add(1)
	time.AfterFunc(wait, func() {
		r.retries.Add(-1)
		r.retry(k, attempt+1)
	})
}

// retry sends attempt n of k with the run's HTTP client.
func (r *runner) retry(k reqKey, n int) {
	cl := r.p.Clients[k.client]
	method, path, _ := cutRoute(cl.Route)
	req, err := http.NewRequest(method, r.gwURL+path, nil)
	if err != nil {
		r.errs.set(err)
		return
	}
	req.Header.Set(hdrAttack, strconv.Itoa(k.client))
	req.Header.Set(hdrSeq, strconv.FormatUint(k.seq, 10))
	req.Header.Set(hdrAttempt, strconv.Itoa(n))
	if cl.Key != "" {
		req.Header.Set("x-api-key", cl.Key)
	}
	r.attempts.Add(1)
	r.tab.mu.Lock()
	r.tab.get(k, r.now()).inflight++ // kept until its answer is handled
	r.tab.mu.Unlock()
	res := &vegeta.Result{Attack: strconv.Itoa(k.client), Seq: k.seq, Timestamp: time.Now(), Method: method, URL: req.URL.String()}
	resp, err := r.client.Do(req)
	res.Latency = time.Since(res.Timestamp)
	if err != nil {
		res.Error = err.Error()
	} else {
		res.Code = uint16(resp.StatusCode)
		res.Headers = resp.Header
		n, _ := io.Copy(io.Discard, resp.Body)
		res.BytesIn = uint64(n)
		resp.Body.Close()
	}
	r.enc.encode(res)
	r.handle(k.client, k.seq, n, res)
	r.attempts.Add(-1)
}

// endKey ends request k with reason why, once.
func (r *runner) endKey(now time.Duration, k reqKey, why metrics.Reason) {
	r.tab.mu.Lock()
	e := r.tab.m[k]
	if e == nil || e.ended { // gone: it ended already
		r.tab.mu.Unlock()
		return
	}
	e.ended = true
	tok := e.token
	r.tab.drop(k)
	r.tab.mu.Unlock()
	if t := r.p.Tokens; t != nil && tok != 0 && why != metrics.FailTaskTimeout {
		r.mu.Lock()
		_, _ = t.Fail(now, tok) // SendTaskFailure
		r.mu.Unlock()
	}
	r.rec.do(func(m *metrics.Recorder) { m.Ended(now, k.client, why) })
}

// complete ends request k as completed, once. With task tokens this is the worker's
// SendTaskSuccess: end to end runs from the execution's start to the callback, and a
// callback at or after the deadline is refused, the execution having timed out.
func (r *runner) complete(now time.Duration, k reqKey) {
	r.tab.mu.Lock()
	e := r.tab.m[k]
	if e == nil || e.ended { // gone: it ended already (its execution timed out meanwhile)
		r.tab.mu.Unlock()
		return
	}
	first, tok := e.first, e.token
	r.tab.mu.Unlock()
	if t := r.p.Tokens; t != nil && tok != 0 {
		r.mu.Lock()
		_, started, err := t.Succeed(now, tok)
		r.mu.Unlock()
		if err != nil {
			r.expireTokens()
			return
		}
		first = started
	}
	r.tab.mu.Lock()
	if e.ended {
		r.tab.mu.Unlock()
		return
	}
	e.ended = true
	broken := r.orderBroken(k, first)
	r.tab.drop(k)
	r.tab.mu.Unlock()
	r.rec.do(func(m *metrics.Recorder) {
		m.Completed(now, k.client, now-first)
		if broken {
			m.OrderBroken(now)
		}
	})
}

// orderBroken reports whether k, a request on a FIFO queue, completes after a later request
// of its message group (r.tab.mu held).
func (r *runner) orderBroken(k reqKey, first time.Duration) bool {
	c := r.p.Clients[k.client]
	if c.Queue < 0 || !r.queues[c.Queue].Config().FIFO {
		return false
	}
	g := reqKey{client: k.client, seq: k.seq % uint64(c.Groups)}
	if last, ok := r.tab.lastDone[g]; ok && first < last {
		return true
	}
	r.tab.lastDone[g] = first
	return false
}

// endRef ends the request behind a queue message body.
func (r *runner) endRef(now time.Duration, ref uint64, why metrics.Reason) {
	r.tab.mu.Lock()
	k, ok := r.tab.refs[ref]
	r.tab.mu.Unlock()
	if ok {
		r.endKey(now, k, why)
	}
}

// resultEncoder writes results in vegeta's encoding, serialised.
type resultEncoder struct {
	mu  sync.Mutex
	enc vegeta.Encoder
}

func (e *resultEncoder) encode(res *vegeta.Result) {
	if e == nil || e.enc == nil {
		return
	}
	e.mu.Lock()
	_ = e.enc.Encode(res)
	e.mu.Unlock()
}
