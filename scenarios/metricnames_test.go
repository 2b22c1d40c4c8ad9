package scenarios

import (
	"fmt"
	"strings"
	"testing"
)

// metricsBase is a scenario with two clients (one of them high priority), a queue, task
// tokens and an alarm, for TestMetricNames.
const metricsBase = `duration: 1m
clients:
  - name: basic-tier
    arrival: {shape: constant, rate: 10/s}
  - name: vip
    priority: high
    arrival: {shape: constant, rate: 1/s}
queues:
  - name: work
consumer:
  pattern: concurrency
  task_token: {timeout: 1m}
alarms:
  - {name: queue backlog, metric: %s, stat: max, period: 1m, evaluation_periods: 1, comparison: '>', threshold: 100}
slo:
  - %q
`

// TestMetricNames: a threshold or alarm naming a metric the scenario's runs do not write is an
// error at its line, with the closest name when one is close.
func TestMetricNames(t *testing.T) {
	cases := []struct {
		slo, alarm string
		path, want string // want "" for a valid file
	}{
		{"lost_total == 0", "queue.work.depth", "", ""},
		{"per_client.basic-tier.rejected_total == 0", "client.basic-tier.throttled", "", ""},
		{"per_priority.high.e2e_seconds_p99 < 1", "priority.high.e2e_seconds_p99", "", ""},
		{"alarm.queue_backlog.seconds_after_event <= 60", "gateway_throttled", "", ""},
		{"sfn_timeouts_total == 0", "downstream_utilization", "", ""},
		{"cost.step_functions_usd < 1", "offered", "", ""},
		{"load_shortfall_total == 0", "offered", "", ""},
		{"lsot_total == 0", "offered", "slo[0]", `unknown metric "lsot_total" (did you mean "lost_total"?)`},
		{"per_client.basic-teir.rejected_total == 0", "offered", "slo[0]", `(did you mean "per_client.basic-tier.rejected_total"?)`},
		{"per_client.vip.dlq_total == 0", "offered", "slo[0]", `dlq_total is counted for the whole run, not per client: write "dlq_total"`},
		{"per_priority.high.e2e_secs_p99 < 1", "offered", "slo[0]", `(did you mean "per_priority.high.e2e_seconds_p99"?)`},
		{"per_priority.batch.e2e_seconds_p99 < 1", "offered", "slo[0]", "no client has priority batch, so the summary has no per_priority.batch metrics (clients' priorities: normal, high)"},
		{"orchestrator_runs_total > 0", "offered", "slo[0]", `this scenario has no metric "orchestrator_runs_total": it is written only when consumer.pattern is orchestrator`},
		{"alarm.backlog.fired_total == 0", "offered", "slo[0]", `(did you mean "alarm.queue_backlog.fired_total"?)`},
		{"cost.sq_usd < 1", "offered", "slo[0]", `(did you mean "cost.sqs_usd"?)`},
		{"wibble == 0", "offered", "slo[0]", `unknown metric "wibble": name a summary metric`},
		{"lost_total == 0", "gateway_throttle", "alarms[0].metric", `unknown metric "gateway_throttle" (did you mean "gateway_throttled"?)`},
		{"lost_total == 0", "queue.high.depth", "alarms[0].metric", `(did you mean "queue.work.depth"?)`},
		{"lost_total == 0", "lost_total", "alarms[0].metric", `unknown metric "lost_total": name a series of series.csv`},
	}
	for _, tc := range cases {
		doc := fmt.Sprintf(metricsBase, tc.alarm, tc.slo)
		_, err := LoadBytes("dir/m.yaml", []byte(doc))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s / %s: %v", tc.slo, tc.alarm, err)
			}
			continue
		}
		line := map[string]int{"slo[0]": 16, "alarms[0].metric": 14}[tc.path]
		prefix := fmt.Sprintf("dir/m.yaml:%d: %s: ", line, tc.path)
		if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s / %s: got %v\nwant one error starting %q containing %q", tc.slo, tc.alarm, err, prefix, tc.want)
		}
	}
}

// TestMetricNamesInVariants: a metric must be written in every variant, and variant.NAME.*
// names are not threshold metrics.
func TestMetricNamesInVariants(t *testing.T) {
	doc := `duration: 1m
clients:
  - name: a
    arrival: {shape: constant, rate: 10/s}
queues:
  - name: q
consumer: {pattern: orchestrator, pace: 5/s}
variants:
  - name: paced
  - name: workers
    consumer: {pattern: concurrency}
slo:
  - orchestrator_runs_total > 0
  - variant.paced.lost_total == 0
`
	_, err := LoadBytes("dir/v.yaml", []byte(doc))
	for _, want := range []string{
		`dir/v.yaml:13: slo[0]: variant workers has no metric "orchestrator_runs_total": it is written only when consumer.pattern is orchestrator`,
		`dir/v.yaml:14: slo[1]: thresholds are checked in each variant's own summary, which has no variant.* metrics: write "lost_total" to hold it in every variant`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
	if n := strings.Count(fmt.Sprint(err), "\n") + 1; err != nil && n != 2 {
		t.Errorf("%d errors, want 2:\n%v", n, err)
	}
}
