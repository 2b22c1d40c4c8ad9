package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// header is the start of every case's file; a case's text starts on line 4.
const header = "name: t\nduration: 1m\nmode: sim\n"

// client is a valid clients section.
const client = "clients:\n  - name: a\n    arrival: {shape: constant, rate: 10/s}\n"

// queue is a valid queues section.
const queue = "queues:\n  - name: q\n"

// markerLine returns the line of the file (header included) that carries the "#<" marker.
func markerLine(t *testing.T, doc string) int {
	t.Helper()
	for i, l := range strings.Split(doc, "\n") {
		if strings.Contains(l, "#<") {
			return i + 1
		}
	}
	t.Fatalf("no #< marker in\n%s", doc)
	return 0
}

// validateCases each hold a file with one problem, on the line marked #<.
var validateCases = []struct {
	name, yaml, path, msg string
}{
	// the top level
	{"name empty", "name: '' #<\nduration: 1m\n" + client, "name", "must not be empty"},
	{"duration missing", "name: t #<\n" + client, "duration", "required field is missing"},
	{"duration zero", "name: t\nduration: 0 #<\n" + client, "duration", "must be greater than 0, got 0s"},
	{"mode", "name: t\nduration: 1m\nmode: fast #<\n" + client, "mode", `unknown mode "fast" (known: sim, live, both)`},
	{"drain negative", "drain: -1s #<\n" + client, "drain", "must not be negative"},
	{"run too long", "name: t\nduration: 10000h #<\nmode: sim\n" + client, "duration",
		"a run of 10000h5m (duration 10000h + drain 5m) is longer than the maximum of 8d (192h)"},
	{"drain takes the run over the maximum", "name: t\nduration: 191h\ndrain: 2h #<\n" + client, "drain",
		"a run of 193h (duration 191h + drain 2h) is longer than the maximum of 8d"},
	{"no clients", "clients: [] #<\n", "clients", "at least one client is required"},
	{"clients missing", "name: t #<\nduration: 1m\n", "clients", "required field is missing"},
	// clients
	{"client name empty", "clients:\n  - name: '' #<\n    arrival: {shape: constant, rate: 1}\n", "clients[0].name", "must not be empty"},
	{"client name twice", client + "  - name: a #<\n    arrival: {shape: constant, rate: 1}\n", "clients[1].name", `client "a" is also clients[0]`},
	{"client arrival missing", "clients:\n  - name: a #<\n", "clients[0].arrival", "required field is missing"},
	{"priority", client + "    priority: urgent #<\n", "clients[0].priority", `unknown priority "urgent" (known: high, normal, batch)`},
	{"method", client + "    method: FETCH #<\n", "clients[0].method", `unknown method "FETCH"`},
	{"method ANY", client + "    method: ANY #<\n", "clients[0].method", `unknown method "ANY"`},
	{"path", client + "    path: orders #<\n", "clients[0].path", `path "orders" must start with /`},
	{"groups", client + "    groups: 0 #<\n", "clients[0].groups", "must be at least 1, got 0"},
	// arrival shapes
	{"shape unknown", "clients:\n  - name: a\n    arrival: {shape: zigzag, rate: 1} #<\n", "clients[0].arrival.shape", `unknown shape "zigzag" (known: constant, poisson, ramp, burst, sine, steps, replay)`},
	{"shape missing", "clients:\n  - name: a\n    arrival: {rate: 1} #<\n", "clients[0].arrival.shape", "required field is missing"},
	{"constant without rate", "clients:\n  - name: a\n    arrival: #<\n      shape: constant\n", "clients[0].arrival.rate", "shape constant requires rate"},
	{"poisson without rate", "clients:\n  - name: a\n    arrival: #<\n      shape: poisson\n", "clients[0].arrival.rate", "shape poisson requires rate"},
	{"peak on constant", "clients:\n  - name: a\n    arrival:\n      shape: constant\n      rate: 1\n      peak: 2 #<\n", "clients[0].arrival.peak", "peak does not apply to shape constant"},
	{"steps on poisson", "clients:\n  - name: a\n    arrival:\n      shape: poisson\n      rate: 1\n      steps: [{at: 0s, rate: 1}] #<\n", "clients[0].arrival.steps", "steps does not apply to shape poisson"},
	{"burst without peak", "clients:\n  - name: a\n    arrival: {shape: burst, rate: 1, at: 1s, for: 1s} #<\n", "clients[0].arrival.peak", "shape burst requires peak"},
	{"burst without at", "clients:\n  - name: a\n    arrival: {shape: burst, rate: 1, peak: 2, for: 1s} #<\n", "clients[0].arrival.at", "shape burst requires at"},
	{"burst after the end", "clients:\n  - name: a\n    arrival:\n      {shape: burst, rate: 1, peak: 2, for: 1s,\n       at: 1m} #<\n", "clients[0].arrival.at", "the burst starts at 1m, not before the load ends (duration 1m)"},
	{"burst for zero", "clients:\n  - name: a\n    arrival:\n      {shape: burst, rate: 1, peak: 2, at: 1s,\n       for: 0s} #<\n", "clients[0].arrival.for", "must be greater than 0"},
	{"ramp without to", "clients:\n  - name: a\n    arrival: {shape: ramp, from: 1} #<\n", "clients[0].arrival.to", "shape ramp requires to"},
	{"rate on ramp", "clients:\n  - name: a\n    arrival:\n      {shape: ramp, from: 1, to: 2,\n       rate: 3} #<\n", "clients[0].arrival.rate", "rate does not apply to shape ramp"},
	{"sine without amplitude", "clients:\n  - name: a\n    arrival: {shape: sine, rate: 5, period: 1m} #<\n", "clients[0].arrival.amplitude", "shape sine requires amplitude"},
	{"sine period zero", "clients:\n  - name: a\n    arrival:\n      {shape: sine, rate: 5, amplitude: 1,\n       period: 0s} #<\n", "clients[0].arrival.period", "must be greater than 0"},
	{"steps empty", "clients:\n  - name: a\n    arrival: {shape: steps, steps: []} #<\n", "clients[0].arrival.steps", "shape steps requires steps"},
	{"steps out of order", "clients:\n  - name: a\n    arrival:\n      shape: steps\n      steps:\n        - {at: 10s, rate: 1}\n        - {at: 10s, rate: 2} #<\n", "clients[0].arrival.steps[1].at", "steps must be in increasing order of at: 10s is not after 10s"},
	{"step without rate", "clients:\n  - name: a\n    arrival:\n      shape: steps\n      steps:\n        - {at: 0s} #<\n", "clients[0].arrival.steps[0].rate", "required field is missing"},
	// retry
	{"retry policy", client + "    retry: {policy: sometimes} #<\n", "clients[0].retry.policy", `unknown policy "sometimes" (known: none, exponential, full-jitter, equal-jitter, decorrelated-jitter)`},
	{"retry policy missing", client + "    retry: {base: 1s} #<\n", "clients[0].retry.policy", "required field is missing"},
	{"retry base over cap", client + "    retry:\n      policy: exponential\n      base: 2s #<\n      cap: 1s\n", "clients[0].retry.base", "base 2s is greater than cap 1s"},
	{"retry attempts zero", client + "    retry:\n      policy: exponential\n      max_attempts: 0 #<\n", "clients[0].retry.max_attempts", "must be between 1 and 100, got 0"},
	{"retry attempts 101", client + "    retry:\n      policy: exponential\n      max_attempts: 101 #<\n", "clients[0].retry.max_attempts", "must be between 1 and 100, got 101"},
	{"retry none retrying", client + "    retry:\n      policy: none\n      max_attempts: 3 #<\n", "clients[0].retry.max_attempts", "policy none makes no retries"},
	// gateway
	{"bucket burst", client + "gateway:\n  stage: {rate: 10, burst: -1} #<\n", "gateway.stage.burst", "must not be negative, got -1"},
	{"bucket burst missing", client + "gateway:\n  account: {rate: 10} #<\n", "gateway.account.burst", "required field is missing"},
	{"method key form", client + "gateway:\n  methods:\n    POST/orders: {rate: 1, burst: 1} #<\n", `gateway.methods["POST/orders"]`, `method key "POST/orders": want "METHOD /path"`},
	{"method key method", client + "gateway:\n  methods:\n    FETCH /orders: {rate: 1, burst: 1} #<\n", `gateway.methods["FETCH /orders"]`, `method key "FETCH /orders"`},
	{"method key bucket", client + "gateway:\n  methods:\n    ANY /*: {rate: 1, burst: -2} #<\n", `gateway.methods["ANY /*"].burst`, "must not be negative"},
	{"headers", client + "gateway:\n  headers: chatty #<\n", "gateway.headers", `unknown headers "chatty" (known: aws, informative)`},
	{"integration", client + "gateway:\n  integration: lambda #<\n", "gateway.integration", `unknown integration "lambda" (known: queue, direct)`},
	{"integration queue without queues", client + "gateway:\n  integration: queue #<\n", "gateway.integration", "integration queue needs at least one queue"},
	{"gateway queue unknown", client + queue + "gateway:\n  queue: high #<\n", "gateway.queue", `queue "high" does not exist (queues: q)`},
	{"gateway timeout", client + "gateway:\n  timeout: 0s #<\n", "gateway.timeout", "must be greater than 0"},
	{"plan name empty", client + "gateway:\n  usage_plans:\n    - name: '' #<\n      keys: [k]\n", "gateway.usage_plans[0].name", "must not be empty"},
	{"plan name twice", client + "gateway:\n  usage_plans:\n    - {name: p, keys: [k]}\n    - {name: p, keys: [l]} #<\n", "gateway.usage_plans[1].name", `usage plan "p" is also usage_plans[0]`},
	{"plan keys empty", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [] #<\n", "gateway.usage_plans[0].keys", "a usage plan needs at least one API key"},
	{"plan key empty", client + "gateway:\n  usage_plans:\n    - name: p\n      keys:\n        - '' #<\n", "gateway.usage_plans[0].keys[0]", "must not be empty"},
	{"plan key in two plans", client + "gateway:\n  usage_plans:\n    - {name: p, keys: [k]}\n    - name: r\n      keys: [l,\n        k] #<\n", "gateway.usage_plans[1].keys[1]", `API key "k" is already in usage plan "p"`},
	{"plan throttle", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [k]\n      throttle: {rate: 1, burst: -1} #<\n", "gateway.usage_plans[0].throttle.burst", "must not be negative"},
	{"plan methods", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [k]\n      methods: {GET: {rate: 1, burst: 1}} #<\n", `gateway.usage_plans[0].methods["GET"]`, `method key "GET"`},
	{"quota period", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [k]\n      quota: {limit: 1, period: year} #<\n", "gateway.usage_plans[0].quota.period", `unknown period "year" (known: day, week, month)`},
	{"quota limit", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [k]\n      quota: {limit: 0, period: day} #<\n", "gateway.usage_plans[0].quota.limit", "must be at least 1, got 0"},
	{"quota offset day", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [k]\n      quota: {limit: 1, period: day, offset: 1} #<\n", "gateway.usage_plans[0].quota.offset", "must be between 0 and 0, got 1"},
	{"quota offset week", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [k]\n      quota: {limit: 1, period: week, offset: 7} #<\n", "gateway.usage_plans[0].quota.offset", "must be between 0 and 6, got 7"},
	{"quota offset month", client + "gateway:\n  usage_plans:\n    - name: p\n      keys: [k]\n      quota: {limit: 1, period: month, offset: 28} #<\n", "gateway.usage_plans[0].quota.offset", "must be between 0 and 27, got 28"},
	// queues
	{"queue name missing", client + "queues:\n  - fifo: true #<\n", "queues[0].name", "required field is missing"},
	{"queue name twice", client + queue + "  - name: q #<\n", "queues[1].name", `queue "q" is also queues[0]`},
	{"visibility timeout", client + queue + "    visibility_timeout: 13h #<\n", "queues[0].visibility_timeout", "must be between 0 and 12h, got 13h"},
	{"max receive count", client + queue + "    max_receive_count: 1001 #<\n", "queues[0].max_receive_count", "must be between 0 and 1000, got 1001"},
	{"delay", client + queue + "    delay: 16m #<\n", "queues[0].delay", "must be between 0 and 15m, got 16m"},
	{"retention short", client + queue + "    retention: 30s #<\n", "queues[0].retention", "must be between 1m and 336h, got 30s"},
	{"retention long", client + queue + "    retention: 15d #<\n", "queues[0].retention", "must be between 1m and 336h, got 360h"},
	{"content dedup", client + queue + "    content_dedup: true #<\n", "queues[0].content_dedup", "content-based deduplication needs a FIFO queue"},
	// consumer
	{"pattern", client + queue + "consumer: {pattern: magic} #<\n", "consumer.pattern", `unknown pattern "magic" (known: concurrency, priority, orchestrator)`},
	{"pattern missing", client + queue + "consumer: {concurrency: 2} #<\n", "consumer.pattern", "required field is missing"},
	{"consumer without queues", client + "consumer: {pattern: orchestrator, pace: 10/s} #<\n", "consumer", "pattern orchestrator reads queues, but there are none"},
	{"concurrency", client + queue + "consumer:\n  pattern: concurrency\n  concurrency: 0 #<\n", "consumer.concurrency", "must be at least 1, got 0"},
	{"batch size", client + queue + "consumer:\n  pattern: concurrency\n  batch_size: 11 #<\n", "consumer.batch_size", "must be between 1 and 10, got 11 (an SQS receive returns at most 10 messages)"},
	{"batch size zero", client + queue + "consumer:\n  pattern: concurrency\n  batch_size: 0 #<\n", "consumer.batch_size", "must be between 1 and 10, got 0"},
	{"order on concurrency", client + queue + "consumer:\n  pattern: concurrency\n  order: [q] #<\n", "consumer.order", "order applies only to pattern priority"},
	{"order unknown queue", client + "queues: [{name: high}, {name: batch}]\nconsumer:\n  pattern: priority\n  order: [high,\n    normal] #<\n", "consumer.order[1]", `queue "normal" does not exist (queues: high, batch)`},
	{"order twice", client + queue + "consumer:\n  pattern: priority\n  order: [q,\n    q] #<\n", "consumer.order[1]", `queue "q" is listed twice`},
	{"order empty", client + queue + "consumer:\n  pattern: priority\n  order: [] #<\n", "consumer.order", "pattern priority needs at least one queue in order"},
	{"orchestrator without pace", client + queue + "consumer: {pattern: orchestrator} #<\n", "consumer.pace", "pattern orchestrator requires pace"},
	{"orchestrator pace zero", client + queue + "consumer:\n  pattern: orchestrator\n  pace: 0/s #<\n", "consumer.pace", "must be greater than 0"},
	{"orchestrator schedule zero", client + queue + "consumer:\n  pattern: orchestrator\n  pace: 1/s\n  schedule: 0s #<\n", "consumer.schedule", "must be greater than 0"},
	{"schedule on concurrency", client + queue + "consumer:\n  pattern: concurrency\n  schedule: 1m #<\n", "consumer.schedule", "schedule applies only to pattern orchestrator"},
	{"state on priority", client + queue + "consumer:\n  pattern: priority\n  state: memory #<\n", "consumer.state", "state applies only to pattern orchestrator"},
	{"state", client + queue + "consumer:\n  pattern: orchestrator\n  pace: 1/s\n  state: redis #<\n", "consumer.state", `unknown state "redis" (known: memory, dynamodb)`},
	{"consumer quota limit", client + queue + "consumer:\n  pattern: orchestrator\n  pace: 1/s\n  quotas:\n    - {limit: 0, per: 1s} #<\n", "consumer.quotas[0].limit", "must be at least 1, got 0"},
	{"consumer quota per", client + queue + "consumer:\n  pattern: orchestrator\n  pace: 1/s\n  quotas:\n    - {limit: 1, per: 0s} #<\n", "consumer.quotas[0].per", "must be greater than 0"},
	{"consumer quota window", client + queue + "consumer:\n  pattern: orchestrator\n  pace: 1/s\n  quotas:\n    - {limit: 1, per: 1s, window: leaky} #<\n", "consumer.quotas[0].window", `unknown window "leaky" (known: fixed, sliding, token-bucket)`},
	{"breaker failures", client + queue + "consumer:\n  pattern: concurrency\n  breaker: {failures: 0} #<\n", "consumer.breaker.failures", "must be at least 1, got 0"},
	{"breaker open for", client + queue + "consumer:\n  pattern: concurrency\n  breaker: {failures: 1, open_for: 0s} #<\n", "consumer.breaker.open_for", "must be greater than 0"},
	{"breaker health check", client + queue + "consumer:\n  pattern: concurrency\n  breaker: {failures: 1, health_check: 0s} #<\n", "consumer.breaker.health_check", "must be greater than 0"},
	{"task token timeout", client + queue + "consumer:\n  pattern: concurrency\n  task_token: {timeout: 0s} #<\n", "consumer.task_token.timeout", "must be greater than 0 and at most 8760h, got 0s"},
	{"task token year", client + queue + "consumer:\n  pattern: concurrency\n  task_token: {timeout: 366d} #<\n", "consumer.task_token.timeout", "must be greater than 0 and at most 8760h, got 8784h"},
	{"task token heartbeat", client + queue + "consumer:\n  pattern: concurrency\n  task_token: {timeout: 1m, heartbeat: 1m} #<\n", "consumer.task_token.heartbeat", "must be at least 0 and less than the timeout 1m, got 1m"},
	{"lambda timeout", client + queue + "consumer:\n  pattern: concurrency\n  timeout: 16m #<\n", "consumer.timeout", "must be greater than 0 and at most 15m, got 16m"},
	{"memory", client + queue + "consumer:\n  pattern: concurrency\n  memory_mb: 64 #<\n", "consumer.memory_mb", "must be between 128 and 10240, got 64"},
	// downstream
	{"downstream quota", client + "downstream:\n  quotas: [{limit: 0, per: 1s, window: fixed}] #<\n", "downstream.quotas[0].limit", "must be at least 1, got 0"},
	{"downstream quota window", client + "downstream:\n  quotas: [{limit: 1, per: 1s, window: daily}] #<\n", "downstream.quotas[0].window", `unknown window "daily"`},
	{"latency dist", client + "downstream:\n  latency: {dist: gamma} #<\n", "downstream.latency.dist", `unknown dist "gamma" (known: fixed, uniform, exponential, normal, lognormal, pareto)`},
	{"fixed without value", client + "downstream:\n  latency: {dist: fixed} #<\n", "downstream.latency.value", "dist fixed requires value"},
	{"mean on fixed", client + "downstream:\n  latency: {dist: fixed, value: 1ms, mean: 2ms} #<\n", "downstream.latency.mean", "mean does not apply to dist fixed"},
	{"uniform order", client + "downstream:\n  latency: {dist: uniform, min: 2ms, max: 1ms} #<\n", "downstream.latency.min", "min 2ms is greater than max 1ms"},
	{"exponential mean", client + "downstream:\n  latency: {dist: exponential, mean: 0s} #<\n", "downstream.latency.mean", "must be greater than 0"},
	{"normal without stddev", client + "downstream:\n  latency: {dist: normal, mean: 1ms} #<\n", "downstream.latency.stddev", "dist normal requires stddev"},
	{"lognormal order", client + "downstream:\n  latency: {dist: lognormal, median: 2s, p99: 1s} #<\n", "downstream.latency.p99", "p99 1s must be greater than the median 2s"},
	{"pareto alpha", client + "downstream:\n  latency: {dist: pareto, min: 1ms, alpha: 1} #<\n", "downstream.latency.alpha", "must be greater than 1"},
	{"pareto min", client + "downstream:\n  latency: {dist: pareto, min: 0s, alpha: 2} #<\n", "downstream.latency.min", "must be greater than 0"},
	{"alpha on lognormal", client + "downstream:\n  latency: {dist: lognormal, median: 1s, p99: 2s, alpha: 2} #<\n", "downstream.latency.alpha", "alpha does not apply to dist lognormal"},
	{"negative latency", client + "downstream:\n  latency: {dist: fixed, value: -1ms} #<\n", "downstream.latency.value", "must not be negative"},
	{"error rate", client + "downstream:\n  errors: {rate: 1.5} #<\n", "downstream.errors.rate", "must be between 0 and 1, got 1.5"},
	{"error status", client + "downstream:\n  errors: {rate: 0.1, status: 404} #<\n", "downstream.errors.status", "must be between 500 and 599, got 404"},
	{"outage mode", client + "downstream:\n  outages: [{at: 1s, for: 1s, mode: flaky}] #<\n", "downstream.outages[0].mode", `unknown mode "flaky" (known: error, timeout, reset)`},
	{"outage for", client + "downstream:\n  outages: [{at: 1s, for: 0s, mode: reset}] #<\n", "downstream.outages[0].for", "must be greater than 0"},
	{"outage at", client + "downstream:\n  outages: [{at: -1s, for: 1s, mode: reset}] #<\n", "downstream.outages[0].at", "must not be negative"},
	{"outage status", client + "downstream:\n  outages: [{at: 1s, for: 1s, mode: error, status: 429}] #<\n", "downstream.outages[0].status", "must be between 500 and 599, got 429"},
	{"outage status on timeout", client + "downstream:\n  outages: [{at: 1s, for: 1s, mode: timeout, status: 503}] #<\n", "downstream.outages[0].status", "status applies only to mode error"},
	{"downstream timeout", client + "downstream:\n  timeout: 0s #<\n", "downstream.timeout", "must be greater than 0"},
	{"health path", client + "downstream:\n  health_path: health #<\n", "downstream.health_path", `path "health" must start with /`},
	// alarms
	{"alarm name", client + "alarms:\n  - {name: '', metric: offered, stat: sum, period: 1m, evaluation_periods: 1, comparison: '>', threshold: 1} #<\n", "alarms[0].name", "must not be empty"},
	{"alarm name twice", client + "alarms:\n  - {name: a, metric: offered, stat: sum, period: 1m, evaluation_periods: 1, comparison: '>', threshold: 1}\n  - {name: a, metric: offered, stat: sum, period: 1m, evaluation_periods: 1, comparison: '>', threshold: 1} #<\n", "alarms[1].name", `alarm "a" is also alarms[0]`},
	{"alarm metric", client + "alarms:\n  - {name: a, metric: '', stat: sum, period: 1m, evaluation_periods: 1, comparison: '>', threshold: 1} #<\n", "alarms[0].metric", "must not be empty"},
	{"alarm stat", client + "alarms:\n  - {name: a, metric: offered, stat: p50, period: 1m, evaluation_periods: 1, comparison: '>', threshold: 1} #<\n", "alarms[0].stat", `unknown stat "p50" (known: sum, average, max, p99)`},
	{"alarm period", client + "alarms:\n  - {name: a, metric: offered, stat: sum, period: 1500ms, evaluation_periods: 1, comparison: '>', threshold: 1} #<\n", "alarms[0].period", "must be a whole number of seconds, at least 1s, got 1.5s"},
	{"alarm period short", client + "alarms:\n  - {name: a, metric: offered, stat: sum, period: 500ms, evaluation_periods: 1, comparison: '>', threshold: 1} #<\n", "alarms[0].period", "must be a whole number of seconds, at least 1s, got 500ms"},
	{"alarm evaluation periods", client + "alarms:\n  - {name: a, metric: offered, stat: sum, period: 1m, evaluation_periods: 0, comparison: '>', threshold: 1} #<\n", "alarms[0].evaluation_periods", "must be at least 1, got 0"},
	{"alarm comparison", client + "alarms:\n  - {name: a, metric: offered, stat: sum, period: 1m, evaluation_periods: 1, comparison: '==', threshold: 1} #<\n", "alarms[0].comparison", `unknown comparison "==" (known: >, >=, <, <=)`},
	{"alarm threshold missing", client + "alarms:\n  - {name: a, metric: offered, stat: sum, period: 1m, evaluation_periods: 1, comparison: '>'} #<\n", "alarms[0].threshold", "required field is missing"},
	// slo
	{"slo", client + "slo:\n  - lost_total == 0\n  - e2e_seconds_p99 about 30 #<\n", "slo[1]", `threshold "e2e_seconds_p99 about 30": want METRIC OP NUMBER`},
	{"slo number", client + "slo:\n  - lost_total == zero #<\n", "slo[0]", `threshold "lost_total == zero": "zero" is not a number`},
}

func TestValidateRules(t *testing.T) {
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.yaml
			if !strings.HasPrefix(doc, "name:") && !strings.HasPrefix(doc, "duration:") {
				doc = header + doc
			}
			_, err := LoadBytes("dir/t.yaml", []byte(doc))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want an ErrorList", err)
			}
			want := fmt.Sprintf("dir/t.yaml:%d: %s: %s", markerLine(t, doc), tc.path, tc.msg)
			if len(list) != 1 || !strings.HasPrefix(list[0].Error(), want) {
				t.Errorf("file:\n%s\ngot:\n%v\nwant one error starting %q", doc, err, want)
			}
		})
	}
}

// TestValidateValid loads files that use every section correctly.
func TestValidateValid(t *testing.T) {
	for _, f := range []string{"testdata/full.yaml", "testdata/orchestrator.yaml"} {
		if _, err := Load(f); err != nil {
			t.Errorf("Load(%s): %v", f, err)
		}
	}
}

func TestValidateWithoutLines(t *testing.T) {
	s := &Scenario{Name: "x", Duration: Duration(1e9), Clients: []Client{{Name: "a", Arrival: Arrival{Shape: "constant", Rate: RateOf(1)}}}}
	s.ApplyDefaults()
	if errs := s.Validate(); errs != nil {
		t.Errorf("a scenario built in code: %v", errs)
	}
	s.Clients[0].Arrival.Shape = "wave"
	errs := s.Validate()
	if len(errs) != 1 || errs[0].Error() != `: clients[0].arrival.shape: unknown shape "wave" (known: constant, poisson, ramp, burst, sine, steps, replay)` {
		t.Errorf("got %v", errs)
	}
}

// TestNamesHaveParameters keeps the parameter tables in step with the name lists.
func TestNamesHaveParameters(t *testing.T) {
	for _, s := range Shapes {
		if _, ok := shapeParams[s]; !ok {
			t.Errorf("shape %s has no entry in shapeParams", s)
		}
	}
	for _, d := range Distributions {
		if _, ok := distParams[d]; !ok {
			t.Errorf("dist %s has no entry in distParams", d)
		}
	}
	if len(shapeParams) != len(Shapes) || len(distParams) != len(Distributions) {
		t.Errorf("parameter tables name shapes or distributions the lists do not")
	}
}

// TestNameDefaultsToFileName: a file without a name is named after itself; a name that
// differs from the file's is a warning at its line, not an error.
func TestNameDefaultsToFileName(t *testing.T) {
	cases := []struct {
		file, doc, name, warning string
	}{
		{"dir/my-scenario.yaml", "duration: 1m\n" + client, "my-scenario", ""},
		{"dir/other.yml", "duration: 1m\n" + client, "other", ""},
		{"dir/t.yaml", "name: t\nduration: 1m\n" + client, "t", ""},
		{"dir/t.yaml", "duration: 1m\nname: imported\n" + client, "imported",
			`dir/t.yaml:2: warning: name: name "imported" differs from the file name "t": results and reports use "imported"`},
	}
	for _, tc := range cases {
		s, err := LoadBytes(tc.file, []byte(tc.doc))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if s.Name != tc.name {
			t.Errorf("%s: name %q, want %q", tc.file, s.Name, tc.name)
		}
		ws := s.Warnings()
		if got := ws.Error(); got != tc.warning {
			t.Errorf("%s: warnings %q, want %q", tc.file, got, tc.warning)
		}
	}
	// Without a file there is nothing to name the scenario after.
	s := &Scenario{Duration: Duration(1e9), Clients: []Client{{Name: "a", Arrival: Arrival{Shape: "constant", Rate: RateOf(1)}}}}
	s.ApplyDefaults()
	if errs := s.Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "name: must not be empty") {
		t.Errorf("a scenario built in code without a name: %v", errs)
	}
}
