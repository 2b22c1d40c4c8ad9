package reports

import (
	"bytes"
	"testing"

	"github.com/throttlelab/throttlelab/metrics"
)

func TestWriteCost(t *testing.T) {
	s := &metrics.Summary{Metrics: map[string]float64{
		"cost_usd_total": 54.277084, "cost_usd_per_million": 54.277084, "cost_usd_per_month": 1406862.01728,
		"cost.api_gateway_usd": 2.8, "cost.step_functions_usd": 50, "cost.lambda_compute_usd": 0.000208,
		"cost.sqs_usd": 0,
	}}
	var b bytes.Buffer
	WriteCost(&b, s)
	want := "  cost        $54.28 for the run · $54.28 per million requests · $1,406,862 per month at this rate (AWS list prices, no free tier)\n" +
		"              step functions $50.00 · api gateway $2.80 · lambda compute $0.000208\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	WriteCost(&b, &metrics.Summary{Metrics: map[string]float64{}})
	if b.Len() != 0 {
		t.Errorf("no estimate printed %q", b.String())
	}
}

func TestUSD(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "$0"}, {0.000208, "$0.000208"}, {0.0247, "$0.0247"}, {0.00594, "$0.00594"},
		{0.09996, "$0.10"}, {0.0999, "$0.0999"}, {0.1, "$0.10"}, {0.685272, "$0.69"}, {54.277084, "$54.28"},
		{6398.67, "$6,399"}, {999.994, "$999.99"}, {9999.994, "$10,000"}, {14801.8752, "$14,802"},
		{1406862.01728, "$1,406,862"}, {-2.5, "-$2.50"}} {
		if got := usd(tc.v); got != tc.want {
			t.Errorf("usd(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
