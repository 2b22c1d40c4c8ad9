package metrics

import "strings"

// The summary's metric names, listed once. Thresholds (`slo:`), alarms and comparisons name
// metrics; `validate` checks those names against this list, `compare` reads each metric's
// direction from it, and a test runs every catalog scenario to check that the simulator writes
// nothing the list lacks.

// Direction is which way a metric's move is good.
type Direction int

const (
	// Neutral metrics measure volume (offered, attempts, calls): a move is neither better nor worse.
	Neutral Direction = iota
	// LowerIsBetter metrics count trouble (429s, rejections, waits, depths, latencies).
	LowerIsBetter
	// HigherIsBetter metrics count work done (completed, ok, utilization).
	HigherIsBetter
	// ZeroIsBetter metrics must be 0 (lost_total, which is negative when a request was
	// counted twice): any move away from 0 is worse.
	ZeroIsBetter
)

// String names the direction as the comparison table shows it.
func (d Direction) String() string {
	switch d {
	case LowerIsBetter:
		return "less is better"
	case HigherIsBetter:
		return "more is better"
	case ZeroIsBetter:
		return "0 is right"
	}
	return "neutral"
}

// When says which runs write a metric.
type When int

const (
	// Always: every run writes it (the cost metrics when the prices can be read).
	Always When = iota
	// WithOrchestrator: runs whose consumer.pattern is orchestrator.
	WithOrchestrator
	// WithTaskTokens: runs whose consumer has a task_token section.
	WithTaskTokens
	// Sometimes: runs in which something happened (stale messages at the end), or live runs
	// that measured it (a real SQS endpoint, a state store, a load generator falling behind).
	Sometimes
)

// Metric is one metric of summary.json's "metrics".
type Metric struct {
	Name      string
	Direction Direction
	// PerGroup metrics are also in per_client.CLIENT and per_priority.P.
	PerGroup bool
	When     When
	// Help says in words what it counts (report.html shows it next to the name).
	Help string
}

// Known is every flat metric name of summary.json (SCENARIOS.md and its extensions), but the
// alarm.NAME.* and cost.ITEM_usd families (AlarmSuffixes, CostItems).
var Known = []Metric{
	// name, direction, per group, when, help
	{"offered_total", Neutral, true, Always, "requests the clients started (first attempts)"},
	{"attempts_total", Neutral, true, Always, "attempts that reached the gateway, retries included"},
	{"gateway_admitted_total", HigherIsBetter, true, Always, "attempts the gateway let through"},
	{"gateway_throttled_total", LowerIsBetter, true, Always, "attempts throttled by the gateway (429 Too Many Requests)"},
	{"gateway_quota_exceeded_total", LowerIsBetter, true, Always, "attempts refused for a spent usage-plan quota (429 Limit Exceeded)"},
	{"gateway_forbidden_total", LowerIsBetter, true, Always, "attempts without a valid API key (403 Forbidden)"},
	{"gateway_backend_errors_total", LowerIsBetter, false, Always, "backend failures a direct integration passed on"},
	{"load_errors_total", LowerIsBetter, false, Always, "attempts the load generator failed to make (a harness failure, not the API's)"},
	{"queue_sent_total", Neutral, false, Always, "messages sent to the queues"},
	{"queue_received_total", Neutral, false, Always, "messages received from the queues, redeliveries included"},
	{"queue_deleted_total", Neutral, false, Always, "messages processed and deleted"},
	{"queue_deferred_total", LowerIsBetter, false, Always, "messages left to time out for higher-priority work"},
	{"queue_depth_max", LowerIsBetter, false, Always, "most messages in a queue at once"},
	{"queue_oldest_age_seconds_max", LowerIsBetter, false, Always, "age of the oldest waiting message, at its worst"},
	{"queue_requeued_total", LowerIsBetter, false, Always, "messages a worker put back on a queue"},
	{"queue_duplicates_total", LowerIsBetter, false, Always, "deliveries of a message whose request had already ended"},
	{"fifo_order_broken_total", LowerIsBetter, false, Always, "FIFO messages processed after a later one of their group"},
	{"dlq_total", LowerIsBetter, false, Always, "messages moved to a dead-letter queue"},
	{"downstream_calls_total", Neutral, false, Always, "calls to the downstream API"},
	{"downstream_ok_total", HigherIsBetter, false, Always, "calls the API answered with success (2xx)"},
	{"downstream_429_total", LowerIsBetter, false, Always, "calls the API refused with 429"},
	{"downstream_5xx_total", LowerIsBetter, false, Always, "calls the API failed with 5xx"},
	{"downstream_timeouts_total", LowerIsBetter, false, Always, "calls that timed out"},
	{"downstream_resets_total", LowerIsBetter, false, Always, "calls whose connection was reset"},
	{"downstream_admitted_total", Neutral, false, Always, "calls the API's quotas admitted, whatever their outcome"},
	{"downstream_utilization", HigherIsBetter, false, Always, "share of the API's tightest quota that successful calls used while load was offered"},
	{"downstream_overgrant", LowerIsBetter, false, Always, "calls the API admitted beyond its tightest quota (0 for an exact limiter)"},
	{"breaker_opened_total", LowerIsBetter, false, Always, "times the circuit breaker opened"},
	{"completed_total", HigherIsBetter, true, Always, "requests whose downstream call succeeded"},
	{"rejected_total", LowerIsBetter, true, Always, "requests a client gave up on after a refusal at the gateway"},
	{"failed_total", LowerIsBetter, true, Always, "requests dead-lettered or failed downstream for good"},
	{"in_flight_at_end", LowerIsBetter, false, Always, "requests still queued or under way when the run ended"},
	{"lost_total", ZeroIsBetter, false, Always, "requests unaccounted for: must be 0"},
	{"unknown_at_end_total", LowerIsBetter, false, Always, "requests whose fate a backend that failed hid (a dead SQS's messages), by backend in the ledger"},
	{"e2e_seconds_p50", LowerIsBetter, true, Always, "first attempt to success: median"},
	{"e2e_seconds_p90", LowerIsBetter, true, Always, "first attempt to success: 90th percentile"},
	{"e2e_seconds_p99", LowerIsBetter, true, Always, "first attempt to success: 99th percentile"},
	{"e2e_seconds_max", LowerIsBetter, true, Always, "first attempt to success: longest"},
	{"e2e_seconds_mean", LowerIsBetter, true, Always, "first attempt to success: mean"},
	{"queue_wait_seconds_mean", LowerIsBetter, true, Always, "wait from enqueue to the receive that led to deletion: mean"},
	{"queue_wait_seconds_p99", LowerIsBetter, true, Always, "wait in the queue: 99th percentile"},
	{"queue_wait_seconds_max", LowerIsBetter, false, Always, "wait in the queue: longest"},
	{"downstream_seconds_p50", LowerIsBetter, false, Always, "duration of a successful API call: median"},
	{"downstream_seconds_p99", LowerIsBetter, false, Always, "duration of a successful API call: 99th percentile"},
	{"downstream_seconds_mean", LowerIsBetter, false, Always, "duration of a successful API call: mean"},
	// AWS requests, for the cost estimate (live runs write the DynamoDB counts with a state
	// store only), and the estimate.
	{"aws_sqs_send_requests_total", Neutral, false, Always, "SQS send requests, for the cost"},
	{"aws_sqs_receive_requests_total", Neutral, false, Always, "SQS receive requests, for the cost"},
	{"aws_sqs_delete_requests_total", Neutral, false, Always, "SQS delete requests, for the cost"},
	{"aws_lambda_invocations_total", Neutral, false, Always, "Lambda invocations, for the cost"},
	{"aws_lambda_duration_seconds_total", Neutral, false, Always, "Lambda run time billed, for the cost"},
	{"aws_dynamodb_reads_total", Neutral, false, Always, "DynamoDB reads, for the cost"},
	{"aws_dynamodb_writes_total", Neutral, false, Always, "DynamoDB writes, for the cost"},
	{"cost_usd_total", LowerIsBetter, false, Always, "AWS cost of the run (list prices, no free tier)"},
	{"cost_usd_per_million", LowerIsBetter, false, Always, "AWS cost per million requests offered"},
	{"cost_usd_per_month", LowerIsBetter, false, Always, "AWS cost of a month at the run's rate"},
	// the orchestrator
	{"orchestrator_runs_total", Neutral, false, WithOrchestrator, "orchestrator runs"},
	{"orchestrator_triggers_throttled_total", Neutral, false, WithOrchestrator, "schedule triggers that found the orchestrator still running"},
	{"orchestrator_invokes_total", Neutral, false, WithOrchestrator, "workers the orchestrator invoked"},
	{"orchestrator_run_seconds", Neutral, false, WithOrchestrator, "time the orchestrator ran"},
	{"orchestrator_idle_seconds", LowerIsBetter, false, WithOrchestrator, "time the orchestrator was idle between triggers"},
	{"orchestrator_quota_blocked_seconds", Neutral, false, WithOrchestrator, "time a spent long-period quota stopped the orchestrator polling"},
	{"health_checks_total", Neutral, false, WithOrchestrator, "health checks sent while the breaker was open"},
	{"breaker_open_seconds", LowerIsBetter, false, WithOrchestrator, "time the circuit breaker was open"},
	{"worker_invokes_throttled_total", LowerIsBetter, false, WithOrchestrator, "asynchronous worker invokes Lambda throttled and retried"},
	// Step Functions task tokens
	{"sfn_state_transitions_total", Neutral, false, WithTaskTokens, "Step Functions state transitions"},
	{"sfn_timeouts_total", LowerIsBetter, false, WithTaskTokens, "executions that timed out waiting for their task token"},
	{"sfn_heartbeat_timeouts_total", LowerIsBetter, false, WithTaskTokens, "executions whose task heartbeat timed out"},
	{"sfn_running_at_end", Neutral, false, WithTaskTokens, "executions still running when the run ended"},
	// when it happened, or live
	{"queue_stale_messages_at_end", LowerIsBetter, false, Sometimes, "messages left whose request had already ended"},
	{"load_shortfall_total", LowerIsBetter, false, Sometimes, "live: requests the load generator could not offer on schedule"},
	{"downstream_window_overgrant", LowerIsBetter, false, Sometimes, "live: the API's worst window over its quota, as a share of the limit"},
	{"downstream_stats_unavailable", LowerIsBetter, false, Sometimes, "live: 1 when the fake API's own counts could not be read"},
	{"downstream_keys_evicted_total", LowerIsBetter, false, Sometimes, "API keys whose quota state the fake API evicted (least recently used, past its cap)"},
	{"gateway_foreign_total", LowerIsBetter, false, Sometimes, "live: requests to the gateway that were not the run's own load (403, kept out of the ledger)"},
	{"gateway_accept_errors_total", LowerIsBetter, false, Sometimes, "live: connections the gateway server failed to accept (out of file descriptors): the harness's failure"},
	{"gateway_stray_total", LowerIsBetter, false, Sometimes, "live: attempts of the run's load the gateway did not take (their request had ended): a harness anomaly"},
	{"aws_sqs_requests_measured_total", Neutral, false, Sometimes, "live: SQS requests the endpoint counted"},
	{"state_quota_refused_total", LowerIsBetter, false, Sometimes, "live: quota takes the state store refused"},
	{"state_writes_dropped_total", LowerIsBetter, false, Sometimes, "live: state writes dropped on a full queue"},
}

// AlarmSuffixes are the metrics each evaluated alarm adds as alarm.NAME.SUFFIX, NAME being
// SafeName of the alarm's name: fired_total always, first_fired_seconds once it fired,
// seconds_after_event when it fired after the scenario's first burst or outage.
var AlarmSuffixes = []Metric{
	{"fired_total", Neutral, false, Always, "times the alarm went into ALARM"},
	{"first_fired_seconds", Neutral, false, Sometimes, "when it first fired"},
	{"seconds_after_event", LowerIsBetter, false, Sometimes, "how long after the incident it first fired"},
}

// CostItems are the items of the cost estimate, each a metric cost.ITEM_usd (lower is
// better: a design that costs more for the same work regressed).
var CostItems = []Metric{
	{"api_gateway", LowerIsBetter, false, Always, "AWS cost: API Gateway requests"},
	{"sqs", LowerIsBetter, false, Always, "AWS cost: SQS requests"},
	{"lambda_requests", LowerIsBetter, false, Always, "AWS cost: Lambda requests"},
	{"lambda_compute", LowerIsBetter, false, Always, "AWS cost: Lambda compute"},
	{"step_functions", LowerIsBetter, false, Always, "AWS cost: Step Functions state transitions"},
	{"dynamodb_reads", LowerIsBetter, false, Always, "AWS cost: DynamoDB reads"},
	{"dynamodb_writes", LowerIsBetter, false, Always, "AWS cost: DynamoDB writes"},
}

var known = func() map[string]Metric {
	byName := map[string]Metric{}
	for _, k := range Known {
		byName[k.Name] = k
	}
	return byName
}()

// Names returns the names of list.
func Names(list []Metric) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m.Name
	}
	return out
}

// Find returns the metric of Known named name.
func Find(name string) (Metric, bool) {
	k, ok := known[name]
	return k, ok
}

// SafeName keeps letters, digits, _, - and . of s and replaces anything else by _: a name fit
// for metric names (alarm.NAME.*) and file names alike.
func SafeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			return r
		}
		return '_'
	}, s)
}
