package engine

import (
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

const never = time.Duration(1<<63 - 1)

// arrivals are the in-process clients' first attempts, kept out of the kernel: they are half
// of all events, and each client's come in order. A client outside the engine (a client
// port) has none here: its arrivals come through Arrive.
type arrivals struct {
	hits []uint64        // arrivals so far, per client
	next []time.Duration // each client's next arrival at the gateway (never: none left)
	min  int             // the client whose next arrival is earliest, -1 when none is left
	left int             // clients with arrivals to come
}

func (a *arrivals) init(e *Engine) {
	a.hits = make([]uint64, len(e.p.Clients))
	for _, c := range e.p.Clients {
		a.next = append(a.next, never)
		if at, ok := c.Arrival.Next(0); ok {
			a.next[len(a.next)-1] = at + e.arrivalDelay(c.Arrival)
			a.left++
		}
	}
	a.findMin()
}

func (a *arrivals) findMin() {
	a.min = -1
	for c, at := range a.next {
		if at != never && (a.min < 0 || at < a.next[a.min]) {
			a.min = c
		}
	}
}

// arrivalDelay is a first attempt's client-to-gateway delay: none for an arrival recorded at
// the gateway (a replayed trace, model.ExactArrival), netDelay otherwise.
func (e *Engine) arrivalDelay(a model.Arrival) time.Duration {
	if x, ok := a.(model.ExactArrival); ok && x.Exact() {
		return 0
	}
	return e.netDelay()
}

// arrive is client c's next first attempt reaching the gateway.
func (e *Engine) arrive(now time.Duration, c int) {
	a := &e.arr
	ref := e.reqs.alloc()
	req := e.reqs.get(ref)
	req.first, req.client, req.attempt, req.arrival = now, int32(c), 1, uint32(a.hits[c])
	a.hits[c]++
	at, ok := e.p.Clients[c].Arrival.Next(a.hits[c])
	if ok {
		at += e.arrivalDelay(e.p.Clients[c].Arrival)
	} else {
		at = never
		a.left--
	}
	a.next[c] = at
	if len(a.next) > 1 {
		a.findMin()
	} else if !ok {
		a.min = -1
	}
	e.atGateway(now, ref, 0)
}

// Step fires the next event in virtual time — the next arrival or the next scheduled event —
// and reports whether the run goes on: false once nothing is left, the end is passed, every
// request has ended after the last arrival, or the flow failed.
func (e *Engine) Step() bool {
	if e.err != nil {
		return false
	}
	at, ok := e.k.peek()
	if c := e.arr.min; c >= 0 && (!ok || e.arr.next[c] < at) {
		if at = e.arr.next[c]; at > e.end {
			return false
		}
		// The client-to-gateway delay can bring an arrival before an event already
		// fired: it happens now, never in the past.
		at = max(at, e.k.now)
		e.k.now = at
		e.rec.Advance(at)
		e.arrive(at, c)
	} else {
		if !ok || at > e.end {
			return false
		}
		ev, _ := e.k.next()
		e.rec.Advance(ev.at)
		e.fire(ev)
	}
	return e.err == nil && !(e.arr.left == 0 && e.reqs.live == 0)
}

// RunUntil fires, in order, every scheduled event due at or before now, then moves the
// engine's clock to now: a wall-clock driver calls it when it wakes.
func (e *Engine) RunUntil(now time.Duration) {
	for e.err == nil {
		at, ok := e.k.peek()
		if !ok || at > now {
			break
		}
		ev, _ := e.k.next()
		e.rec.Advance(ev.at)
		e.fire(ev)
	}
	e.advance(max(now, e.k.now))
}

// NextAt returns the instant of the next scheduled event, if any.
func (e *Engine) NextAt() (time.Duration, bool) { return e.k.peek() }

func (e *Engine) fire(ev event) {
	now := ev.at
	switch ev.kind() {
	case evRetry:
		e.retry(now, ev.arg())
	case evDirectDone:
		if req := e.reqs.get(ev.arg()); req != nil {
			e.directDone(now, ev.arg(), req.reply)
		}
	case evCallDone:
		e.callDone(now, int(ev.arg()), e.workers[ev.arg()].reply)
	case evWake:
		e.wakeAt = 0
		e.poll(now)
	case evOrch:
		if e.orch.at == now {
			e.orch.at = 0
		}
		e.stepOrch(now)
	case evOrchCall:
		e.orchCallDone(now, int(ev.arg()), e.orch.workers[ev.arg()].reply)
	case evAsync:
		e.orch.asyncAt = 0
		e.retryAsync(now)
	case evHealth:
		e.healthResult(now, e.p.API.Health(now-healthLatency))
	case evTokens:
		e.tokAt = 0
		e.expireTokens(now)
	}
}

// SettleAtEnd moves a virtual clock to the end of the drain when work was left beyond it:
// the run lasted that long. A run that went idle (every arrival made, every request ended)
// ended then, as a live run does, whatever timers remain (a poller's next receive, a
// retention expiry). A driver in virtual time calls it once Step has returned false.
func (e *Engine) SettleAtEnd() {
	if e.Idle() {
		return
	}
	if at, ok := e.k.peek(); (ok && at > e.end) || (e.arr.min >= 0 && e.arr.next[e.arr.min] > e.end) {
		e.k.now = max(e.k.now, e.end)
	}
}

// Finish ends the run at the engine's clock and returns its summary and series: the census
// of what is still in flight, the orchestrator's, task tokens' and AWS request counters. It
// must be called once, even after a failed run (it stops the recorder's goroutine).
func (e *Engine) Finish() (*metrics.Summary, *metrics.Series) {
	e.rec.Close()
	end := e.k.now
	e.orchStats(end)
	e.awsStats(end)
	e.tokenStats()
	if api := e.p.API; api != nil && api.KeysEvicted() > 0 {
		e.rec.Set("downstream_keys_evicted_total", float64(api.KeysEvicted()))
	}
	sum, ser := e.rec.Finish(end, e.census())
	sum.Scenario, sum.Seed = e.sc.Name, e.seed
	sum.Notes = append(sum.Notes, arrivalNotes(e.p.Clients)...)
	return sum, ser
}

// arrivalNotes are what the clients' arrivals say about how they went (a replay's trace cut
// short, timestamps spread over their second). With more than one such client each note names
// its clients, and a note several clients give alike is given once.
func arrivalNotes(clients []pipeline.Client) []string {
	var texts []string
	who := map[string][]string{}
	for _, c := range clients {
		n, ok := c.Arrival.(model.NotedArrival)
		if !ok {
			continue
		}
		for _, t := range n.Notes() {
			if _, seen := who[t]; !seen {
				texts = append(texts, t)
			}
			who[t] = append(who[t], c.Name)
		}
	}
	noted := 0
	for _, c := range clients {
		if _, ok := c.Arrival.(model.NotedArrival); ok {
			noted++
		}
	}
	if noted < 2 {
		return texts
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		names := who[t]
		label := "client " + names[0]
		if len(names) > 1 {
			label = "clients " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
		}
		out[i] = label + ": " + t
	}
	return out
}

// Set puts a metric of the driver's in the summary.
func (e *Engine) Set(name string, v float64) { e.rec.Set(name, v) }
