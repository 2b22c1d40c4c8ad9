package live

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/metrics"
)

// fetchStats reads the fake API's own accounting from its admin endpoint.
func (a *apiClient) fetchStats() (fakeapi.Stats, error) {
	var st fakeapi.Stats
	resp, err := a.c.Get(a.base + "/_admin/stats")
	if err != nil {
		return st, fmt.Errorf("fake api stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("fake api stats: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("fake api stats: %w", err)
	}
	return st, nil
}

// stats puts the live run's own measurements in the summary: the fake API's count of the
// calls its quotas admitted (replacing the callers' guess) and its worst sliding-window
// over-grant, what the gateway refused as not the run's own load, and the real backends'
// request counts.
func (r *runner) stats() {
	r.e.Set("gateway_foreign_total", float64(r.gw.foreign.Load()))
	if n := r.gw.acceptErrors.Load(); n > 0 {
		r.e.Set("gateway_accept_errors_total", float64(n))
	}
	if n := r.gw.stray.Load(); n > 0 {
		r.e.Set("gateway_stray_total", float64(n))
	}
	r.backendStats()
	if r.svc != nil {
		r.svc.read(r.api, false) // downstream.url: compared with its counts at the start (annotate)
		return
	}
	st, err := r.api.fetchStats()
	if err != nil {
		r.e.Set("downstream_stats_unavailable", 1)
		return
	}
	worst := 0.0
	for _, t := range st.Tiers {
		worst = max(worst, t.Overgrant)
	}
	if k := st.Keys; k != nil {
		// A key evicted from the fake API's bounded per-key state starts afresh.
		worst = max(worst, k.EvictedOvergrant)
		if k.EvictedTotal > 0 {
			r.e.Set("downstream_keys_evicted_total", float64(k.EvictedTotal))
		}
	}
	bound := math.Inf(1)
	if d := r.sc.Downstream; d != nil {
		for _, q := range d.Quotas {
			bound = min(bound, metrics.Tier{Limit: q.Limit, Per: q.Per.D(), Window: q.Window}.Bound(r.e.Now()))
		}
	}
	r.e.Set("downstream_admitted_total", float64(st.Admitted))
	r.e.Set("downstream_window_overgrant", worst)
	if !math.IsInf(bound, 1) {
		r.e.Set("downstream_overgrant", max(0, float64(st.Admitted)/bound-1))
	}
}

// backendStats counts the requests made to the real backends.
func (r *runner) backendStats() {
	if r.aws != nil {
		r.e.Set("aws_sqs_requests_measured_total", float64(r.aws.requests()))
	}
	if m := r.state; m != nil && m.store != nil {
		c := m.store.Calls()
		r.e.Set("aws_dynamodb_reads_total", float64(c.Reads))
		r.e.Set("aws_dynamodb_writes_total", float64(c.Writes))
		r.e.Set("state_quota_refused_total", float64(m.refused.Load()))
		r.e.Set("state_writes_dropped_total", float64(m.dropped.Load()))
	}
}
