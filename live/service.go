package live

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/metrics"
)

// service is the real service a scenario's downstream.url names: the workers and direct
// integrations call it instead of the fake API, and no fake API is started. Its quotas,
// latency and errors are measured, not emulated: the summary's downstream figures are what
// the callers saw (statuses, timeouts, resets, latency), and utilization is against the
// quotas the scenario declares, if any. A service that serves throttlelab's own
// /_admin/stats (a `throttlelab fakeapi` standing in for it) is not reset — it is not the
// run's — but read at the start and at the end, and the summary takes its count of admitted
// calls over the run from the difference.
type service struct {
	url           string
	before, after *fakeapi.Stats // its own counts, when it serves them; nil: it does not
}

// useService points the API client at downstream.url, when the scenario has one.
func (r *runner) useService() {
	u := r.sc.DownstreamOrDefault().URL
	if u == "" {
		return
	}
	r.svc = &service{url: u}
	r.api.call1, r.api.base = u, origin(u)
	r.notes = append(r.notes, fmt.Sprintf("downstream.url: the workers called %s, a real service: its quotas, latency and errors were measured, not emulated "+
		"(the scenario's downstream section is the simulation's model; its quotas give the utilization)", u))
}

// origin is scheme://host[:port] of u, which CheckServiceURL accepted.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host
}

// resetAPI restarts the fake API's clock and counts, so its outage windows line up with the
// run; a real service is not the run's to reset: its counts, if it has them, are read.
func (r *runner) resetAPI() error {
	if r.svc == nil {
		return r.api.reset()
	}
	r.svc.read(r.api, true)
	return nil
}

// read takes the service's own counts, at the start or at the end, when it serves them.
func (s *service) read(a *apiClient, start bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var st *fakeapi.Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+fakeapi.AdminPrefix+"stats", nil)
	if err == nil {
		if resp, err := a.c.Do(req); err == nil {
			var got fakeapi.Stats
			if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&got) == nil && got.Calls != nil {
				st = &got
			}
			resp.Body.Close()
		}
	}
	if start {
		s.before = st
	} else {
		s.after = st
	}
}

// annotate puts the service's own counts over the run in the summary, and says where the
// downstream figures come from.
func (r *runner) annotate(sum *metrics.Summary) {
	sum.Target = r.opts.Target
	sum.Notes = append(sum.Notes, r.notes...)
	s := r.svc
	switch {
	case s == nil:
		return
	case r.opts.Shard.Sharded():
		sum.Notes = append(sum.Notes, "downstream.url: the shards share the service, whose own counts include every shard's calls: "+
			"the downstream figures are this shard's callers' view")
		return
	case s.before == nil || s.after == nil:
		sum.Notes = append(sum.Notes, "downstream.url: the service does not serve throttlelab's /_admin/stats: "+
			"the downstream figures are the callers' view (statuses, timeouts, resets, latency)")
		return
	}
	admitted := float64(s.after.Admitted - s.before.Admitted)
	sum.Metrics["downstream_admitted_total"] = admitted
	if b := r.quotaBound(sum.EndedSeconds); !math.IsInf(b, 1) {
		sum.Metrics["downstream_overgrant"] = max(0, admitted/b-1)
	}
	if callsTotal(s.before) == 0 {
		sum.Metrics["downstream_window_overgrant"] = worstWindow(s.after)
	} else {
		sum.Notes = append(sum.Notes, "downstream.url: the service had served calls before the run, so its worst window is not the run's: downstream_window_overgrant is left out")
	}
	if calls, ours := callsTotal(s.after)-callsTotal(s.before), int64(sum.Metrics["downstream_calls_total"]); calls != ours {
		sum.Notes = append(sum.Notes, fmt.Sprintf("downstream.url: the service counted %d calls during the run and this run made %d: "+
			"another caller shares it (its admitted count includes theirs), or calls were under way at either end", calls, ours))
	}
}

// quotaBound is the most calls the scenario's declared quotas allow in a run of end seconds
// (+Inf without quotas).
func (r *runner) quotaBound(end float64) float64 {
	bound := math.Inf(1)
	if d := r.sc.Downstream; d != nil {
		for _, q := range d.Quotas {
			t := metrics.Tier{Limit: q.Limit, Per: q.Per.D(), Window: q.Window}
			bound = min(bound, t.Bound(time.Duration(end*float64(time.Second))))
		}
	}
	return bound
}

func callsTotal(st *fakeapi.Stats) int64 {
	var n int64
	for _, c := range st.Calls {
		n += c
	}
	return n
}

// worstWindow is the service's worst sliding window over a quota tier, as stats does.
func worstWindow(st *fakeapi.Stats) float64 {
	worst := 0.0
	for _, t := range st.Tiers {
		worst = max(worst, t.Overgrant)
	}
	if k := st.Keys; k != nil {
		worst = max(worst, k.EvictedOvergrant)
	}
	return worst
}
