package reports

import "strings"

// metricInfo is what the reports know of a summary metric: which way a move of it is good
// (Compare's verdicts) and what it counts, in words (next to its name in report.html).
type metricInfo struct {
	dir   Direction
	label string
}

// metricTable is the one table of the summary metrics of SCENARIOS.md and its extensions, by
// name. per_priority.P.NAME and per_client.C.NAME are NAME's; cost.ITEM_usd is priced per
// item (see lookupMetric). A metric not listed is Neutral and has no label.
var metricTable = map[string]metricInfo{
	// volume
	"offered_total":             {Neutral, "requests the clients started (first attempts)"},
	"attempts_total":            {Neutral, "attempts that reached the gateway, retries included"},
	"queue_sent_total":          {Neutral, "messages sent to the queues"},
	"queue_received_total":      {Neutral, "messages received from the queues, redeliveries included"},
	"queue_deleted_total":       {Neutral, "messages processed and deleted"},
	"downstream_calls_total":    {Neutral, "calls to the downstream API"},
	"downstream_admitted_total": {Neutral, "calls the API's quotas admitted, whatever their outcome"},
	// gateway
	"gateway_admitted_total":       {HigherIsBetter, "attempts the gateway let through"},
	"gateway_throttled_total":      {LowerIsBetter, "attempts throttled by the gateway (429 Too Many Requests)"},
	"gateway_quota_exceeded_total": {LowerIsBetter, "attempts refused for a spent usage-plan quota (429 Limit Exceeded)"},
	"gateway_forbidden_total":      {LowerIsBetter, "attempts without a valid API key (403 Forbidden)"},
	"gateway_backend_errors_total": {LowerIsBetter, "backend failures a direct integration passed on"},
	// queues
	"queue_deferred_total":         {LowerIsBetter, "messages left to time out for higher-priority work"},
	"queue_depth_max":              {LowerIsBetter, "most messages in a queue at once"},
	"queue_oldest_age_seconds_max": {LowerIsBetter, "age of the oldest waiting message, at its worst"},
	"queue_requeued_total":         {LowerIsBetter, "messages a worker put back on a queue"},
	"queue_duplicates_total":       {LowerIsBetter, "deliveries of a message whose request had already ended"},
	"fifo_order_broken_total":      {LowerIsBetter, "FIFO messages processed after a later one of their group"},
	"dlq_total":                    {LowerIsBetter, "messages moved to a dead-letter queue"},
	"queue_wait_seconds_mean":      {LowerIsBetter, "wait from enqueue to the receive that led to deletion: mean"},
	"queue_wait_seconds_p99":       {LowerIsBetter, "wait in the queue: 99th percentile"},
	"queue_wait_seconds_max":       {LowerIsBetter, "wait in the queue: longest"},
	// downstream
	"downstream_ok_total":       {HigherIsBetter, "calls the API answered with success (2xx)"},
	"downstream_utilization":    {HigherIsBetter, "share of the API's tightest quota that successful calls used while load was offered"},
	"downstream_429_total":      {LowerIsBetter, "calls the API refused with 429"},
	"downstream_5xx_total":      {LowerIsBetter, "calls the API failed with 5xx"},
	"downstream_timeouts_total": {LowerIsBetter, "calls that timed out"},
	"downstream_resets_total":   {LowerIsBetter, "calls whose connection was reset"},
	"downstream_overgrant":      {LowerIsBetter, "calls the API admitted beyond its tightest quota (0 for an exact limiter)"},
	"breaker_opened_total":      {LowerIsBetter, "times the circuit breaker opened"},
	"downstream_seconds_p50":    {LowerIsBetter, "duration of a successful API call: median"},
	"downstream_seconds_p99":    {LowerIsBetter, "duration of a successful API call: 99th percentile"},
	"downstream_seconds_mean":   {LowerIsBetter, "duration of a successful API call: mean"},
	// outcomes
	"completed_total":  {HigherIsBetter, "requests whose downstream call succeeded"},
	"rejected_total":   {LowerIsBetter, "requests a client gave up on after a refusal at the gateway"},
	"failed_total":     {LowerIsBetter, "requests dead-lettered or failed downstream for good"},
	"in_flight_at_end": {LowerIsBetter, "requests still queued or under way when the run ended"},
	"lost_total":       {ZeroIsBetter, "requests unaccounted for: must be 0"},
	"e2e_seconds_p50":  {LowerIsBetter, "first attempt to success: median"},
	"e2e_seconds_p90":  {LowerIsBetter, "first attempt to success: 90th percentile"},
	"e2e_seconds_p99":  {LowerIsBetter, "first attempt to success: 99th percentile"},
	"e2e_seconds_max":  {LowerIsBetter, "first attempt to success: longest"},
	"e2e_seconds_mean": {LowerIsBetter, "first attempt to success: mean"},
	// extensions
	"downstream_window_overgrant":           {LowerIsBetter, "live: the API's worst window over its quota, as a share of the limit"},
	"queue_stale_messages_at_end":           {LowerIsBetter, "messages left whose request had already ended"},
	"load_shortfall_total":                  {LowerIsBetter, "live: requests the load generator could not offer on schedule"},
	"load_errors_total":                     {LowerIsBetter, "attempts the load generator failed to make (a harness failure, not the API's)"},
	"orchestrator_runs_total":               {Neutral, "orchestrator runs"},
	"orchestrator_triggers_throttled_total": {Neutral, "schedule triggers that found the orchestrator still running"},
	"orchestrator_invokes_total":            {Neutral, "workers the orchestrator invoked"},
	"orchestrator_run_seconds":              {Neutral, "time the orchestrator ran"},
	"orchestrator_idle_seconds":             {LowerIsBetter, "time the orchestrator was idle between triggers"},
	"orchestrator_quota_blocked_seconds":    {Neutral, "time a spent long-period quota stopped the orchestrator polling"},
	"health_checks_total":                   {Neutral, "health checks sent while the breaker was open"},
	"breaker_open_seconds":                  {LowerIsBetter, "time the circuit breaker was open"},
	"worker_invokes_throttled_total":        {LowerIsBetter, "asynchronous worker invokes Lambda throttled and retried"},
	"state_quota_refused_total":             {LowerIsBetter, "live: quota takes the state store refused"},
	"state_writes_dropped_total":            {LowerIsBetter, "live: state writes dropped on a full queue"},
	"sfn_state_transitions_total":           {Neutral, "Step Functions state transitions"},
	"sfn_timeouts_total":                    {LowerIsBetter, "executions that timed out waiting for their task token"},
	"sfn_heartbeat_timeouts_total":          {LowerIsBetter, "executions whose task heartbeat timed out"},
	"sfn_running_at_end":                    {Neutral, "executions still running when the run ended"},
	"aws_sqs_send_requests_total":           {Neutral, "SQS send requests, for the cost"},
	"aws_sqs_receive_requests_total":        {Neutral, "SQS receive requests, for the cost"},
	"aws_sqs_delete_requests_total":         {Neutral, "SQS delete requests, for the cost"},
	"aws_lambda_invocations_total":          {Neutral, "Lambda invocations, for the cost"},
	"aws_lambda_duration_seconds_total":     {Neutral, "Lambda run time billed, for the cost"},
	"aws_dynamodb_reads_total":              {Neutral, "DynamoDB reads, for the cost"},
	"aws_dynamodb_writes_total":             {Neutral, "DynamoDB writes, for the cost"},
	"aws_sqs_requests_measured_total":       {Neutral, "live: SQS requests the endpoint counted"},
	"cost_usd_total":                        {LowerIsBetter, "AWS cost of the run (list prices, no free tier)"},
	"cost_usd_per_million":                  {LowerIsBetter, "AWS cost per million requests offered"},
	"cost_usd_per_month":                    {LowerIsBetter, "AWS cost of a month at the run's rate"},
	"cost.api_gateway_usd":                  {LowerIsBetter, "AWS cost: API Gateway requests"},
	"cost.sqs_usd":                          {LowerIsBetter, "AWS cost: SQS requests"},
	"cost.lambda_requests_usd":              {LowerIsBetter, "AWS cost: Lambda requests"},
	"cost.lambda_compute_usd":               {LowerIsBetter, "AWS cost: Lambda compute"},
	"cost.step_functions_usd":               {LowerIsBetter, "AWS cost: Step Functions state transitions"},
	"cost.dynamodb_reads_usd":               {LowerIsBetter, "AWS cost: DynamoDB reads"},
	"cost.dynamodb_writes_usd":              {LowerIsBetter, "AWS cost: DynamoDB writes"},
}

// alarmTable is the alarm.NAME.* metrics of AlarmMetrics: an alarm firing later after the
// incident is worse; how often and when it fired are neutral (an alarm firing is both trouble
// and its detection).
var alarmTable = map[string]metricInfo{
	"fired_total":         {Neutral, "times the alarm went into ALARM"},
	"seconds_after_event": {LowerIsBetter, "how long after the incident it first fired"},
	"first_fired_seconds": {Neutral, "when it first fired"},
}

// lookupMetric returns what the tables hold of a flat metric name: a name of the contract,
// "per_priority.P.NAME" and "per_client.C.NAME" (NAME's), "alarm.A.SUFFIX", or a cost item
// "cost.ITEM_usd".
func lookupMetric(name string) (metricInfo, bool) {
	if m, ok := metricTable[name]; ok {
		return m, true
	}
	if item, ok := strings.CutPrefix(name, "cost."); ok && strings.HasSuffix(item, "_usd") {
		// a design that costs more for the same work regressed
		return metricInfo{LowerIsBetter, "AWS cost: " + strings.ReplaceAll(strings.TrimSuffix(item, "_usd"), "_", " ")}, true
	}
	for _, prefix := range []string{"per_priority.", "per_client.", "alarm."} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		table := metricTable
		if prefix == "alarm." {
			table = alarmTable
		}
		// the group's name may itself hold dots: try every split.
		for i := strings.IndexByte(rest, '.'); i >= 0; i = nextDot(rest, i) {
			if m, ok := table[rest[i+1:]]; ok {
				return m, true
			}
		}
	}
	return metricInfo{}, false
}

// MetricDirection returns the good direction of a flat metric name (see lookupMetric);
// Neutral for a metric the tables do not hold.
func MetricDirection(name string) Direction {
	m, _ := lookupMetric(name)
	return m.dir
}

// MetricLabel says in words what a flat metric counts (see lookupMetric), or "" for a metric
// the tables do not hold.
func MetricLabel(name string) string {
	m, _ := lookupMetric(name)
	return m.label
}

// nextDot returns the index of the first '.' in s after i, or -1.
func nextDot(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '.')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
