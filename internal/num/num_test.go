package num

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {1500, "1,500"}, {51193, "51,193"},
		{1234567.4, "1,234,567"}, {1234567.5, "1,234,568"}, {-22500, "-22,500"}, {-0.2, "0"}, {-999, "-999"}, {-1000, "-1,000"}} {
		if got := Count(c.v); got != c.want {
			t.Errorf("Count(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
