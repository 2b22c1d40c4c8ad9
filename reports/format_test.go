package reports

import "testing"

// One format for every number of text output: the "$14,802" next to "$6398.67" is
// now "$14,803" next to "$6,399".
func TestFormatMetric(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    float64
		want string
	}{
		{"cost_usd_per_month", 14802.6, "$14,803"},
		{"cost_usd_per_month", 6398.67, "$6,399"},
		{"cost_usd_per_month", 999.994, "$999.99"},
		{"cost_usd_per_month", 999.996, "$1,000"},
		{"cost_usd_total", 0.6912, "$0.69"},
		{"cost_usd_per_million", 2.745, "$2.75"},
		{"cost.lambda_compute_usd", 0.000208, "$0.000208"},
		{"variant.queue.cost.sqs_usd", 1234567.8, "$1,234,568"},
		{"cost_usd_total", -0.25, "-$0.25"},
		{"cost_usd_total", 0, "$0"},
		{"completed_total", 195803, "195,803"},
		{"per_client.cost-center.rejected_total", 1500, "1,500"},
		{"lost_total", -12, "-12"},
		{"e2e_seconds_p99", 1.0049, "1.005s"},
		{"e2e_seconds_p50", 0.0485, "48.5ms"},
		{"queue_oldest_age_seconds_max", 754.4, "12m34s"},
		{"e2e_seconds_p99", -0.25, "-250ms"},
		{"downstream_utilization", 0.8734, "87.3%"},
		{"downstream_window_overgrant", 0.0123456, "0.01235"},
	} {
		if got := FormatMetric(tc.name, tc.v); got != tc.want {
			t.Errorf("FormatMetric(%q, %v) = %q, want %q", tc.name, tc.v, got, tc.want)
		}
	}
}

func TestIsCost(t *testing.T) {
	for name, want := range map[string]bool{
		"cost_usd_total": true, "cost_usd_per_million": true, "cost.api_gateway_usd": true,
		"variant.a.cost_usd_per_month": true, "variant.a.cost.sqs_usd": true,
		"per_client.cost.rejected_total": false, "costly_total": false, "cost.api_gateway_requests": false,
	} {
		if got := IsCost(name); got != want {
			t.Errorf("IsCost(%q) = %v, want %v", name, got, want)
		}
	}
}
