package live

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// liveQueue is what the live driver needs of a queue: the model's queue in memory, or a real
// SQS queue behind the same methods.
type liveQueue interface {
	model.QueueAPI
	Send(now time.Duration, body uint64, o model.SendOptions) (uint64, bool, error)
	OldestAge(now time.Duration) time.Duration
	Name() string
	Config() model.QueueConfig
}

// startServers starts the fake API (unless the run was given one) and the gateway, both on
// loopback, and returns a function that stops them.
func (r *runner) startServers(ctx context.Context) (func(), error) {
	for _, q := range r.p.Queues {
		r.queues = append(r.queues, q)
	}
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	apiURL := r.opts.APIURL
	if apiURL == "" {
		url, closeAPI, err := r.startFakeAPI()
		if err != nil {
			return nil, err
		}
		apiURL = url
		stops = append(stops, closeAPI)
	}
	health := "/health"
	if d := r.sc.Downstream; d != nil && d.HealthPath != "" {
		health = d.HealthPath
	}
	r.api = newAPIClient(apiURL, health)
	r.client = loadClient(30 * time.Second)
	url, closeGW, err := serve(r.gatewayHandler())
	if err != nil {
		stop()
		return nil, fmt.Errorf("start gateway: %w", err)
	}
	stops = append(stops, closeGW)
	r.gwURL = url
	return stop, nil
}

// startFakeAPI runs the scenario's fake API in-process on loopback.
func (r *runner) startFakeAPI() (string, func(), error) {
	d := r.sc.Downstream
	if d == nil {
		d = &scenariosDownstreamZero
	}
	cfg, err := pipeline.APIConfig(d, time.Now())
	if err != nil {
		return "", nil, fmt.Errorf("start fake api: %w", err)
	}
	srv, err := fakeapi.New(fakeapi.Config{API: cfg, HealthPath: d.HealthPath, Seed: r.seed})
	if err != nil {
		return "", nil, fmt.Errorf("start fake api: %w", err)
	}
	r.fake = srv
	url, closeFn, err := serve(srv.Handler())
	if err != nil {
		return "", nil, fmt.Errorf("start fake api: %w", err)
	}
	return url, closeFn, nil
}

// serve runs h on a free port of 127.0.0.1.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}, nil
}

// gauges snapshots the pipeline's state for the series.
func (r *runner) gauges(now time.Duration) metrics.Gauges {
	r.mu.Lock()
	defer r.mu.Unlock()
	var g metrics.Gauges
	for _, q := range r.queues {
		v, f, dl := q.Counts(now)
		g.Queues = append(g.Queues, metrics.QueueGauge{Visible: v, InFlight: f, Delayed: dl, OldestAge: q.OldestAge(now)})
	}
	r.tab.mu.Lock()
	g.InFlight = r.tab.live()
	r.tab.mu.Unlock()
	switch {
	case r.p.Pattern != nil:
		g.ConcurrencyInUse, g.ConcurrencyLimit = r.p.Pattern.InUse(), r.p.Pattern.Limit()
	case r.p.Backend != nil:
		g.ConcurrencyInUse, g.ConcurrencyLimit = r.p.Backend.InUse(), r.p.Backend.Limit()
	case r.p.Orchestrator != nil && r.orch != nil:
		g.ConcurrencyInUse = r.orch.busy
		if r.p.Workers != nil {
			g.ConcurrencyLimit = r.p.Workers.Limit()
		}
		g.BreakerOpen = r.p.Orchestrator.BreakerOpen(now)
		g.OrchestratorRunning = r.p.Orchestrator.Running()
	}
	return g
}

// census counts what is still in flight from the pipeline's own state.
func (r *runner) census(now time.Duration) metrics.Census {
	c := metrics.Census{"retry_wait": r.retries.Load(), "client_attempts": r.attempts.Load(),
		"worker_calls": r.calls.Load()}
	r.mu.Lock()
	for _, q := range r.queues {
		c["queue:"+q.Name()] = r.queued(now, q)
	}
	if r.orch != nil {
		c["worker_invoke_retries"] = int64(r.orch.async.Len())
	}
	r.mu.Unlock()
	return c
}

// queued counts the requests still in flight on q: on the in-memory queue, the messages
// whose request still lives (not a second delivery, not the work of a timed-out execution); on
// SQS, whose contents cannot be listed, every message (r.mu held).
func (r *runner) queued(now time.Duration, q liveQueue) int64 {
	mq, ok := q.(*model.Queue)
	if !ok {
		v, f, d := q.Counts(now)
		return int64(v + f + d)
	}
	mq.Counts(now) // let its timers catch up
	var n int64
	mq.Bodies(func(body uint64) {
		if _, live := r.keyOfRef(body); live {
			n++
		}
	})
	return n
}

// stats puts the orchestrator's counters and the fake API's own quota accounting in the
// summary.
func (r *runner) stats(end time.Duration) {
	r.mu.Lock()
	om := map[string]float64{}
	for _, part := range []map[string]float64{r.p.OrchestratorMetrics(end), r.p.TokenMetrics()} {
		for k, v := range part {
			om[k] = v
		}
	}
	r.mu.Unlock()
	r.rec.do(func(m *metrics.Recorder) {
		for k, v := range om {
			m.Set(k, v)
		}
	})
	r.apiStats()
	r.awsStats(end)
	r.backendStats()
}

// backendStats counts the requests made to the real backends.
func (r *runner) backendStats() {
	r.rec.do(func(m *metrics.Recorder) {
		if r.aws != nil {
			m.Set("aws_sqs_requests_measured_total", float64(r.sqsRequests()))
		}
		if r.state != nil {
			c := r.state.store.Calls()
			m.Set("aws_dynamodb_reads_total", float64(c.Reads))
			m.Set("aws_dynamodb_writes_total", float64(c.Writes))
			m.Set("state_quota_refused_total", float64(r.state.refused.Load()))
			m.Set("state_writes_dropped_total", float64(r.state.dropped.Load()))
		}
	})
}

// encoder opens the vegeta results file, if asked for.
func (r *runner) openResults() (func(), error) {
	r.enc = &resultEncoder{}
	if r.opts.ResultsFile == "" {
		return func() {}, nil
	}
	f, err := os.Create(r.opts.ResultsFile)
	if err != nil {
		return nil, fmt.Errorf("open results file: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	r.enc.enc = vegeta.NewEncoder(w)
	return func() {
		r.enc.mu.Lock()
		_ = w.Flush()
		r.enc.mu.Unlock()
		_ = f.Close()
	}, nil
}

// raiseFileLimit lifts RLIMIT_NOFILE to its hard limit: every connection is a descriptor.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil && !errors.Is(err, syscall.EPERM) {
			return
		}
	}
}
