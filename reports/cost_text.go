package reports

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
)

// WriteCost prints the cost lines of the text summary, from the cost metrics package cost
// merged into the summary (cost_usd_total, cost_usd_per_million, cost_usd_per_month and
// cost.NAME_usd): the totals, then the items that cost anything, largest first. It prints
// nothing when the summary has no cost estimate.
func WriteCost(w io.Writer, s *metrics.Summary) {
	m := s.Metrics
	total, ok := m["cost_usd_total"]
	if !ok {
		return
	}
	fmt.Fprintf(w, "  cost        %s for the run · %s per million requests · %s per month at this rate (AWS list prices, no free tier)\n",
		usd(total), usd(m["cost_usd_per_million"]), usd(m["cost_usd_per_month"]))
	type part struct {
		name string
		v    float64
	}
	var parts []part
	for k, v := range m {
		if name, ok := strings.CutPrefix(k, "cost."); ok && v > 0 {
			parts = append(parts, part{strings.ReplaceAll(strings.TrimSuffix(name, "_usd"), "_", " "), v})
		}
	}
	if len(parts) == 0 {
		return
	}
	slices.SortFunc(parts, func(a, b part) int {
		return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.name, b.name))
	})
	words := make([]string, len(parts))
	for i, p := range parts {
		words[i] = p.name + " " + usd(p.v)
	}
	fmt.Fprintf(w, "              %s\n", strings.Join(words, " · "))
}

// usd formats dollars, the one way text output writes a cost: "$", thousands separators,
// cents from 10 cents to $1,000 ("$0.69", "$999.99"), whole dollars from $1,000 ("$6,399",
// "$14,803"), three significant digits below 10 cents ("$0.0247", "$0.000208"), where cents
// would keep one digit or none; a negative amount as "-$0.25".
func usd(v float64) string {
	if v < 0 {
		return "-" + usd(-v)
	}
	switch {
	case v == 0:
		return "$0"
	case v < 0.1 && math.Round(v*1e4) < 1000: // three digits that do not round up to 10 cents
		return "$" + strconv.FormatFloat(v, 'f', 2-int(math.Floor(math.Log10(v))), 64)
	case math.Round(v*100) < 100000:
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return "$" + count(math.Round(v))
	}
}
