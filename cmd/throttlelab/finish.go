package main

import (
	"github.com/throttlelab/throttlelab/cost"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// finishSummary is where a run's summary is finished, once, whatever the mode: it evaluates
// the scenario's alarms on the run's series and merges their metrics
// (alarm.NAME.fired_total, alarm.NAME.first_fired_seconds, alarm.NAME.seconds_after_event;
// see reports.AlarmMetrics) into the summary, so that thresholds evaluated afterwards can
// check them ("alarm.throttling.seconds_after_event <= 60"). An alarm that could not be
// evaluated (its metric is not a series of the run) is noted in the summary's notes. Then the
// cost estimate and the thresholds. It returns the alarm results for the report.
func finishSummary(sc *scenarios.Scenario, sum *metrics.Summary, ser *metrics.Series) []reports.AlarmResult {
	rs := reports.EvaluateAlarms(sc.Alarms, ser)
	if sum.Metrics == nil {
		sum.Metrics = map[string]float64{}
	}
	for k, v := range reports.AlarmMetrics(sc, rs) {
		sum.Metrics[k] = v
	}
	for _, r := range rs {
		if r.Transitions == nil {
			sum.Notes = append(sum.Notes, r.Findings...)
		}
	}
	// The AWS cost estimate (cost_usd_total, cost_usd_per_million, cost_usd_per_month,
	// cost.NAME_usd), at the prices of the file THROTTLELAB_PRICES names, else list prices.
	cost.AddToSummary(sc, sum)
	// The thresholds last, on every metric above.
	sum.Thresholds = reports.Evaluate(sum, sc.SLO)
	return rs
}
