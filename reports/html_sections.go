package reports

import (
	"fmt"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// ledgerView is the ledger as the report shows it: where every request ended.
type ledgerView struct {
	Offered, Completed, Lost   string
	Rejected, Failed, InFlight []ledgerRow
	RejectedN, FailedN, InFlyN string
	Verdict                    string
	Broken                     bool
}

type ledgerRow struct{ Reason, Count string }

// newLedgerView formats the ledger, reasons in name order.
func newLedgerView(l metrics.Ledger) ledgerView {
	v := ledgerView{Offered: count(float64(l.Offered)), Completed: count(float64(l.Completed)),
		Lost: count(float64(l.Lost)), Verdict: l.Verdict, Broken: l.Lost != 0}
	var n int64
	v.Rejected, n = ledgerRows(l.Rejected)
	v.RejectedN = count(float64(n))
	v.Failed, n = ledgerRows(l.Failed)
	v.FailedN = count(float64(n))
	v.InFlight, n = ledgerRows(l.InFlight)
	v.InFlyN = count(float64(n))
	return v
}

// ledgerRows returns a ledger map's rows in name order and their total.
func ledgerRows(m map[string]int64) ([]ledgerRow, int64) {
	var rows []ledgerRow
	var total int64
	for _, k := range keysInOrder(m) {
		rows = append(rows, ledgerRow{Reason: strings.ReplaceAll(k, "_", " "), Count: count(float64(m[k]))})
		total += m[k]
	}
	return rows, total
}

// alarmView is one alarm as the report shows it.
type alarmView struct {
	Name, Rule  string
	Fired       bool
	Transitions []string // "ALARM at 5m0s", "OK at 10m0s"
	Findings    []string
}

// alarmViews formats the evaluated alarms.
func alarmViews(rs []AlarmResult) []alarmView {
	out := make([]alarmView, 0, len(rs))
	for _, r := range rs {
		v := alarmView{Name: r.Name, Fired: r.Fired(), Findings: r.Findings,
			Rule: fmt.Sprintf("%s of %s over %s %s %s for %d %s", r.Stat, r.Metric, scenarios.ShortDuration(r.Period),
				r.Comparison, metricValue(r.Metric, r.Threshold), r.EvaluationPeriods,
				htmlPlural(r.EvaluationPeriods, "period"))}
		for _, t := range r.Transitions {
			v.Transitions = append(v.Transitions, fmt.Sprintf("%s at %s", t.State, scenarios.ShortDuration(t.At)))
		}
		out = append(out, v)
	}
	return out
}

// plural adds an s to word unless n is 1.
func htmlPlural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
