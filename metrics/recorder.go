// Package metrics is the one recorder both drivers feed: per-second series, latency histograms
// and the ledger that puts every request in exactly one end state. It knows nothing of how the
// pipeline is built; drivers tell it what happened and when.
//
// Time is the time since the run began, as everywhere in throttlelab. Events may be recorded
// in any order within a second and for past seconds (a call is attributed to the second it
// started in); Advance closes seconds in order and samples the gauges at their ends.
package metrics

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Priorities are the request priorities of the scenario format, in order.
var Priorities = []string{"high", "normal", "batch"}

// Gateway is what the gateway answered one attempt.
type Gateway uint8

// Gateway answers.
const (
	Admitted Gateway = iota
	Throttled
	QuotaExceeded
	Forbidden
	BackendError // a direct integration passed a failure of its backend through (5xx, timeout)
	// LoadError: the attempt never reached the gateway — the load generator itself failed to
	// make it (a socket, a file descriptor): the harness's failure, not the design's.
	LoadError
)

// Call is how a downstream call ended, as its caller saw it.
type Call uint8

// Downstream call results.
const (
	CallOK Call = iota
	Call429
	Call5xx
	CallTimeout
	CallReset
)

// Reason says why a request ended without completing.
type Reason uint8

// End reasons: the first four are rejections at the gateway, the rest failures.
const (
	RejectForbidden Reason = iota
	RejectThrottled
	RejectQuota
	RejectBackend // the client gave up on a backend failure passed through the gateway
	// RejectLoadError: the client gave up after attempts its load generator failed to make.
	RejectLoadError
	FailDLQ
	FailExpired
	FailDownstream
	FailTaskTimeout
	FailWorkerDLQ
	numReasons
)

var reasonNames = [numReasons]string{"forbidden", "throttled", "quota_exceeded", "backend_error",
	"load_error", "dead_lettered", "retention_expired", "downstream_failure", "task_timeout", "worker_dlq"}

// String names the reason as the ledger does.
func (r Reason) String() string { return reasonNames[r] }

func (r Reason) rejected() bool { return r <= RejectLoadError }

// ClientInfo describes one client for per-client metrics.
type ClientInfo struct {
	Name     string
	Priority string // one of Priorities
}

// Tier is one downstream quota tier, for utilization and over-grant.
type Tier struct {
	Limit  int64
	Per    time.Duration
	Window string // fixed, sliding, token-bucket
}

// Config describes the run to the recorder.
type Config struct {
	Clients []ClientInfo
	Queues  []string // names of the work queues (dead-letter arrivals are counted per queue)
	Tiers   []Tier   // downstream quota tiers; none: utilization is 0
	Offered time.Duration
	Epoch   time.Time // the run's start instant, to align fixed windows
}

// Gauges is the state of the pipeline at the end of a second.
type Gauges struct {
	Queues           []QueueGauge // in Config.Queues order
	InFlight         int          // requests started and not yet ended
	ConcurrencyInUse int
	ConcurrencyLimit int
	BreakerOpen      bool
	// OrchestratorRunning says an orchestrator run is under way (seed 002's pattern).
	OrchestratorRunning bool
}

// QueueGauge is one queue's counts at the end of a second.
type QueueGauge struct {
	Visible, InFlight, Delayed int
	OldestAge                  time.Duration
}

// Sampler fills g with the gauges at instant at.
type Sampler func(at time.Duration, g *Gauges)

// Recorder accumulates one run's metrics. It is not safe for concurrent use.
type Recorder struct {
	cfg     Config
	sampler Sampler
	gauges  Gauges
	tot     totals
	perCli  []group
	perPri  [3]group // histograms merged from the clients' at Finish
	perQ    []queueTotals
	cliPri  []int // each client's index in Priorities
	e2e     *hdr.Histogram
	wait    *hdr.Histogram
	ds      *hdr.Histogram
	series  series
	closed  time.Duration // seconds before this are closed
	extra   map[string]float64
}

// NewRecorder returns a recorder for a run described by cfg; sampler may be nil.
func NewRecorder(cfg Config, sampler Sampler) *Recorder {
	r := &Recorder{cfg: cfg, sampler: sampler, e2e: newHist(), wait: newHist(), ds: newHist()}
	r.perCli = make([]group, len(cfg.Clients))
	for i := range r.perCli {
		r.perCli[i] = newGroup()
		r.cliPri = append(r.cliPri, PriorityIndex(cfg.Clients[i].Priority))
	}
	for i := range r.perPri {
		r.perPri[i] = newGroup()
	}
	r.perQ = make([]queueTotals, len(cfg.Queues))
	r.gauges.Queues = make([]QueueGauge, len(cfg.Queues))
	r.series = newSeries(len(cfg.Clients), len(cfg.Queues))
	return r
}

// Highest value the histograms track: 10^12 µs, about 11.6 days.
const histMax = 1_000_000_000_000

func newHist() *hdr.Histogram { return hdr.New(1, histMax, 3) }

func micros(d time.Duration) int64 {
	us := d.Microseconds()
	if us < 1 {
		return 1
	}
	return min(us, histMax)
}

// PriorityIndex returns the index of p in Priorities, normal for anything unknown.
func PriorityIndex(p string) int {
	for i, q := range Priorities {
		if q == p {
			return i
		}
	}
	return 1
}
