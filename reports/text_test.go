package reports

import "testing"

// TestUtilizationWords: the summary line says "no quota" when successful calls used none of
// one (the API has none), and the percentage otherwise, 0% included when no call succeeded.
func TestUtilizationWords(t *testing.T) {
	for _, c := range []struct {
		m    map[string]float64
		want string
	}{
		{map[string]float64{"downstream_ok_total": 195792, "downstream_utilization": 0}, "no quota"},
		{map[string]float64{"downstream_ok_total": 500, "downstream_utilization": 0.62}, "62.0%"},
		{map[string]float64{"downstream_ok_total": 0, "downstream_utilization": 0}, "0.0%"},
	} {
		if got := utilization(c.m); got != c.want {
			t.Errorf("utilization(%v) = %q, want %q", c.m, got, c.want)
		}
	}
}
