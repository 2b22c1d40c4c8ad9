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

// usd formats dollars, every figure with thousands separators: cents from $0.01 ("$6,398.67"),
// three significant digits below ("$0.000208"), whole dollars from $10,000 ("$14,802"); a
// negative amount is "-$2.50".
func usd(v float64) string {
	if v < 0 {
		return "-" + usd(-v)
	}
	switch {
	case v == 0:
		return "$0"
	case v < 0.01:
		return "$" + strconv.FormatFloat(v, 'f', 2-int(math.Floor(math.Log10(v))), 64)
	case v < 10000:
		whole, cents, _ := strings.Cut(strconv.FormatFloat(v, 'f', 2, 64), ".")
		n, _ := strconv.ParseFloat(whole, 64)
		return "$" + count(n) + "." + cents
	default:
		return "$" + count(math.Round(v))
	}
}
