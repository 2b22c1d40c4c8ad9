package scenarios

import (
	"math"
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	cases := []struct {
		in      string
		want    Threshold
		wantErr string
	}{
		{in: "lost_total == 0", want: Threshold{"lost_total == 0", "lost_total", "==", 0}},
		{in: "  e2e_seconds_p99 < 30 ", want: Threshold{"e2e_seconds_p99 < 30", "e2e_seconds_p99", "<", 30}},
		{in: "downstream_utilization>=0.95", want: Threshold{"downstream_utilization>=0.95", "downstream_utilization", ">=", 0.95}},
		{in: "per_priority.high.e2e_seconds_p99 <= 1.5", want: Threshold{"per_priority.high.e2e_seconds_p99 <= 1.5", "per_priority.high.e2e_seconds_p99", "<=", 1.5}},
		{in: "queue_depth_max > 1e3", want: Threshold{"queue_depth_max > 1e3", "queue_depth_max", ">", 1000}},
		{in: "x != -2", want: Threshold{"x != -2", "x", "!=", -2}},
		{in: "lost_total = 0", wantErr: "unknown operator ="},
		{in: "lost_total => 0", wantErr: "unknown operator ="},
		{in: "lost_total 0", wantErr: "want METRIC OP NUMBER"},
		{in: "", wantErr: "want METRIC OP NUMBER"},
		{in: "== 0", wantErr: "want METRIC OP NUMBER"},
		{in: "lost$total == 0", wantErr: `metric "lost$total" may only use`},
		{in: "per_client.acme/eu.e2e_seconds_p99 < 1", wantErr: `may only use`},
		{in: "lost_total == zero", wantErr: `"zero" is not a number`},
		{in: "lost_total == NaN", wantErr: `"NaN" is not a number`},
		{in: "lost_total == inf", wantErr: `"inf" is not a number`},
		{in: "lost_total ==", wantErr: `"" is not a number`},
		{in: "lost_total == 1 2", wantErr: `"1 2" is not a number`},
	}
	for _, tc := range cases {
		got, err := ParseThreshold(tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseThreshold(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("ParseThreshold(%q): %v", tc.in, err)
		case got != tc.want:
			t.Errorf("ParseThreshold(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestThresholdHolds(t *testing.T) {
	cases := []struct {
		op        string
		v         float64
		holdsFor1 bool // value 1 against the threshold v
	}{
		{"==", 1, true}, {"==", 2, false},
		{"!=", 1, false}, {"!=", 2, true},
		{"<", 2, true}, {"<", 1, false},
		{"<=", 1, true}, {"<=", 0.5, false},
		{">", 0, true}, {">", 1, false},
		{">=", 1, true}, {">=", 2, false},
	}
	for _, tc := range cases {
		th := Threshold{Metric: "m", Op: tc.op, Value: tc.v}
		if got := th.Holds(1); got != tc.holdsFor1 {
			t.Errorf("1 %s %v: Holds = %v, want %v", tc.op, tc.v, got, tc.holdsFor1)
		}
		if th.Holds(math.NaN()) {
			t.Errorf("NaN %s %v holds", tc.op, tc.v)
		}
	}
}
