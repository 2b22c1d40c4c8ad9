package live

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads url once: the raw text and its families by name.
func scrape(t *testing.T, url string) ([]byte, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s, %v", resp.Status, err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	return body, mfs
}

// value is the family's sample whose labels include want (name=value pairs); -1 when
// there is none.
func value(mfs map[string]*dto.MetricFamily, name string, want ...string) float64 {
	mf := mfs[name]
	if mf == nil {
		return -1
	}
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(want); i += 2 {
			match = match && labels[want[i]] == want[i+1]
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		case m.Summary != nil:
			return float64(m.Summary.GetSampleCount())
		}
	}
	return -1
}

// TestMetricsEndpoint: 50 requests a second for 4 s through a throttling gateway, a queue
// and two Lambda workers to the in-process fake API; a scrape of the metrics endpoint in the
// middle of the run has every family of docs/metrics.md with the run's counts so far, and
// promlint finds nothing to say about it.
func TestMetricsEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	sc := load(t, `
name: metrics-test
duration: 4s
drain: 3s
mode: live
clients: [{name: shop, arrival: {shape: constant, rate: 50/s}}]
gateway: {stage: {rate: 40, burst: 5}, integration: queue}
queues: [{name: orders, visibility_timeout: 10s}]
consumer: {pattern: concurrency, concurrency: 2, batch_size: 1}
downstream: {latency: {dist: fixed, value: 20ms}}
`)
	urls := make(chan string, 1)
	type result struct {
		res *Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := Run(context.Background(), sc, Options{MetricsAddr: "127.0.0.1:0",
			MetricsServing: func(url string) { urls <- url }})
		done <- result{res, err}
	}()
	var url string
	select {
	case url = <-urls:
	case r := <-done:
		t.Fatalf("the run ended before serving metrics: %v", r.err)
	}
	body, mfs := scrapeMidRun(t, url)
	checkFamilies(t, mfs)
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("promlint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	t.Logf("promlint: %d problems in %d families", len(problems), len(mfs))
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "throttlelab_apigateway_requests_total") || strings.HasPrefix(line, "throttlelab_requests_offered_total") ||
			strings.HasPrefix(line, "throttlelab_sqs_messages_sent_total") || strings.HasPrefix(line, "throttlelab_lambda_invocations_total") {
			t.Logf("scrape: %s", line)
		}
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("live run: %v", r.err)
	}
	if got, mid := r.res.Summary.Metrics["offered_total"], value(mfs, "throttlelab_requests_offered_total"); got <= mid {
		t.Errorf("offered %v at the end, %v mid-run: the scrape was not mid-run", got, mid)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("the metrics endpoint still answers after the run")
	}
}

// scrapeMidRun scrapes url until the run has gone two seconds.
func scrapeMidRun(t *testing.T, url string) ([]byte, map[string]*dto.MetricFamily) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		body, mfs := scrape(t, url)
		if value(mfs, "throttlelab_run_elapsed_seconds") >= 2 {
			return body, mfs
		}
		if time.Now().After(deadline) {
			t.Fatal("the run's clock did not reach 2 s in a minute")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkFamilies checks the mid-run scrape: every family is there, with sane values.
func checkFamilies(t *testing.T, mfs map[string]*dto.MetricFamily) {
	t.Helper()
	positive := [][]string{
		{"throttlelab_apigateway_requests_total"},
		{"throttlelab_apigateway_4xx_errors_total"},
		{"throttlelab_apigateway_latency_seconds"},
		{"throttlelab_requests_offered_total"},
		{"throttlelab_request_attempts_total"},
		{"throttlelab_requests_completed_total"},
		{"throttlelab_requests_rejected_total", "reason", "throttled"},
		{"throttlelab_client_requests_offered_total", "client", "shop", "priority", "normal"},
		{"throttlelab_client_gateway_answers_total", "client", "shop", "answer", "throttled"},
		{"throttlelab_sqs_messages_sent_total", "queue", "orders"},
		{"throttlelab_sqs_messages_received_total", "queue", "orders"},
		{"throttlelab_sqs_messages_deleted_total", "queue", "orders"},
		{"throttlelab_lambda_invocations_total"},
		{"throttlelab_lambda_duration_seconds"},
		{"throttlelab_downstream_calls_total", "result", "ok"},
		{"throttlelab_downstream_call_duration_seconds"},
		{"throttlelab_request_duration_seconds"},
		{"throttlelab_run_elapsed_seconds"},
	}
	for _, p := range positive {
		if v := value(mfs, p[0], p[1:]...); v <= 0 {
			t.Errorf("%s%v = %v mid-run, want > 0", p[0], p[1:], v)
		}
	}
	present := []string{"throttlelab_apigateway_5xx_errors_total", "throttlelab_apigateway_integration_latency_seconds",
		"throttlelab_sqs_messages_visible", "throttlelab_sqs_messages_not_visible", "throttlelab_sqs_messages_delayed",
		"throttlelab_sqs_oldest_message_age_seconds", "throttlelab_sqs_messages_deferred_total",
		"throttlelab_sqs_messages_dead_lettered_total", "throttlelab_queue_wait_seconds",
		"throttlelab_lambda_errors_total", "throttlelab_lambda_throttles_total", "throttlelab_lambda_concurrent_executions",
		"throttlelab_downstream_quota_utilization_ratio", "throttlelab_breaker_open", "throttlelab_breaker_opened_total",
		"throttlelab_orchestrator_running", "throttlelab_requests_failed_total", "throttlelab_requests_in_flight",
		"throttlelab_load_errors_total", "throttlelab_client_requests_ended_total"}
	for _, name := range present {
		if mfs[name] == nil {
			t.Errorf("no %s in the scrape", name)
		}
	}
	exact := map[string]float64{"throttlelab_requests_lost": 0, "throttlelab_lambda_concurrency_limit": 2,
		"throttlelab_lambda_throttles_total": 0, "throttlelab_breaker_open": 0, "throttlelab_apigateway_5xx_errors_total": 0}
	for name, want := range exact {
		if v := value(mfs, name); v != want {
			t.Errorf("%s = %v mid-run, want %v", name, v, want)
		}
	}
	// The gateway's own count and the ledger's attempts are taken a moment apart: close.
	gw, att := value(mfs, "throttlelab_apigateway_requests_total"), value(mfs, "throttlelab_request_attempts_total")
	if gw < att-50 || gw > att+50 {
		t.Errorf("the gateway counted %v attempts, the ledger %v", gw, att)
	}
}

// A metrics address that is not loopback is refused before anything starts or any name is
// looked up; with the explicit allowance the check passes it on.
func TestMetricsAddrRefusesRemote(t *testing.T) {
	for _, c := range []struct {
		addr  string
		allow bool
		err   error // nil: accepted
	}{
		{"127.0.0.1:9464", false, nil},
		{"[::1]:0", false, nil},
		{"localhost:9464", false, nil},
		{"metrics.invalid:9464", false, ErrRemoteMetrics},
		{"0.0.0.0:9464", false, ErrRemoteMetrics},
		{":9464", false, ErrRemoteMetrics},
		{"192.0.2.7:9464", false, ErrRemoteMetrics},
		{"metrics.invalid:9464", true, nil},
	} {
		err := CheckMetricsAddr(c.addr, c.allow)
		if (c.err == nil) != (err == nil) || (c.err != nil && !errors.Is(err, c.err)) {
			t.Errorf("%q allow %v: %v, want %v", c.addr, c.allow, err, c.err)
		}
	}
	for _, bad := range []string{"127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000"} {
		if err := CheckMetricsAddr(bad, true); err == nil || errors.Is(err, ErrRemoteMetrics) {
			t.Errorf("%q: %v, want a malformed-address error", bad, err)
		}
	}
	// A run with a remote metrics address fails at once, naming why, before its servers
	// start: no listener, no lookup of the .invalid name.
	sc := load(t, `
name: test
duration: 1s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 1/s}}]
gateway: {integration: direct}
`)
	start := time.Now()
	res, err := Run(context.Background(), sc, Options{MetricsAddr: "metrics.invalid:9464"})
	if res != nil || !errors.Is(err, ErrRemoteMetrics) || !strings.Contains(err.Error(), "--allow-remote-metrics") {
		t.Errorf("run: %v, %v", res, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}
}
