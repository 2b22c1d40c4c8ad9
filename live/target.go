package live

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/throttlelab/throttlelab/engine"
)

// A target run (Options.Target) sends the clients' attempts to a real endpoint instead of
// the emulated pipeline: vegeta's first attempts and the retries go to the target's URL plus
// each client's path, with the client's method and x-api-key. No gateway server, fake API,
// queue or consumer is started; the engine runs external (engine.Options.External) on the
// clients and their traffic alone, and keeps the ledger from what each client heard. The
// run's secret header, which the emulated gateway uses to tell the run's load from foreign
// requests, is not sent: a target has no use for it. Retries carry X-Throttlelab-Attempt
// (2, 3, …) so that the target's logs can tell them from first attempts.

// targetView turns a target's answers into what the engine needs, and counts what the
// summary should say about them. It is used off the loop, by the load generator's goroutines.
type targetView struct {
	mu sync.Mutex
	// noAnswer counts attempts the target did not answer (firstErr is the first one's
	// error); odd counts answers by status outside the ledger's classes (1xx, 3xx, 4xx but
	// 403 and 429).
	noAnswer int64
	firstErr string
	odd      map[int]int64
}

// harnessErrors are the transport errors that are the load generator's own failure to make
// an attempt, whatever the target: out of file descriptors, ephemeral ports or buffers.
var harnessErrors = []string{"too many open files", "cannot assign requested address", "no buffer space available"}

// targetsFault tells a transport error the target caused (refused, reset, timed out, a name
// that does not resolve, a TLS failure) from the harness's own (harnessErrors).
func targetsFault(err string) bool {
	for _, h := range harnessErrors {
		if strings.Contains(err, h) {
			return false
		}
	}
	return true
}

// heard is what a client heard for attempt res, sent res.Timestamp − start into the run.
func (t *targetView) heard(res *vegeta.Result, start time.Time) engine.Heard {
	h := engine.Heard{Sent: res.Timestamp.Sub(start), Status: int(res.Code), RetryAfter: retryAfter(res.Headers)}
	if h.Status == http.StatusTooManyRequests && res.Headers != nil {
		h.QuotaExceeded = strings.HasPrefix(res.Headers.Get("x-amzn-ErrorType"), "LimitExceededException")
	}
	s := h.Status
	if s != 0 && s/100 != 2 && s/100 != 5 && s != http.StatusForbidden && s != http.StatusTooManyRequests {
		t.mu.Lock()
		if t.odd == nil {
			t.odd = map[int]int64{}
		}
		t.odd[s]++
		t.mu.Unlock()
	} else if s == 0 && targetsFault(res.Error) {
		h.TargetFailed = true
		t.mu.Lock()
		if t.noAnswer++; t.firstErr == "" {
			t.firstErr = res.Error
		}
		t.mu.Unlock()
	}
	return h
}

// targetFirst is client c's first attempt seq (the shard's numbering) and what it heard, on
// the loop.
func (g *loadGen) targetFirst(now time.Duration, c int, seq uint64, h engine.Heard) {
	ref := g.l.e.Arrive(h.Sent, c, g.shard.Global(seq))
	g.l.e.Heard(now, ref, 1, h)
}

// Answer is never called in a target run: the engine owns no gateway to answer from
// (engine.Client).
func (g *loadGen) Answer(uint64, engine.Answer) {}

// Retry sends attempt n of request ref of client c to the target (engine.Client).
func (g *loadGen) Retry(ref uint64, c, n int) { g.retry(ref, c, n) }

// setupTarget builds a target run: the engine on the scenario's clients alone, the load
// generator pointed at the target, the results file.
func (r *runner) setupTarget(context.Context) error {
	if a := r.opts.MetricsAddr; a != "" {
		if err := CheckMetricsAddr(a, r.opts.AllowRemoteMetrics); err != nil {
			return fmt.Errorf("serve metrics: %w", err) // before anything is started or looked up
		}
	}
	conns, err := r.connBudget()
	if err != nil {
		return err
	}
	r.load = &loadGen{url: strings.TrimRight(r.opts.Target, "/"), tgt: &targetView{},
		dur: r.sc.Duration.D(), workers: r.opts.Workers, shard: r.opts.Shard,
		client: &http.Client{Transport: loadTransport(conns), Timeout: 30 * time.Second}}
	e, err := engine.New(engine.ForTarget(r.sc), engine.Options{Seed: r.opts.Seed,
		Ports: engine.Ports{Client: r.load}, External: true})
	if err != nil {
		return err
	}
	r.e, r.l = e, newLoop(e)
	r.shardArrivals()
	p := e.Pipeline()
	r.load.l, r.load.cl, r.load.clients = r.l, p.Clients, len(p.Clients)
	r.cancel = func() {}
	if err := r.startMetrics(); err != nil {
		return err
	}
	if err := r.load.enc.open(r.opts.ResultsFile); err != nil {
		return err
	}
	r.stops = append(r.stops, func() { _ = r.load.enc.close() })
	r.notes = append(r.notes, fmt.Sprintf("target run: the clients' attempts went to %s (plus each client's path); "+
		"no gateway, queue, consumer or downstream API was emulated, and every figure is what the clients measured", r.opts.Target))
	return nil
}

// targetStats says in the summary what the clients heard that the ledger's classes do not
// name: answers that never came, and statuses other than 2xx, 403, 429 and 5xx.
func (r *runner) targetStats() {
	t := r.load.tgt
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.noAnswer > 0 {
		r.notes = append(r.notes, fmt.Sprintf("%d attempts got no answer from the target: refused, reset, or none within the clients' 30s "+
			"(counted as backend errors; the first: %s)", t.noAnswer, t.firstErr))
	}
	if len(t.odd) > 0 {
		var parts []string
		for s, n := range t.odd {
			parts = append(parts, fmt.Sprintf("%d × %d", n, s))
		}
		sort.Strings(parts)
		r.notes = append(r.notes, fmt.Sprintf("the target answered statuses counted as backend errors: %s; check the target URL and the clients' paths and methods",
			strings.Join(parts, ", ")))
	}
}

// measure puts the driver's own measurements in the summary before it is finished.
func (r *runner) measure() {
	if r.opts.Target != "" {
		r.targetStats()
		return
	}
	r.stats()
}
