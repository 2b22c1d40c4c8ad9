package sim

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Options tune a simulation run.
type Options struct {
	// Seed overrides the scenario's seed when not nil.
	Seed *int64
	// Progress, when set, is called now and then with the virtual time reached and the time
	// the run ends at the latest.
	Progress func(now, end time.Duration)
}

// Result is a finished simulation.
type Result struct {
	Summary *metrics.Summary
	Series  *metrics.Series
}

// runner is one simulation in progress.
type runner struct {
	p       *pipeline.Pipeline
	k       kernel
	rng     *rand.Rand
	rec     *metrics.Journal // in front of the run's Recorder, replaying on another core
	reqs    slab
	hits    []uint64
	groups  [][]string
	arrLeft int
	// The next first attempt of each client (never: when its arrivals are over), kept out of
	// the event heap: arrivals are half of all events, and each client's are in order.
	nextArr []time.Duration
	minArr  int // the client whose next arrival is earliest, -1 when none is left
	retries int // retry waits pending
	direct  int // synchronous backend calls under way
	end     time.Duration
	workers []worker
	wakeAt  time.Duration
	startFn model.StartFunc
	keys    []string
	callers []*model.Caller // each client's route and key, resolved by the gateway once
	orch    orchState
	aws     awsCount
	net     *rand.Rand    // the client-to-gateway delay's own stream
	tokAt   time.Duration // pending task-token deadline event, 0: none
	peak    int           // the most executions in use since the last second closed
	plain   bool          // the pattern never defers (Concurrency): skip asking it
	// lastDone is the arrival of the latest completed request of each FIFO message group.
	lastDone map[groupKey]time.Duration
	sends    uint64 // FIFO sends, for unique deduplication IDs
	err      error
}

// worker is one Lambda execution slot of the consumer pattern.
type worker struct {
	q      int             // the queue its batch came from
	msgs   []model.Message // the batch
	i      int             // the message it is on
	recvAt time.Duration   // when the batch was received
	cur    model.Message   // the message it handles: msgs[i], or a higher one taken instead
	curQ   int
	curAt  time.Duration // when cur was received
	start  time.Duration // when its call started
	reply  model.Reply
}

// Run simulates sc, whose defaults are applied and which has been validated.
func Run(sc *scenarios.Scenario, opts Options) (*Result, error) {
	seed := int64(1)
	if sc.Seed != nil {
		seed = *sc.Seed
	}
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	r := &runner{rng: rand.New(rand.NewPCG(uint64(seed), 0)), net: rand.New(rand.NewPCG(uint64(seed), 1<<32))}
	p, err := pipeline.Build(sc, seed, r.hooks)
	if err != nil {
		return nil, err
	}
	if p.API != nil && p.API.Latency() != nil {
		// The downstream latencies have a stream of their own, drawn ahead in blocks.
		p.API.UseDraws(model.NewLatencyDraws(p.API.Latency(), rand.New(rand.NewPCG(uint64(seed), 2<<32))))
	}
	r.init(p)
	r.loop(opts.Progress)
	r.rec.Close()
	if r.err != nil {
		return nil, r.err
	}
	r.orchStats(r.k.now)
	r.awsStats(r.k.now)
	r.tokenStats()
	sum, ser := r.rec.Finish(r.k.now, r.census())
	sum.Scenario, sum.Mode, sum.Seed = sc.Name, "sim", seed
	return &Result{Summary: sum, Series: ser}, nil
}

func (r *runner) init(p *pipeline.Pipeline) {
	r.p = p
	sc := p.Scenario
	drain := 5 * time.Minute
	if sc.Drain != nil {
		drain = sc.Drain.D()
	}
	r.end = sc.Duration.D() + drain
	r.rec = metrics.NewJournal(p.RecorderConfig(), r.sample)
	r.hits = make([]uint64, len(p.Clients))
	r.lastDone = map[groupKey]time.Duration{}
	for i, c := range p.Clients {
		r.keys = append(r.keys, c.Key)
		if p.Gateway != nil {
			r.callers = append(r.callers, p.Gateway.Caller(c.Route, c.Key))
		}
		g := make([]string, c.Groups)
		for j := range g {
			g[j] = c.Name + "-" + strconv.Itoa(j)
		}
		r.groups = append(r.groups, g)
		r.nextArr = append(r.nextArr, never)
		if at, ok := c.Arrival.Next(0); ok {
			r.nextArr[i] = at + r.netDelay()
			r.arrLeft++
		}
	}
	if p.Pattern != nil {
		r.workers = make([]worker, p.Pattern.Limit())
		_, r.plain = p.Pattern.(*model.Concurrency)
	}
	r.startFn = r.startBatch
	r.findMinArrival()
	r.initOrch()
}

const never = time.Duration(1<<63 - 1)

func (r *runner) findMinArrival() {
	r.minArr = -1
	for c, at := range r.nextArr {
		if at != never && (r.minArr < 0 || at < r.nextArr[r.minArr]) {
			r.minArr = c
		}
	}
}

// loop fires events until none is left, the drain time runs out, or every request has ended
// after the last arrival.
func (r *runner) loop(progress func(now, end time.Duration)) {
	var n uint64
	for r.err == nil {
		at, ok := r.k.peek()
		if c := r.minArr; c >= 0 && (!ok || r.nextArr[c] < at) {
			if at = r.nextArr[c]; at > r.end {
				break
			}
			// The client-to-gateway delay can bring an arrival before an event already
			// fired: it happens now, never in the past.
			at = max(at, r.k.now)
			r.k.now = at
			r.rec.Advance(at)
			r.arrive(at, c)
		} else {
			if !ok || at > r.end {
				break
			}
			e, _ := r.k.next()
			r.rec.Advance(e.at)
			r.fire(e)
		}
		if r.arrLeft == 0 && r.reqs.live == 0 {
			break
		}
		if n++; progress != nil && n&0xffff == 0 {
			progress(r.k.now, r.end)
		}
	}
	if at, ok := r.k.peek(); (ok && at > r.end) || (r.minArr >= 0 && r.nextArr[r.minArr] > r.end) {
		r.k.now = r.end
	}
}

func (r *runner) fire(e event) {
	now := e.at
	switch e.kind() {
	case evRetry:
		r.retries--
		r.attempt(now, e.arg())
	case evDirectDone:
		r.directDone(now, e.arg())
	case evCallDone:
		r.callDone(now, int(e.arg()))
	case evWake:
		r.wakeAt = 0
		r.poll(now)
	case evOrch:
		if r.orch.at == now {
			r.orch.at = 0
		}
		r.stepOrch(now)
	case evOrchCall:
		r.orchCallDone(now, int(e.arg()))
	case evAsync:
		r.orch.asyncAt = 0
		r.retryAsync(now)
	case evHealth:
		r.healthDone(now)
	case evTokens:
		r.tokAt = 0
		r.expireTokens(now)
	}
}

func (r *runner) arrive(now time.Duration, c int) {
	ref := r.reqs.alloc()
	req := r.reqs.get(ref)
	req.first, req.client, req.attempt, req.arrival = now, int32(c), 1, uint32(r.hits[c])
	r.hits[c]++
	at, ok := r.p.Clients[c].Arrival.Next(r.hits[c])
	if ok {
		at += r.netDelay()
	} else {
		at = never
		r.arrLeft--
	}
	r.nextArr[c] = at
	if len(r.nextArr) > 1 {
		r.findMinArrival()
	} else if !ok {
		r.minArr = -1
	}
	r.attempt(now, ref)
}

// NetJitter bounds the delay between a client sending an attempt and the gateway seeing it:
// uniform in [0, NetJitter). On a real network (and in live mode: vegeta's pacing tick and a
// loopback hop) it is never zero and never constant; without it, an exactly periodic client
// and an exactly periodic token refill fall into lock step, and the same first attempts win
// every token while retries always lose.
const NetJitter = time.Millisecond

func (r *runner) netDelay() time.Duration { return time.Duration(r.net.Int64N(int64(NetJitter))) }

func (r *runner) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}
