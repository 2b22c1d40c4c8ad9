package live

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDownstreamURL: a fake API as downstream.url behind a gateway, a queue and 5 workers:
// no fake API of the run's own is started, the workers call the service, and the summary's
// downstream 429s and completions are what the service itself counted.
func TestDownstreamURL(t *testing.T) {
	model := load(t, `
name: svc
downstream:
  quotas: [{limit: 50, per: 1s, window: sliding}]
  latency: {dist: fixed, value: 5ms}
clients: [{name: c, arrival: {shape: constant, rate: 1/s}}]
duration: 1s
`)
	url := startService(t, model)
	sc := load(t, `
name: svc
duration: 4s
drain: 20s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 80/s}}]
gateway: {stage: {rate: 1000, burst: 1000}}
queues: [{name: q, visibility_timeout: 1s}]
consumer: {pattern: concurrency, concurrency: 5}
downstream:
  url: `+url+`/v1/charge
  quotas: [{limit: 50, per: 1s, window: sliding}]
`)
	res := liveRun(t, sc, Options{})
	m, l := res.Summary.Metrics, res.Summary.Ledger
	st := serviceStats(t, url)
	t.Logf("completed %d, downstream calls %v ok %v 429 %v, utilization %.3f; the service: %v admitted %d",
		l.Completed, m["downstream_calls_total"], m["downstream_ok_total"], m["downstream_429_total"], m["downstream_utilization"], st.Calls, st.Admitted)
	if l.Completed != l.Offered || l.Offered != 320 {
		t.Errorf("offered %d, completed %d: want all 320 through the queue", l.Offered, l.Completed)
	}
	if m["downstream_429_total"] == 0 {
		t.Error("5 workers at 5 ms a call against 50/s were never throttled: the test proves nothing")
	}
	if m["downstream_429_total"] != float64(st.Calls["throttled"]) || float64(l.Completed) != float64(st.Calls["ok"]) {
		t.Errorf("summary: 429 %v, completed %d; the service's own count: %v", m["downstream_429_total"], l.Completed, st.Calls)
	}
	if m["downstream_admitted_total"] != float64(st.Admitted) {
		t.Errorf("downstream_admitted_total %v, the service admitted %d", m["downstream_admitted_total"], st.Admitted)
	}
	if u := m["downstream_utilization"]; u <= 0 || u > 1.01 {
		t.Errorf("utilization %v against the declared 50/s", u)
	}
	if !hasNote(res.Summary.Notes, "downstream.url: the workers called "+url+"/v1/charge") {
		t.Errorf("notes %q", res.Summary.Notes)
	}
}

// TestDownstreamURLNoStats: a service without throttlelab's /_admin/stats is called all the
// same; the summary says its figures are the callers' view.
func TestDownstreamURLNoStats(t *testing.T) {
	var calls atomic.Int64
	url, stop, err := serve(httpHandler(func(path string) int {
		if path == "/charge" {
			calls.Add(1)
			return 200
		}
		return 404
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	sc := load(t, `
name: svc
duration: 1s
drain: 5s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 20/s}}]
downstream: {url: "`+url+`/charge"}
`)
	res := liveRun(t, sc, Options{})
	if l := res.Summary.Ledger; l.Completed != 20 || calls.Load() != 20 {
		t.Errorf("completed %d, the service saw %d calls: want 20", l.Completed, calls.Load())
	}
	if !hasNote(res.Summary.Notes, "does not serve throttlelab's /_admin/stats") {
		t.Errorf("notes %q", res.Summary.Notes)
	}
	if _, ok := res.Summary.Metrics["downstream_stats_unavailable"]; ok {
		t.Error("a real service without the fake API's stats is not a failure to read them")
	}
}

func hasNote(notes []string, part string) bool {
	for _, n := range notes {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// httpHandler answers each request with the status status(path) gives.
type httpHandler func(path string) int

func (h httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { w.WriteHeader(h(r.URL.Path)) }
