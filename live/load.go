package live

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// loadGen is the load generator: one vegeta attack per client for the first attempts, paced
// by the client's arrival model, and the retries the engine asks for, each result handed to
// the loop as the client saw it and written to results.bin.
type loadGen struct {
	l       *loop
	gw      *gateway
	url     string // the gateway's base URL
	secret  string
	clients int
	cl      []pipeline.Client
	dur     time.Duration
	workers uint64 // cap on each attack's workers (0: from the client's peak rate)
	client  *http.Client
	enc     resultEncoder
	shard   model.Shard    // the run's part of the arrivals (vegeta's seq k is the shard's k)
	tgt     *targetView    // a target run's view of the answers; nil: the emulated gateway
	wg      sync.WaitGroup // retries under way
	attacks []*vegeta.Attacker
	mu      sync.Mutex // guards attacks against stop, and firstErr
	// firstErr is the first attempt that got no answer at all, as its client saw it.
	firstErr string
}

// noteError keeps the first transport error of an attempt.
func (g *loadGen) noteError(res *vegeta.Result) {
	if res.Code != 0 || res.Error == "" {
		return
	}
	g.mu.Lock()
	if g.firstErr == "" {
		g.firstErr = res.Error
	}
	g.mu.Unlock()
}

// firstError is the first transport error an attempt met.
func (g *loadGen) firstError() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.firstErr == "" {
		return "no transport error recorded"
	}
	return "first error: " + g.firstErr
}

// loadTransport is the HTTP transport of every attempt, vegeta's and the retries': keep-alive,
// at most conns connections to the gateway (a bounded budget of file descriptors), no proxy.
func loadTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
	}
}

// run offers every client's first attempts and returns when all attacks have ended and every
// first attempt's result has been handed to the loop.
func (g *loadGen) run(ctx context.Context) {
	var wg sync.WaitGroup
	for c := range g.cl {
		workers := g.workers
		if workers == 0 {
			workers = workersFor(g.cl[c].Arrival, g.dur)
		}
		atk := vegeta.NewAttacker(vegeta.Client(g.client), vegeta.Workers(min(8, workers)),
			vegeta.MaxWorkers(workers), vegeta.KeepAlive(true))
		g.mu.Lock()
		g.attacks = append(g.attacks, atk)
		g.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.attack(ctx, c, atk)
		}()
	}
	wg.Wait()
}

// stop ends the attacks: no new first attempt starts.
func (g *loadGen) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range g.attacks {
		a.Stop()
	}
}

func (g *loadGen) attack(ctx context.Context, c int, atk *vegeta.Attacker) {
	method, path := cutRoute(g.cl[c].Route)
	hdr := http.Header{}
	if g.secret != "" {
		hdr.Set(hdrRun, g.secret)
	}
	if key := g.cl[c].Key; key != "" {
		hdr.Set("x-api-key", key)
	}
	tgt := vegeta.NewStaticTargeter(vegeta.Target{Method: method, URL: g.url + path, Header: hdr})
	for res := range atk.Attack(tgt, g.cl[c].Arrival, g.dur, strconv.Itoa(c)) {
		if ctx.Err() != nil {
			atk.Stop()
		}
		g.enc.encode(res)
		g.noteError(res)
		if g.tgt != nil {
			h, seq := g.tgt.heard(res, g.l.start), res.Seq
			g.l.post(func(now time.Duration) { g.targetFirst(now, c, seq, h) })
			continue
		}
		code, ra := int(res.Code), retryAfter(res.Headers)
		seq, at := res.Seq, res.Timestamp.Sub(g.l.start)
		g.l.post(func(now time.Duration) { g.firstResult(now, at, c, seq, code, ra) })
	}
}

// firstResult is what client c made of the answer to its first attempt seq, on the loop.
func (g *loadGen) firstResult(now, at time.Duration, c int, seq uint64, code int, ra time.Duration) {
	k := firstKey{c, seq}
	ref, seen := g.gw.firsts[k]
	if !seen {
		// It never reached the gateway: the request is known from here on, and a late
		// arrival of it at the gateway is a stray.
		ref = g.l.e.Arrive(at, c, g.shard.Global(seq))
		g.gw.firsts[k] = ref
	} else {
		delete(g.gw.firsts, k)
	}
	g.l.e.Answered(now, ref, 1, code, ra)
}

// retry sends attempt n of request ref of client c, off the loop.
func (g *loadGen) retry(ref uint64, c, n int) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		res := g.send(ref, c, n)
		g.enc.encode(res)
		g.noteError(res)
		if g.tgt != nil {
			h := g.tgt.heard(res, g.l.start)
			g.l.post(func(now time.Duration) { g.l.e.Heard(now, ref, n, h) })
			return
		}
		code, ra := int(res.Code), retryAfter(res.Headers)
		g.l.post(func(now time.Duration) { g.l.e.Answered(now, ref, n, code, ra) })
	}()
}

// send makes one retry and returns it as vegeta records an attempt.
func (g *loadGen) send(ref uint64, c, n int) *vegeta.Result {
	method, path := cutRoute(g.cl[c].Route)
	res := &vegeta.Result{Attack: strconv.Itoa(c), Timestamp: time.Now(), Method: method, URL: g.url + path}
	req, err := http.NewRequest(method, res.URL, nil)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if g.secret != "" { // the emulated gateway's: a target hears nothing of the run's secret
		req.Header.Set(hdrRun, g.secret)
		req.Header.Set(hdrRef, strconv.FormatUint(ref, 10))
	}
	req.Header.Set(hdrAttack, res.Attack)
	req.Header.Set(hdrAttempt, strconv.Itoa(n))
	if key := g.cl[c].Key; key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := g.client.Do(req)
	res.Latency = time.Since(res.Timestamp)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Code = uint16(resp.StatusCode)
	res.Headers = resp.Header
	nb, _ := io.Copy(io.Discard, resp.Body)
	res.BytesIn = uint64(nb)
	resp.Body.Close()
	return res
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

func cutRoute(route string) (method, path string) {
	for i := 0; i < len(route); i++ {
		if route[i] == ' ' {
			return route[:i], route[i+1:]
		}
	}
	return "POST", "/"
}

func retryAfter(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// resultEncoder writes results in vegeta's encoding, serialised.
type resultEncoder struct {
	mu  sync.Mutex
	enc vegeta.Encoder
	w   *bufio.Writer
	f   *os.File
}

func (e *resultEncoder) open(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("open results file: %w", err)
	}
	e.f, e.w = f, bufio.NewWriterSize(f, 1<<16)
	e.enc = vegeta.NewEncoder(e.w)
	return nil
}

// encode writes res, unless the file is closed: an attack's last results may come after
// the run has ended and closed it.
func (e *resultEncoder) encode(res *vegeta.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.enc == nil {
		return
	}
	_ = e.enc.Encode(res)
}

func (e *resultEncoder) close() error {
	if e.f == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.w.Flush()
	if cerr := e.f.Close(); err == nil {
		err = cerr
	}
	e.enc = nil
	return err
}
