package live

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/throttlelab/throttlelab/engine"
	"github.com/throttlelab/throttlelab/metrics"
)

// exporter is the run's Prometheus collector. What the engine counted comes from a
// read-out the loop stores once a second (engine.Snapshot): a scrape never touches the
// engine. API Gateway's own metrics (Count, 4XXError, 5XXError, Latency, IntegrationLatency)
// are measured where CloudWatch measures them, at the gateway: its HTTP handler counts the
// run's attempts and times them (gatewayObs).
type exporter struct {
	live atomic.Pointer[metrics.Live]
	gw   *gatewayObs
	info prometheus.Metric
}

// Metric names: CloudWatch's metrics under Prometheus conventions (docs/metrics.md).
const ns = "throttlelab_"

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(ns+name, help, labels, nil)
}

var (
	// The run and its ledger.
	dElapsed     = desc("run_elapsed_seconds", "Time since the run began.")
	dOffered     = desc("requests_offered_total", "Requests the clients started (first attempts): the ledger's offered.")
	dCompleted   = desc("requests_completed_total", "Requests whose downstream call succeeded.")
	dRejected    = desc("requests_rejected_total", "Requests a client gave up on after a refusal at the gateway, by reason.", "reason")
	dFailed      = desc("requests_failed_total", "Requests dead-lettered or failed downstream for good, by reason.", "reason")
	dInFlight    = desc("requests_in_flight", "Requests started and not yet ended.")
	dLost        = desc("requests_lost", "Requests offered and neither ended nor in flight: 0 in a sound run.")
	dAttempts    = desc("request_attempts_total", "Attempts that reached the gateway, retries included.")
	dLoadErrors  = desc("load_errors_total", "Attempts the load generator failed to make: the harness's failures, not the API's.")
	dE2E         = desc("request_duration_seconds", "Completed requests, from the first attempt to success.")
	dClientReq   = desc("client_requests_offered_total", "Requests each client started.", "client", "priority")
	dClientAns   = desc("client_gateway_answers_total", "The gateway's answers to each client's attempts.", "client", "priority", "answer")
	dClientEnded = desc("client_requests_ended_total", "Each client's requests that ended, by outcome.", "client", "priority", "outcome")
	// SQS, per queue.
	qLabel      = "queue"
	dVisible    = desc("sqs_messages_visible", "SQS ApproximateNumberOfMessagesVisible at the end of the latest second.", qLabel)
	dNotVisible = desc("sqs_messages_not_visible", "SQS ApproximateNumberOfMessagesNotVisible (in flight) at the end of the latest second.", qLabel)
	dDelayed    = desc("sqs_messages_delayed", "SQS ApproximateNumberOfMessagesDelayed at the end of the latest second.", qLabel)
	dOldest     = desc("sqs_oldest_message_age_seconds", "SQS ApproximateAgeOfOldestMessage at the end of the latest second.", qLabel)
	dSent       = desc("sqs_messages_sent_total", "SQS NumberOfMessagesSent by the gateway's integration (re-queues: sqs_messages_requeued_total).", qLabel)
	dReceived   = desc("sqs_messages_received_total", "SQS NumberOfMessagesReceived, redeliveries included.", qLabel)
	dDeleted    = desc("sqs_messages_deleted_total", "SQS NumberOfMessagesDeleted that ended a request (a stale delivery's: sqs_duplicate_deliveries_total).", qLabel)
	dDeferred   = desc("sqs_messages_deferred_total", "Messages a worker left to time out for higher-priority work.", qLabel)
	dDLQ        = desc("sqs_messages_dead_lettered_total", "Messages moved to the queue's dead-letter queue.", qLabel)
	dRequeued   = desc("sqs_messages_requeued_total", "Messages a worker put back on a queue (the orchestrator's re-queue).")
	dDuplicates = desc("sqs_duplicate_deliveries_total", "Deliveries of a message whose request had already ended, deleted unprocessed.")
	dQueueWait  = desc("queue_wait_seconds", "Messages' wait from send to the receive that led to their deletion.")
	// Lambda.
	dInvocations = desc("lambda_invocations_total", "Lambda Invocations of the design's functions.")
	dErrors      = desc("lambda_errors_total", "Lambda Errors: invocations' downstream calls that failed (429, 5xx, timeout, reset).")
	dThrottles   = desc("lambda_throttles_total", "Lambda Throttles: invocations refused for want of concurrency.")
	dConcurrent  = desc("lambda_concurrent_executions", "Lambda ConcurrentExecutions: the most in use during the latest second.")
	dConcLimit   = desc("lambda_concurrency_limit", "The functions' concurrency limit (reserved concurrency).")
	dDuration    = desc("lambda_duration_seconds", "Lambda Duration: the invocations' run time.")
	// The downstream API, the breaker and the orchestrator.
	dCalls       = desc("downstream_calls_total", "Calls to the downstream API, by how they ended.", "result")
	dCallTime    = desc("downstream_call_duration_seconds", "Successful downstream calls' duration.")
	dUtil        = desc("downstream_quota_utilization_ratio", "Successful calls started in the latest second over the tightest short quota tier's calls per second.")
	dBreakerOpen = desc("breaker_open", "1 while the orchestrator's circuit breaker is open.")
	dBreakerOpd  = desc("breaker_opened_total", "Times the circuit breaker opened.")
	dOrchRunning = desc("orchestrator_running", "1 while an orchestrator run is under way.")
	dInfo        = desc("run_info", "The run's scenario and mode; always 1.", "scenario", "mode")
)

func newExporter(scenario string) *exporter {
	return &exporter{gw: newGatewayObs(),
		info: prometheus.MustNewConstMetric(dInfo, prometheus.GaugeValue, 1, scenario, "live")}
}

// Describe sends every family's description (prometheus.Collector).
func (x *exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dElapsed, dOffered, dCompleted, dRejected, dFailed,
		dInFlight, dLost, dAttempts, dLoadErrors, dE2E, dClientReq, dClientAns, dClientEnded,
		dVisible, dNotVisible, dDelayed, dOldest, dSent, dReceived, dDeleted, dDeferred, dDLQ,
		dRequeued, dDuplicates, dQueueWait, dInvocations, dErrors, dThrottles, dConcurrent, dConcLimit, dDuration,
		dCalls, dCallTime, dUtil, dBreakerOpen, dBreakerOpd, dOrchRunning, dInfo} {
		ch <- d
	}
	x.gw.describe(ch)
}

// Collect sends the latest read-out and the gateway's own measurements (prometheus.Collector).
func (x *exporter) Collect(ch chan<- prometheus.Metric) {
	ch <- x.info
	x.gw.collect(ch)
	l := x.live.Load()
	if l == nil {
		return // no read-out yet: the run is starting
	}
	m := emitter{ch}
	m.gauge(dElapsed, l.At.Seconds())
	m.ledger(l)
	m.clients(l.Clients)
	m.queues(l)
	m.lambda(l)
	m.downstream(l)
}

// emitter sends constant metrics.
type emitter struct{ ch chan<- prometheus.Metric }

func (m emitter) counter(d *prometheus.Desc, v int64, labels ...string) {
	m.ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func (m emitter) gauge(d *prometheus.Desc, v float64, labels ...string) {
	m.ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// durations sends a summary with its count and sum only: rate(sum) / rate(count) is the
// mean over any range.
func (m emitter) durations(d *prometheus.Desc, v metrics.Durations) {
	m.ch <- prometheus.MustNewConstSummary(d, uint64(v.Count), v.Sum.Seconds(), nil)
}

func oneIf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (m emitter) ledger(l *metrics.Live) {
	led := l.Ledger
	m.counter(dOffered, led.Offered)
	m.counter(dCompleted, led.Completed)
	for reason, n := range led.Rejected {
		m.counter(dRejected, n, reason)
	}
	for reason, n := range led.Failed {
		m.counter(dFailed, n, reason)
	}
	m.gauge(dInFlight, float64(led.InFlight))
	m.gauge(dLost, float64(led.Lost))
	m.counter(dAttempts, l.Totals.Attempts)
	m.counter(dLoadErrors, l.Totals.LoadErrors)
	m.durations(dE2E, l.E2E)
}

func (m emitter) clients(cs []metrics.LiveClient) {
	for _, c := range cs {
		m.counter(dClientReq, c.Offered, c.Name, c.Priority)
		for _, a := range []struct {
			answer string
			n      int64
		}{{"admitted", c.Admitted}, {"throttled", c.Throttled}, {"quota_exceeded", c.QuotaExceeded}, {"forbidden", c.Forbidden}} {
			m.counter(dClientAns, a.n, c.Name, c.Priority, a.answer)
		}
		m.counter(dClientEnded, c.Completed, c.Name, c.Priority, "completed")
		m.counter(dClientEnded, c.Rejected, c.Name, c.Priority, "rejected")
		m.counter(dClientEnded, c.Failed, c.Name, c.Priority, "failed")
	}
}

func (m emitter) queues(l *metrics.Live) {
	for _, q := range l.Queues {
		g := q.Gauge
		m.gauge(dVisible, float64(g.Visible), q.Name)
		m.gauge(dNotVisible, float64(g.InFlight), q.Name)
		m.gauge(dDelayed, float64(g.Delayed), q.Name)
		m.gauge(dOldest, g.OldestAge.Seconds(), q.Name)
		m.counter(dSent, q.Sent, q.Name)
		m.counter(dReceived, q.Received, q.Name)
		m.counter(dDeleted, q.Deleted, q.Name)
		m.counter(dDeferred, q.Deferred, q.Name)
		m.counter(dDLQ, q.DeadLettered, q.Name)
	}
	if len(l.Queues) > 0 {
		m.counter(dRequeued, l.Totals.Requeued)
		m.counter(dDuplicates, l.Totals.Duplicates)
		m.durations(dQueueWait, l.QueueWait)
	}
}

func (m emitter) lambda(l *metrics.Live) {
	lam := l.Lambda
	if lam == nil {
		return // no Lambda function in this design
	}
	m.counter(dInvocations, lam.Invocations)
	m.counter(dErrors, lam.Errors)
	m.counter(dThrottles, lam.Throttles)
	m.gauge(dConcurrent, float64(l.Gauges.ConcurrencyInUse))
	m.gauge(dConcLimit, float64(l.Gauges.ConcurrencyLimit))
	m.durations(dDuration, metrics.Durations{Count: lam.Invocations, Sum: lam.Duration})
}

func (m emitter) downstream(l *metrics.Live) {
	t := l.Totals
	for _, r := range []struct {
		result string
		n      int64
	}{{"ok", t.CallsOK}, {"429", t.Calls429}, {"5xx", t.Calls5xx}, {"timeout", t.CallTimeouts}, {"reset", t.CallResets}} {
		m.counter(dCalls, r.n, r.result)
	}
	m.durations(dCallTime, l.Downstream)
	m.gauge(dUtil, l.Utilization)
	m.gauge(dBreakerOpen, oneIf(l.Gauges.BreakerOpen))
	m.counter(dBreakerOpd, t.BreakerOpened)
	m.gauge(dOrchRunning, oneIf(l.Gauges.OrchestratorRunning))
}

// gatewayObs measures the gateway as CloudWatch does: every attempt of the run's load is
// counted, by its status class, and timed from its arrival to its answer written (Latency);
// a direct integration's backend call is timed on its own (IntegrationLatency). Its metrics
// are safe for concurrent use: the gateway's handlers update them.
type gatewayObs struct {
	requests, err4xx, err5xx prometheus.Counter
	latency, integration     prometheus.Histogram
}

// latencyBuckets span a loopback answer (under a millisecond) to API Gateway's 29 s
// integration timeout, in seconds.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

func newGatewayObs() *gatewayObs {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: ns + name, Help: help})
	}
	h := func(name, help string) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: ns + name, Help: help, Buckets: latencyBuckets})
	}
	return &gatewayObs{
		requests:    c("apigateway_requests_total", "API Gateway Count: the run's attempts the gateway answered."),
		err4xx:      c("apigateway_4xx_errors_total", "API Gateway 4XXError: attempts answered 4xx (429 throttled or over quota, 403)."),
		err5xx:      c("apigateway_5xx_errors_total", "API Gateway 5XXError: attempts answered 5xx (a failed or throttled backend, a failed send)."),
		latency:     h("apigateway_latency_seconds", "API Gateway Latency: from an attempt's arrival at the gateway to its answer written."),
		integration: h("apigateway_integration_latency_seconds", "API Gateway IntegrationLatency: a direct integration's backend call."),
	}
}

func (o *gatewayObs) describe(ch chan<- *prometheus.Desc) {
	for _, c := range []prometheus.Collector{o.requests, o.err4xx, o.err5xx, o.latency, o.integration} {
		c.Describe(ch)
	}
}

func (o *gatewayObs) collect(ch chan<- prometheus.Metric) {
	for _, c := range []prometheus.Collector{o.requests, o.err4xx, o.err5xx, o.latency, o.integration} {
		c.Collect(ch)
	}
}

// served counts and times one attempt answered through w, which arrived at start.
func (o *gatewayObs) served(w *statusWriter, start time.Time) {
	o.latency.Observe(time.Since(start).Seconds())
	o.requests.Inc()
	switch w.status / 100 {
	case 4:
		o.err4xx.Inc()
	case 5:
		o.err5xx.Inc()
	}
}

// answered times the backend call of a direct integration's answer; other answers have
// none (a refusal, a send to a queue, a throttled backend function).
func (o *gatewayObs) answered(a engine.Answer) {
	if o == nil || a.Throttled || a.Reply.Latency <= 0 {
		return
	}
	if a.Kind == engine.Done || a.Kind == engine.BackendFailed {
		o.integration.Observe(a.Reply.Latency.Seconds())
	}
}

// statusWriter remembers the status a handler wrote (0: none, the client had gone).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
