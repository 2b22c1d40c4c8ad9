package cost

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// fixed is a summary of 1,000,000 requests offered over 100 s through gateway → SQS →
// Lambda (512 MB) with task tokens and orchestrator state.
func fixed() *metrics.Summary {
	return &metrics.Summary{OfferedSeconds: 100, Metrics: map[string]float64{
		"offered_total":                     1_000_000,
		"attempts_total":                    1_200_000, // 400,000 refused by the gateway: not billed
		"gateway_admitted_total":            800_000,
		"aws_sqs_send_requests_total":       800_000,
		"aws_sqs_receive_requests_total":    850_000,
		"aws_sqs_delete_requests_total":     800_000,
		"aws_lambda_invocations_total":      800_000,
		"aws_lambda_duration_seconds_total": 40_000,
		"sfn_state_transitions_total":       2_000_000,
		"aws_dynamodb_reads_total":          10_000,
		"aws_dynamodb_writes_total":         4_000,
	}}
}

func queued(fifo bool) *scenarios.Scenario {
	return &scenarios.Scenario{Duration: scenarios.Duration(100e9),
		Queues:   []scenarios.Queue{{Name: "q", FIFO: fifo}},
		Consumer: &scenarios.Consumer{Pattern: "concurrency", MemoryMB: 512}}
}

// withGateway gives sc a gateway section of the given type.
func withGateway(sc *scenarios.Scenario, typ string) *scenarios.Scenario {
	sc.Gateway = &scenarios.Gateway{Type: typ}
	return sc
}

func TestEstimateTable(t *testing.T) {
	direct := &scenarios.Scenario{Consumer: &scenarios.Consumer{Pattern: "concurrency"}}
	directSum := &metrics.Summary{OfferedSeconds: 10, Metrics: map[string]float64{
		"offered_total": 1000, "gateway_admitted_total": 1000,
		"downstream_calls_total": 1000, "downstream_seconds_mean": 0.1}}
	tests := []struct {
		name  string
		sc    *scenarios.Scenario
		sum   *metrics.Summary
		items map[string]float64
		total float64
	}{
		{
			// 0.8 M × $3.50 + 2.45 M × $0.40 + 0.8 M × $0.20 + 40,000 s × 0.5 GB × $0.0000166667
			// + 2,000 k × $0.025 + 0.01 M × $0.125 + 0.004 M × $0.625
			name: "standard queue", sc: queued(false), sum: fixed(),
			items: map[string]float64{"api_gateway": 2.80, "sqs": 0.98, "lambda_requests": 0.16,
				"lambda_compute": 0.333334, "step_functions": 50, "dynamodb_reads": 0.00125,
				"dynamodb_writes": 0.0025},
			total: 54.277084,
		},
		{
			name: "fifo queue", sc: queued(true), sum: fixed(),
			items: map[string]float64{"sqs": 1.225},
			total: 54.277084 - 0.98 + 1.225,
		},
		{
			// 1,000 invocations of 100 ms at 128 MB: 12.5 GB-s.
			name: "direct lambda backend", sc: direct, sum: directSum,
			items: map[string]float64{"api_gateway": 0.0035, "lambda_requests": 0.0002,
				"lambda_compute": 12.5 * 0.0000166667, "sqs": 0},
			total: 0.0035 + 0.0002 + 12.5*0.0000166667,
		},
		{
			// 0.8 M HTTP API calls at $1.00 a million instead of $3.50.
			name: "http api", sc: withGateway(queued(false), "http"), sum: fixed(),
			items: map[string]float64{"api_gateway": 0.80}, total: 54.277084 - 2.80 + 0.80,
		},
		{
			// Producers send to SQS directly: no API Gateway to bill, whatever the summary counted.
			name: "no api gateway", sc: withGateway(queued(false), "none"), sum: fixed(),
			items: map[string]float64{"api_gateway": 0, "sqs": 0.98}, total: 54.277084 - 2.80,
		},
		{
			name: "rest api", sc: withGateway(queued(false), "rest"), sum: fixed(),
			items: map[string]float64{"api_gateway": 2.80}, total: 54.277084,
		},
		{
			name: "no metrics", sc: queued(false), sum: &metrics.Summary{Metrics: map[string]float64{}},
			items: map[string]float64{"api_gateway": 0, "sqs": 0}, total: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Estimate(tt.sc, tt.sum, DefaultPrices())
			got := map[string]float64{}
			for _, it := range b.Items {
				got[it.Name] = it.USD
			}
			for name, want := range tt.items {
				if !near(got[name], want) {
					t.Errorf("%s = $%.9f, want $%.9f", name, got[name], want)
				}
			}
			if !near(b.TotalUSD, tt.total) {
				t.Errorf("total = $%.9f, want $%.9f", b.TotalUSD, tt.total)
			}
		})
	}
}

func TestEstimatePerMillionAndMonth(t *testing.T) {
	b := Estimate(queued(false), fixed(), DefaultPrices())
	// 1 M offered; 100 s of load scaled to 2,592,000 s.
	if !near(b.PerMillionUSD, 54.277084) {
		t.Errorf("per million = %v", b.PerMillionUSD)
	}
	if !near(b.PerMonthUSD, 54.277084*25920) {
		t.Errorf("per month = %v", b.PerMonthUSD)
	}
	m := b.Metrics()
	for _, k := range []string{"cost_usd_total", "cost_usd_per_million", "cost_usd_per_month",
		"cost.api_gateway_usd", "cost.sqs_usd", "cost.lambda_requests_usd", "cost.lambda_compute_usd",
		"cost.step_functions_usd", "cost.dynamodb_reads_usd", "cost.dynamodb_writes_usd"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Metrics lacks %s", k)
		}
	}
	if len(m) != 10 {
		t.Errorf("Metrics has %d entries, want 10", len(m))
	}
}

func TestLoadPrices(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := LoadPrices(write("arm.yaml", "lambda_gb_second: 0.0000133334\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultPrices()
	want.LambdaGBSecond = 0.0000133334
	if p != want {
		t.Errorf("yaml override: got %+v, want %+v", p, want)
	}
	p, err = LoadPrices(write("p.json", `{"api_gateway_per_million": 1.0}`))
	if err != nil || p.APIGatewayPerMillion != 1 || p.SQSStandardPerMillion != 0.40 {
		t.Errorf("json override: %+v, %v", p, err)
	}
	if p, err := LoadPrices(write("empty.yaml", "")); err != nil || p != DefaultPrices() {
		t.Errorf("empty file: %+v, %v", p, err)
	}
	for name, body := range map[string]string{
		"unknown.yaml":  "lambda_gb_secnd: 1\n",
		"negative.yaml": "sqs_fifo_per_million: -1\n",
		"text.yaml":     "sqs_fifo_per_million: cheap\n",
	} {
		if _, err := LoadPrices(write(name, body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestAddToSummaryBadPricesFile(t *testing.T) {
	t.Setenv(PricesEnv, filepath.Join(t.TempDir(), "missing.yaml"))
	s := fixed()
	AddToSummary(queued(false), s)
	if _, ok := s.Metrics["cost_usd_total"]; ok {
		t.Error("cost merged although the prices file is missing")
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], PricesEnv) {
		t.Errorf("notes = %q", s.Notes)
	}
	t.Setenv(PricesEnv, "")
	AddToSummary(queued(false), s)
	if !near(s.Metrics["cost_usd_total"], 54.277084) {
		t.Errorf("cost_usd_total = %v", s.Metrics["cost_usd_total"])
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestAddToSummaryTargetNote: a target run's estimate says how the target's answers were
// priced; a run without a target gets no such note.
func TestAddToSummaryTargetNote(t *testing.T) {
	t.Setenv(PricesEnv, "")
	s := fixed()
	AddToSummary(queued(false), s)
	if len(s.Notes) != 0 {
		t.Errorf("a run without a target: notes %q", s.Notes)
	}
	s = fixed()
	s.Target = "http://127.0.0.1:8080"
	AddToSummary(queued(false), s)
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "priced as API Gateway requests of a REST API") {
		t.Errorf("a target run: notes %q", s.Notes)
	}
}
