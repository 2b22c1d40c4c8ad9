package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Summary is summary.json: the flat metrics of SCENARIOS.md and the ledger. It holds nothing
// that depends on the wall clock, so the same seed gives the same file byte for byte.
type Summary struct {
	Scenario       string                        `json:"scenario"`
	Mode           string                        `json:"mode"`
	Seed           int64                         `json:"seed"`
	OfferedSeconds float64                       `json:"offered_seconds"`
	EndedSeconds   float64                       `json:"ended_seconds"`
	Metrics        map[string]float64            `json:"metrics"`
	PerPriority    map[string]map[string]float64 `json:"per_priority"`
	PerClient      map[string]map[string]float64 `json:"per_client"`
	Thresholds     []ThresholdResult             `json:"thresholds"`
	Ledger         Ledger                        `json:"ledger"`
	// Target is the URL a target run's clients sent their attempts to (run --target): its
	// gateway_* metrics are then the target's answers by status, and nothing downstream of it
	// was emulated. Empty otherwise.
	Target string `json:"target,omitempty"`
	// Notes are plain-words remarks of the driver (for example that a live run was simulated).
	Notes []string `json:"notes,omitempty"`
	// Sim holds the simulated summary of a run in mode both, next to the measured one.
	Sim *Summary `json:"sim,omitempty"`
	// Latency is the end-to-end latency distribution at LatencyGrid's quantiles; nil when no
	// request completed (and in summaries written before it was added).
	Latency *LatencyQuantiles `json:"latency_quantiles,omitempty"`
}

// LatencyQuantiles is the end-to-end latency of completed requests at the quantiles of
// Quantiles (LatencyGrid), read from the run's HDR histograms (3 significant digits): enough
// to draw the distribution, where Metrics keeps only p50, p90, p99 and max. Values are in
// seconds, one per quantile: the first (quantile 0) the minimum, the last (quantile 1) the
// maximum, equal to e2e_seconds_max; quantile 0.5 is e2e_seconds_p50. A client or priority
// with no completed request is left out.
type LatencyQuantiles struct {
	Quantiles   []float64            `json:"quantiles"`
	E2E         []float64            `json:"e2e_seconds"`
	PerPriority map[string][]float64 `json:"per_priority,omitempty"`
	PerClient   map[string][]float64 `json:"per_client,omitempty"`
}

// LatencyGrid is the quantiles LatencyQuantiles holds, 128 of them: 0 (the minimum), every
// 0.01 up to 0.99, nine steps in each further nine up to 0.99999, and 1 (the maximum). Above
// the 90th percentile they are about evenly spaced on a "nines" axis (−log10(1 − q)); a
// quantile finer than one request of a group repeats the maximum.
var LatencyGrid = latencyGrid()

func latencyGrid() []float64 {
	q := []float64{0}
	for k := 1; k <= 99; k++ {
		q = append(q, float64(k)/100)
	}
	for d := 3.0; d <= 5; d++ { // 0.991 … 0.999, 0.9991 … 0.9999, 0.99991 … 0.99999
		scale := math.Pow(10, d)
		for k := 1; k <= 9; k++ {
			q = append(q, (scale-10+float64(k))/scale)
		}
	}
	return append(q, 1)
}

// latencyQuantiles reads the run's, each priority's and each client's end-to-end histogram at
// LatencyGrid; nil when no request completed.
func (r *Recorder) latencyQuantiles() *LatencyQuantiles {
	if r.e2e.TotalCount() == 0 {
		return nil
	}
	l := &LatencyQuantiles{Quantiles: LatencyGrid, E2E: gridSeconds(r.e2e),
		PerPriority: map[string][]float64{}, PerClient: map[string][]float64{}}
	for i, p := range Priorities {
		if r.perPri[i].e2e.TotalCount() > 0 {
			l.PerPriority[p] = gridSeconds(r.perPri[i].e2e)
		}
	}
	for i, c := range r.cfg.Clients {
		if r.perCli[i].e2e.TotalCount() > 0 {
			l.PerClient[c.Name] = gridSeconds(r.perCli[i].e2e)
		}
	}
	return l
}

// gridSeconds returns h's values at LatencyGrid, in seconds.
func gridSeconds(h *hdr.Histogram) []float64 {
	pct := make([]float64, len(LatencyGrid))
	for i, q := range LatencyGrid {
		pct[i] = math.Round(q*1e7) / 1e5 // 0.9 → 90 exactly, as the metrics' quantile(h, 90)
	}
	vs := h.ValueAtPercentilesSlice(pct)
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = float64(v) / 1e6
	}
	return out
}

// ThresholdResult is one evaluated `slo:` entry.
type ThresholdResult struct {
	Expr  string  `json:"expr"`
	Value float64 `json:"value"`
	OK    bool    `json:"ok"`
	Error string  `json:"error,omitempty"`
}

// Ledger says where every offered request ended.
type Ledger struct {
	Offered   int64            `json:"offered"`
	Completed int64            `json:"completed"`
	Rejected  map[string]int64 `json:"rejected"`
	Failed    map[string]int64 `json:"failed"`
	InFlight  map[string]int64 `json:"in_flight_at_end"`
	// UnknownAtEnd are the requests whose fate a backend that failed hid (the messages a
	// dead SQS held), by backend.
	UnknownAtEnd map[string]int64 `json:"unknown_at_end,omitempty"`
	Lost         int64            `json:"lost"`
	Verdict      string           `json:"verdict"`
}

// Census is where the driver found requests still in flight when the run ended. Each count is
// taken from the pipeline's own state (queue contents, pending retries, calls under way), not
// from the recorder, so that the ledger checks the harness. A key with UnknownPrefix counts
// requests whose fate is unknown because their backend failed ("unknown:sqs").
type Census map[string]int64

// UnknownPrefix marks a census entry of requests whose fate a failed backend hid.
const UnknownPrefix = "unknown:"

// split returns the requests in flight and those whose fate is unknown.
func (c Census) split() (inFlight, unknown int64) {
	for k, n := range c {
		if strings.HasPrefix(k, UnknownPrefix) {
			unknown += n
		} else {
			inFlight += n
		}
	}
	return inFlight, unknown
}

// Finish closes the run at end and returns its summary and series.
func (r *Recorder) Finish(end time.Duration, census Census) (*Summary, *Series) {
	r.Advance(end + time.Second - 1)
	r.mergeHistograms()
	t := &r.tot
	inFlight, unknown := census.split()
	lost := t.offered - t.completed - t.rejected - t.failed - inFlight - unknown
	m := map[string]float64{
		"offered_total": f(t.offered), "attempts_total": f(t.attempts),
		"gateway_admitted_total": f(t.admitted), "gateway_throttled_total": f(t.throttled),
		"gateway_quota_exceeded_total": f(t.quota), "gateway_forbidden_total": f(t.forbidden),
		"gateway_backend_errors_total": f(t.backendErr), "load_errors_total": f(t.loadErrors),
		"queue_sent_total": f(t.sent), "queue_received_total": f(t.received),
		"queue_deleted_total": f(t.deleted), "queue_deferred_total": f(t.deferred),
		"queue_depth_max": f(t.depthMax), "queue_oldest_age_seconds_max": t.oldestMax.Seconds(),
		"queue_requeued_total": f(t.requeued), "queue_duplicates_total": f(t.duplicates),
		"fifo_order_broken_total": f(t.orderBroken),
		"dlq_total":               f(t.dlq),
		"downstream_calls_total":  f(t.calls), "downstream_ok_total": f(t.ok),
		"downstream_429_total": f(t.c429), "downstream_5xx_total": f(t.c5xx),
		"downstream_timeouts_total": f(t.timeouts), "downstream_resets_total": f(t.resets),
		"downstream_admitted_total": f(t.admittedByAPI),
		"downstream_utilization":    r.utilization(),
		"downstream_overgrant":      r.overgrant(end),
		"breaker_opened_total":      f(t.breakerOpened),
		"completed_total":           f(t.completed), "rejected_total": f(t.rejected),
		"failed_total": f(t.failed), "in_flight_at_end": f(inFlight), "lost_total": f(lost),
		"unknown_at_end_total":    f(unknown),
		"e2e_seconds_mean":        meanSeconds(t.e2eSum, t.completed),
		"queue_wait_seconds_mean": meanSeconds(t.waitSum, t.deleted),
		"queue_wait_seconds_p99":  quantile(r.wait, 99),
		"queue_wait_seconds_max":  t.waitMax.Seconds(),
		"downstream_seconds_p50":  quantile(r.ds, 50), "downstream_seconds_p99": quantile(r.ds, 99),
		"downstream_seconds_mean": meanSeconds(t.dsSum, t.ok),
	}
	addPercentiles(m, r.e2e)
	for k, v := range r.extra {
		m[k] = v
	}
	s := &Summary{
		OfferedSeconds: r.cfg.Offered.Seconds(), EndedSeconds: end.Seconds(), Metrics: m,
		PerPriority: map[string]map[string]float64{}, PerClient: map[string]map[string]float64{},
		Thresholds: []ThresholdResult{},
		Ledger:     r.ledger(census, lost),
		Latency:    r.latencyQuantiles(),
	}
	for i, c := range r.cfg.Clients {
		s.PerClient[c.Name] = r.perCli[i].metrics()
	}
	for i, p := range Priorities {
		if r.perPri[i].offered > 0 {
			s.PerPriority[p] = r.perPri[i].metrics()
		}
	}
	return s, r.export()
}

// mergeHistograms builds the run's and each priority's latency histograms from the clients'.
func (r *Recorder) mergeHistograms() {
	r.e2e, r.wait = newHist(), newHist()
	for i := range r.perPri {
		r.perPri[i].e2e, r.perPri[i].wait = newHist(), newHist()
	}
	for c := range r.perCli {
		g, p := &r.perCli[c], &r.perPri[r.cliPri[c]]
		r.e2e.Merge(g.e2e)
		r.wait.Merge(g.wait)
		p.e2e.Merge(g.e2e)
		p.wait.Merge(g.wait)
	}
}

func (r *Recorder) ledger(census Census, lost int64) Ledger {
	l := Ledger{Offered: r.tot.offered, Completed: r.tot.completed, Lost: lost,
		Rejected: map[string]int64{}, Failed: map[string]int64{}, InFlight: map[string]int64{}}
	for i, n := range r.tot.reasons {
		if n == 0 {
			continue
		}
		if Reason(i).rejected() {
			l.Rejected[Reason(i).String()] = n
		} else {
			l.Failed[Reason(i).String()] = n
		}
	}
	for k, n := range census {
		switch name, unknown := strings.CutPrefix(k, UnknownPrefix); {
		case n == 0:
		case unknown:
			if l.UnknownAtEnd == nil {
				l.UnknownAtEnd = map[string]int64{}
			}
			l.UnknownAtEnd[name] = n
		default:
			l.InFlight[k] = n
		}
	}
	switch {
	case lost == 0 && len(l.UnknownAtEnd) > 0:
		l.Verdict = "every request is accounted for; the fate of some was hidden by a backend that failed (unknown_at_end)"
	case lost == 0:
		l.Verdict = "every request is accounted for"
	case lost > 0:
		l.Verdict = fmt.Sprintf("%s offered but neither ended nor found in flight: a bug in the harness or the emulated design", requests(lost))
	default:
		l.Verdict = fmt.Sprintf("%s ended or found in flight beyond what was offered: a request was counted twice (a harness bug)", requests(-lost))
	}
	return l
}

func requests(n int64) string {
	if n == 1 {
		return "1 request was"
	}
	return fmt.Sprintf("%d requests were", n)
}

func (g *group) metrics() map[string]float64 {
	m := map[string]float64{
		"offered_total": f(g.offered), "attempts_total": f(g.attempts),
		"gateway_admitted_total": f(g.admitted), "gateway_throttled_total": f(g.throttled),
		"gateway_quota_exceeded_total": f(g.quota), "gateway_forbidden_total": f(g.forbidden),
		"completed_total": f(g.completed), "rejected_total": f(g.rejected), "failed_total": f(g.failed),
		"e2e_seconds_mean":        meanSeconds(g.e2eSum, g.completed),
		"queue_wait_seconds_mean": meanSeconds(g.waitSum, g.waits),
		"queue_wait_seconds_p99":  quantile(g.wait, 99),
	}
	addPercentiles(m, g.e2e)
	return m
}

func addPercentiles(m map[string]float64, h *hdr.Histogram) {
	m["e2e_seconds_p50"] = quantile(h, 50)
	m["e2e_seconds_p90"] = quantile(h, 90)
	m["e2e_seconds_p99"] = quantile(h, 99)
	m["e2e_seconds_max"] = 0
	if h.TotalCount() > 0 {
		m["e2e_seconds_max"] = float64(h.Max()) / 1e6
	}
}

func quantile(h *hdr.Histogram, q float64) float64 {
	if h.TotalCount() == 0 {
		return 0
	}
	return float64(h.ValueAtQuantile(q)) / 1e6
}

func meanSeconds(sum time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return sum.Seconds() / float64(n)
}

func f(n int64) float64 { return float64(n) }

// WriteJSON writes s to path, indented, with a final newline.
func (s *Summary) WriteJSON(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ReadSummary reads a summary.json.
func ReadSummary(path string) (*Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read summary %s: %w", path, err)
	}
	return &s, nil
}

// Lookup returns a flat metric by name: "NAME", "per_priority.P.NAME" or "per_client.C.NAME".
func (s *Summary) Lookup(name string) (float64, bool) {
	if v, ok := s.Metrics[name]; ok {
		return v, ok
	}
	for prefix, groups := range map[string]map[string]map[string]float64{"per_priority.": s.PerPriority, "per_client.": s.PerClient} {
		rest, ok := cutPrefix(name, prefix)
		if !ok {
			continue
		}
		for g, m := range groups {
			if metric, ok := cutPrefix(rest, g+"."); ok {
				v, ok := m[metric]
				return v, ok
			}
		}
	}
	return math.NaN(), false
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}
