package live

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// scenariosDownstreamZero is the fake API of a scenario without a downstream section: no
// quotas, no latency.
var scenariosDownstreamZero = scenarios.Downstream{}

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

// apiStats replaces the callers' guess of admitted calls with the fake API's own count, and
// adds the worst sliding-window over-grant it observed.
func (r *runner) apiStats() {
	st, err := r.api.fetchStats()
	if err != nil {
		r.rec.do(func(m *metrics.Recorder) { m.Set("downstream_stats_unavailable", 1) })
		return
	}
	worst := 0.0
	for _, t := range st.Tiers {
		worst = max(worst, t.Overgrant)
	}
	bound := math.Inf(1)
	if d := r.sc.Downstream; d != nil {
		for _, q := range d.Quotas {
			bound = min(bound, metrics.Tier{Limit: q.Limit, Per: q.Per.D(), Window: q.Window}.Bound(r.now()))
		}
	}
	r.rec.do(func(m *metrics.Recorder) {
		m.Set("downstream_admitted_total", float64(st.Admitted))
		m.Set("downstream_window_overgrant", worst)
		if !math.IsInf(bound, 1) {
			m.Set("downstream_overgrant", max(0, float64(st.Admitted)/bound-1))
		}
	})
}
