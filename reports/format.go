package reports

import (
	"math"
	"strconv"
	"strings"
)

// FormatMetric writes a summary metric's value the way every text output of throttlelab
// writes it (the run summary, compare, sweep tables, variants): a cost in dollars (usd), a
// time (a name with "_seconds") as a duration, a utilization as a percentage, a whole number
// with thousands separators, anything else with 4 significant digits. The name may carry a
// prefix ("per_client.acme.", "variant.queue.").
func FormatMetric(name string, v float64) string {
	base := name[strings.LastIndexByte(name, '.')+1:]
	switch {
	case IsCost(name):
		return usd(v)
	case strings.Contains(base, "_seconds"):
		return secs(v)
	case strings.HasSuffix(base, "utilization"):
		return pct(v)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return count(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// IsCost reports whether the metric name is a cost in dollars: cost_usd_total,
// cost_usd_per_million, cost_usd_per_month or cost.ITEM_usd, with any prefix.
func IsCost(name string) bool {
	parts := strings.Split(name, ".")
	last := parts[len(parts)-1]
	if strings.HasPrefix(last, "cost_usd") {
		return true
	}
	return len(parts) >= 2 && parts[len(parts)-2] == "cost" && strings.HasSuffix(last, "_usd")
}
