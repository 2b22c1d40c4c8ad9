package reports

import (
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
)

// lookupMetric returns what metrics' one list of names says of a flat metric name: a name of
// metrics.Known, "per_priority.P.NAME" and "per_client.C.NAME" (NAME's), "alarm.A.SUFFIX"
// (metrics.AlarmSuffixes) or a cost item "cost.ITEM_usd" (metrics.CostItems; an item it
// does not list yet is still a cost).
func lookupMetric(name string) (metrics.Metric, bool) {
	if m, ok := metrics.Find(name); ok {
		return m, true
	}
	if item, ok := strings.CutPrefix(name, "cost."); ok && strings.HasSuffix(item, "_usd") {
		item = strings.TrimSuffix(item, "_usd")
		if m, ok := findIn(metrics.CostItems, item); ok {
			return m, true
		}
		// an item newer than the list: a design that costs more for the same work regressed
		return metrics.Metric{Name: item, Direction: LowerIsBetter, Help: "AWS cost: " + strings.ReplaceAll(item, "_", " ")}, true
	}
	for _, prefix := range []string{"per_priority.", "per_client.", "alarm."} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		// the group's name may itself hold dots: try every split.
		for i := strings.IndexByte(rest, '.'); i >= 0; i = nextDot(rest, i) {
			if prefix == "alarm." {
				if m, ok := findIn(metrics.AlarmSuffixes, rest[i+1:]); ok {
					return m, true
				}
			} else if m, ok := metrics.Find(rest[i+1:]); ok {
				return m, true
			}
		}
	}
	return metrics.Metric{}, false
}

func findIn(list []metrics.Metric, name string) (metrics.Metric, bool) {
	for _, m := range list {
		if m.Name == name {
			return m, true
		}
	}
	return metrics.Metric{}, false
}

// MetricDirection returns the good direction of a flat metric name (see lookupMetric);
// Neutral for a metric the list does not hold.
func MetricDirection(name string) Direction {
	m, _ := lookupMetric(name)
	return m.Direction
}

// MetricLabel says in words what a flat metric counts (see lookupMetric), or "" for a metric
// the list does not hold.
func MetricLabel(name string) string {
	m, _ := lookupMetric(name)
	return m.Help
}

// nextDot returns the index of the first '.' in s after i, or -1.
func nextDot(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '.')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
