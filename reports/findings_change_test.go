package reports

import (
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

func TestMaxExcess(t *testing.T) {
	burst := []float64{1500, 1500, 1500, 5000, 5000, 1500}
	for _, tc := range []struct {
		v    []float64
		r    float64
		want float64
	}{
		{burst, 2000, 6000},        // the two seconds at 5,000: 2 × 3,000
		{burst, 5000, 0},           // no second above the rate
		{[]float64{3, 0, 3}, 1, 3}, // 3−1, then −1, then +2: the run 2+(−1)+2 = 3
		{nil, 1, 0},
	} {
		if got := maxExcess(tc.v, tc.r); got != tc.want {
			t.Errorf("maxExcess(%v, %v) = %v, want %v", tc.v, tc.r, got, tc.want)
		}
	}
	// At its burst of 5,000 the bucket needs 2 × (5,000 − r) ≤ 5,000: r ≥ 2,500.
	if got := minRate(burst, 5000); got != 2500 {
		t.Errorf("minRate = %v, want 2500", got)
	}
	if got := minRate(burst, 1e9); got != 0 {
		t.Errorf("minRate with a bottomless bucket = %v, want 0", got)
	}
}

func TestMinWorkers(t *testing.T) {
	burst := make([]float64, 60)
	for i := range burst {
		burst[i] = 10
		if i >= 20 && i < 30 {
			burst[i] = 100
		}
	}
	for _, tc := range []struct {
		name      string
		v         []float64
		call, age float64
		want      float64
	}{
		{"no backlog allowed", []float64{10, 10, 10}, 1, 0, 10},
		// 30 arrive at once and must be served within 2 s: 10 a second, 5 workers at 0.5 s.
		{"one burst, age 2 s", []float64{30, 0, 0, 0}, 0.5, 2, 5},
		// a backlog of 10 × (100 − μ) must clear in 10 s at μ: μ ≥ 50, 25 workers at 0.5 s.
		{"ten seconds at 100", burst, 0.5, 10, 25},
	} {
		if got := minWorkers(tc.v, tc.call, tc.age); got != tc.want {
			t.Errorf("%s: minWorkers = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// changeScenario loads a scenario written for a test of Changes.
func changeScenario(t *testing.T, body string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadBytes("t.yaml", []byte("name: t\nseed: 1\nmode: sim\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// changeRun is a run of n seconds with load offered for all of them, its series built from
// columns given as functions of the second, and its metrics and per-client metrics as given.
func changeRun(n int, m map[string]float64, perClient map[string]map[string]float64, cols map[string]func(int) float64) Input {
	if perClient == nil {
		perClient = map[string]map[string]float64{}
	}
	return Input{Summary: &metrics.Summary{OfferedSeconds: float64(n), Metrics: m, PerClient: perClient},
		Series: findingsColumns(n, cols)}
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

const changeStage = `duration: 1m
clients:
  - {name: p, path: /orders, arrival: {shape: constant, rate: 100/s}}
gateway:
  stage: {rate: 100, burst: 50}
  integration: direct
`

const changePlans = `duration: 2m
clients:
  - {name: free-tier, api_key: free-key, path: /orders, arrival: {shape: constant, rate: 30/s}}
gateway:
  api_key_required: true
  usage_plans:
    - {name: free, keys: [free-key], throttle: {rate: 10, burst: 20}, quota: {limit: 1000, period: day}}
  integration: direct
`

func changeQueue(consumer, quotas string) string {
	return `duration: 1m
clients:
  - {name: jobs, path: /jobs, arrival: {shape: constant, rate: 10/s}}
gateway: {integration: queue}
queues:
  - {name: jobs, visibility_timeout: 30s}
consumer: ` + consumer + `
downstream:
  quotas: ` + quotas + "\n"
}

func TestChanges(t *testing.T) {
	for _, tc := range []struct {
		name string
		sc   string
		in   Input
		want []string // substrings of the changes, in order
		none bool     // no change at all
	}{
		{name: "stage burst", sc: changeStage,
			in: changeRun(60, map[string]float64{"gateway_throttled_total": 900},
				map[string]map[string]float64{"p": {"gateway_throttled_total": 900}},
				map[string]func(int) float64{"client.p.offered": findingsBetween(10, 15, 300, 100)}),
			// 5 s at 300 against 100/s: 1,000 beyond the rate; at burst 50, 5 × (300 − r) ≤ 50.
			want: []string{"To admit every request offered, the stage throttle on POST /orders (100/s, burst 50) would need a burst of at least 1,000 at 100/s, or a rate of at least 290/s at its burst of 50. From the per-second counts of new requests, retries left out: lower bounds"}},
		{name: "stage burst beyond the account's", sc: changeStage,
			in: changeRun(60, map[string]float64{"gateway_throttled_total": 9000},
				map[string]map[string]float64{"p": {"gateway_throttled_total": 9000}},
				map[string]func(int) float64{"client.p.offered": findingsBetween(10, 20, 1100, 100)}),
			want: []string{"would need a burst of at least 10,000 at 100/s, or a rate of at least 1,095/s at its burst of 50.",
				"A burst above the account's 5,000 is not to be had"}},
		{name: "throttled, but the bucket held the offered traffic", sc: changeStage,
			in: changeRun(60, map[string]float64{"gateway_throttled_total": 3},
				map[string]map[string]float64{"p": {"gateway_throttled_total": 3}},
				map[string]func(int) float64{"client.p.offered": findingsBetween(10, 11, 150, 100)}),
			none: true},
		{name: "usage-plan throttle and quota", sc: changePlans,
			in: changeRun(120, map[string]float64{"gateway_throttled_total": 1000, "gateway_quota_exceeded_total": 600},
				map[string]map[string]float64{"free-tier": {"offered_total": 3600, "gateway_throttled_total": 1000, "gateway_quota_exceeded_total": 600}},
				map[string]func(int) float64{"client.free-tier.offered": constant(30),
					"client.free-tier.admitted": findingsBetween(0, 1, 30, 10)}),
			want: []string{
				`usage plan "free" for key free-key (10/s, burst 20) would need a burst of at least 2,400 at 10/s, or a rate of at least 30/s at its burst of 20.`,
				// 30 + 10 × 97 = 1,000 admitted at second 97.
				`The quota of usage plan "free" (1,000 requests a day) ran out for key free-key at 97 s (free-tier). Its clients offered 30/s, of which the plan's throttle admits 10/s: a quota of at least 864,000 a day would have lasted. An estimate`}},
		{name: "a long tier the offered rate fits in", sc: changeQueue("{pattern: concurrency, concurrency: 40}",
			"[{limit: 10, per: 1s, window: sliding}, {limit: 500, per: 1h, window: fixed}]"),
			in: changeRun(600, map[string]float64{"offered_total": 1800, "downstream_429_total": 20},
				nil, map[string]func(int) float64{"downstream_calls": constant(3), "downstream_429": constant(0)}),
			// 3 calls a second reach 500 at second 166: 3 × 167 = 501.
			want: []string{"The API's quota of 500 calls per 1h (fixed window) ran out at 2 min 46 s. Requests were offered at 3/s, so a quota of at least 10,800 calls per 1h would have lasted. An estimate"}},
		{name: "a long tier behind a short one", sc: changeQueue("{pattern: concurrency, concurrency: 40}",
			"[{limit: 10, per: 1s, window: sliding}, {limit: 5000, per: 24h, window: fixed}]"),
			in: changeRun(600, map[string]float64{"offered_total": 9000},
				nil, map[string]func(int) float64{"downstream_calls": constant(10)}),
			want: []string{"ran out at 8 min 19 s. Requests were offered at 15/s, more than the API's quota of 10 calls per 1s (sliding window) lets through: 864,000 calls per 24h, all that tier allows, would have lasted, but the backlog grows"}},
		{name: "workers faster than the quota", sc: changeQueue("{pattern: concurrency, concurrency: 10}", "[{limit: 20, per: 1s, window: sliding}]"),
			in: changeRun(60, map[string]float64{"downstream_seconds_mean": 0.05, "downstream_429_total": 900},
				nil, map[string]func(int) float64{"queue_sent": constant(20), "downstream_429": findingsBetween(5, 50, 20, 0)}),
			want: []string{"At most 1 concurrent worker keeps within the API's quota of 20 calls per 1s (sliding window): a worker makes one call at a time and a successful call took 50ms on average, so by Little's law 1 concurrent worker makes about 20 calls a second; the 10 configured could make 200. That still keeps up with the 20 messages a second"}},
		{name: "workers too few to keep up", sc: changeQueue("{pattern: concurrency, concurrency: 10}", "[]"),
			in: changeRun(120, map[string]float64{"downstream_seconds_mean": 0.1, "queue_oldest_age_seconds_max": 60},
				nil, map[string]func(int) float64{"queue_sent": constant(120)}),
			want: []string{"12 concurrent workers (the run had 10) would keep up with the 120 messages a second that arrived while load was offered (Little's law: 120 × 100ms mean call = 12.0 workers busy). From the mean of successful calls"}},
		{name: "workers too few, capped by the quota", sc: changeQueue("{pattern: concurrency, concurrency: 40}", "[{limit: 450, per: 1s, window: sliding}]"),
			in: changeRun(60, map[string]float64{"downstream_seconds_mean": 0.1, "queue_oldest_age_seconds_max": 60},
				nil, map[string]func(int) float64{"queue_sent": constant(500)}),
			want: []string{"50 concurrent workers (the run had 40) would keep up with the 500 messages a second", "but the API's quota of 450 calls per 1s (sliding window) lets only 45 work at once without 429s"}},
		{name: "workers for the age SLO", sc: changeQueue("{pattern: concurrency, concurrency: 10}", "[]") + "slo: [\"queue_oldest_age_seconds_max < 10\"]\n",
			in: changeRun(60, map[string]float64{"downstream_seconds_mean": 0.5, "queue_oldest_age_seconds_max": 30},
				nil, map[string]func(int) float64{"queue_sent": findingsBetween(20, 30, 100, 10)}),
			want: []string{"25 concurrent workers (the run had 10) would have kept every message's wait under 10s (slo queue_oldest_age_seconds_max < 10): its backlog, from the messages sent each second, drains within that time only at 50 a second, 25 workers at 500ms a call (Little's law)"}},
		{name: "age SLO held", sc: changeQueue("{pattern: concurrency, concurrency: 10}", "[]") + "slo: [\"queue_oldest_age_seconds_max < 10\"]\n",
			in: changeRun(60, map[string]float64{"downstream_seconds_mean": 0.5, "queue_oldest_age_seconds_max": 8},
				nil, map[string]func(int) float64{"queue_sent": findingsBetween(20, 30, 100, 10)}),
			none: true},
		{name: "orchestrator pace under the quota", sc: changeQueue("{pattern: orchestrator, schedule: 1m, pace: 5/s}", "[{limit: 10, per: 1s, window: sliding}]"),
			in: changeRun(60, map[string]float64{"queue_oldest_age_seconds_max": 30}, nil,
				map[string]func(int) float64{"downstream_calls": constant(5)}),
			want: []string{"A pace of 10/s would use the API's quota of 10 calls per 1s (sliding window) fully: the orchestrator invoked at most 5/s (its pace) while work waited in the queue, 50 % of what the quota allows."}},
		{name: "orchestrator pace over the quota", sc: changeQueue("{pattern: orchestrator, schedule: 1m, pace: 20/s}", "[{limit: 10, per: 1s, window: sliding}]"),
			in: changeRun(60, map[string]float64{"downstream_429_total": 600}, nil,
				map[string]func(int) float64{"downstream_calls": constant(20), "downstream_429": constant(10)}),
			want: []string{"Pace the orchestrator at 10/s, the API's quota of 10 calls per 1s (sliding window): it invoked up to 20/s (its pace)"}},
		{name: "healthy", sc: changeQueue("{pattern: concurrency, concurrency: 10}", "[{limit: 20, per: 1s, window: sliding}]"),
			in: changeRun(60, map[string]float64{"downstream_seconds_mean": 0.1, "queue_oldest_age_seconds_max": 0.2},
				nil, map[string]func(int) float64{"queue_sent": constant(10), "downstream_calls": constant(10)}),
			none: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Scenario = changeScenario(t, tc.sc)
			got := Changes(tc.in)
			all := strings.Join(got, "\n")
			if tc.none && len(got) > 0 {
				t.Errorf("unexpected changes:\n%s", all)
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(all[at:], w)
				if i < 0 {
					t.Errorf("no change %q (in order); changes:\n%s", w, all)
					continue
				}
				at += i + len(w)
			}
		})
	}
}

func TestChangesNeedScenarioAndSeries(t *testing.T) {
	in := findingsInput(100)
	in.Summary.Metrics["gateway_throttled_total"] = 50
	if got := Changes(in); got != nil {
		t.Errorf("Changes without a scenario or series = %q, want nil", got)
	}
}
