// Package scenarios holds the scenario file format of SCENARIOS.md, its strict decoder, its
// validation and the embedded catalog of example scenarios.
//
// A Scenario is plain data: decoding fills it, Validate checks it, ApplyDefaults fills what the
// file left out. Every field keeps the YAML name of the contract; extensions are marked as such.
package scenarios

import (
	"time"
)

// Scenario is one scenario file.
type Scenario struct {
	// Name names the scenario in results and reports. Left out, it is the file's base name
	// without .yaml or .yml; a name that differs from the file's is a warning (see Warnings).
	Name        string   `yaml:"name" json:"name,omitempty" jsonschema:"minLength=1,description=default: the file's base name without .yaml/.yml (a different name is a warning)"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Seed        *int64   `yaml:"seed" json:"seed,omitempty" jsonschema:"description=default 1; same seed + same mode = same simulated summary"`
	Duration    Duration `yaml:"duration" json:"duration,omitempty" limit:">0" jsonschema:"description=how long load is offered; required unless a client replays a trace (default: the trace's span)"`
	// Drain is how long queues may take to empty after load stops (default 5m sim, 30s live).
	Drain *Duration `yaml:"drain" json:"drain,omitempty" limit:">=0"`
	Mode  string    `yaml:"mode" json:"mode,omitempty" enum:"modes"`
	// Start is the wall-clock instant the simulated run begins (extension): it places quota
	// periods (day, week, month) and fixed windows. Default 2026-01-05T00:00:00Z, a Monday.
	Start *time.Time `yaml:"start" json:"start,omitempty"`

	Clients    []Client    `yaml:"clients" json:"clients" jsonschema:"minItems=1"`
	Gateway    *Gateway    `yaml:"gateway" json:"gateway,omitempty"`
	Queues     []Queue     `yaml:"queues" json:"queues,omitempty"`
	Consumer   *Consumer   `yaml:"consumer" json:"consumer,omitempty"`
	Downstream *Downstream `yaml:"downstream" json:"downstream,omitempty"`
	Alarms     []Alarm     `yaml:"alarms" json:"alarms,omitempty"`
	SLO        []string    `yaml:"slo" json:"slo,omitempty"`
	// Variants makes a comparison scenario (extension): the same clients and traffic run
	// through each variant's design in turn, side by side in one report.
	Variants []Variant `yaml:"variants" json:"variants,omitempty"`
	// Origin records the CloudFormation or SAM template an imported scenario came from
	// (extension, written by `throttlelab import`); nil for a scenario written by hand. It
	// changes nothing in a run.
	Origin *Origin `yaml:"source" json:"source,omitempty"`

	// File is the path the scenario was read from, for messages.
	File string `yaml:"-" json:"-"`
	// Source is the file's bytes as read.
	Source []byte `yaml:"-" json:"-"`
	// lines maps a field path ("clients[0].arrival.shape") to its line in File.
	lines map[string]int
	// isVariant marks the scenario VariantScenario made of one variant.
	isVariant bool
}

// Variant is one design of a comparison scenario: each section it gives replaces the
// scenario's own; the clients, duration, seed, alarms and SLOs are shared.
type Variant struct {
	Name        string      `yaml:"name" json:"name" jsonschema:"minLength=1"`
	Description string      `yaml:"description" json:"description,omitempty"`
	Gateway     *Gateway    `yaml:"gateway" json:"gateway,omitempty"`
	Queues      []Queue     `yaml:"queues" json:"queues,omitempty"`
	Consumer    *Consumer   `yaml:"consumer" json:"consumer,omitempty"`
	Downstream  *Downstream `yaml:"downstream" json:"downstream,omitempty"`
}

// Client is one source of traffic: an open-model arrival process, optionally retrying.
type Client struct {
	Name     string  `yaml:"name" json:"name" jsonschema:"minLength=1"`
	APIKey   string  `yaml:"api_key" json:"api_key,omitempty" jsonschema:"description=sent as x-api-key"`
	Priority string  `yaml:"priority" json:"priority,omitempty" enum:"priorities"`
	Method   string  `yaml:"method" json:"method,omitempty" enum:"methods" jsonschema:"description=default POST"`
	Path     string  `yaml:"path" json:"path,omitempty" jsonschema:"pattern=^/,description=default /"`
	Arrival  Arrival `yaml:"arrival" json:"arrival"`
	Retry    *Retry  `yaml:"retry" json:"retry,omitempty"`
	// Groups spreads the client's messages over this many FIFO message groups (extension,
	// default 1): group IDs are "<client>-0" … "<client>-(N-1)", assigned round robin.
	Groups int `yaml:"groups" json:"groups,omitempty" limit:">=1"`
}

// Arrival is an arrival process; which fields apply depends on Shape.
type Arrival struct {
	Shape     string    `yaml:"shape" json:"shape" enum:"shapes"`
	Rate      *Rate     `yaml:"rate" json:"rate,omitempty"`
	Peak      *Rate     `yaml:"peak" json:"peak,omitempty"`
	At        *Duration `yaml:"at" json:"at,omitempty" limit:">=0"`
	For       *Duration `yaml:"for" json:"for,omitempty" limit:">0"`
	From      *Rate     `yaml:"from" json:"from,omitempty"`
	To        *Rate     `yaml:"to" json:"to,omitempty"`
	Amplitude *Rate     `yaml:"amplitude" json:"amplitude,omitempty"`
	Period    *Duration `yaml:"period" json:"period,omitempty" limit:">0"`
	Steps     []Step    `yaml:"steps" json:"steps,omitempty" jsonschema:"minItems=1"`
	// Replay (extension): recorded traffic. File is relative to the scenario file.
	File   string       `yaml:"file" json:"file,omitempty" jsonschema:"description=replay: the access log, relative to the scenario file; .gz is read"`
	Format string       `yaml:"format" json:"format,omitempty" jsonschema:"enum=apigw-json,enum=apigw-clf,enum=alb,enum=vegeta,enum=csv,description=replay: default detected from the first line"`
	Speed  *float64     `yaml:"speed" json:"speed,omitempty" jsonschema:"description=replay: 2 replays twice as fast (default 1)"`
	APIKey string       `yaml:"api_key" json:"api_key,omitempty" jsonschema:"description=replay: only the requests logged with this API key"`
	Fields *TraceFields `yaml:"fields" json:"fields,omitempty" jsonschema:"description=replay: the members of an apigw-json log holding the time, key, method and path"`
	// trace is File resolved and scanned by ApplyDefaults.
	trace *ReplayTrace
}

// Step is one level of a steps arrival: from At on, Rate.
type Step struct {
	At   Duration `yaml:"at" json:"at" limit:">=0"`
	Rate Rate     `yaml:"rate" json:"rate"`
}

// Retry is what a client does with a 429 or 5xx answer.
type Retry struct {
	Policy          string    `yaml:"policy" json:"policy" enum:"policies"`
	Base            *Duration `yaml:"base" json:"base,omitempty" limit:">0" jsonschema:"description=default 100ms"`
	Cap             *Duration `yaml:"cap" json:"cap,omitempty" limit:">0" jsonschema:"description=default 10s"`
	MaxAttempts     int       `yaml:"max_attempts" json:"max_attempts,omitempty" limit:">=1,<=100" jsonschema:"description=attempts in all; the first included (default 5)"`
	HonorRetryAfter bool      `yaml:"honor_retry_after" json:"honor_retry_after,omitempty"`
}

// Origin is where an imported scenario came from: the template, the parameter values it was
// imported with, and for each scenario field the template property its value was read from.
type Origin struct {
	// Template is the template's path as given to import, relative to the scenario file's
	// directory when import knew where the scenario would be written.
	Template string `yaml:"template" json:"template,omitempty"`
	// Params are the parameter values given with --param.
	Params map[string]string `yaml:"params" json:"params,omitempty"`
	// Fields maps a scenario field path, as `sweep --set` names it
	// ("gateway.usage_plans[1].throttle.burst"), to the template property its value came
	// from: "LogicalId.Properties.A.B[0].C", "Parameters.Name.Default" for a parameter's
	// default, "Parameters.Name" for a value given with --param, "Mappings.M.K1.K2" for a
	// mapping entry. A property of another file (a nested stack's template, an AWS::Include
	// file, a state machine definition) is prefixed with that file's path, relative to
	// Template's directory, and "#".
	Fields map[string]string `yaml:"fields" json:"fields,omitempty"`
}

// Gateway is what clients call: an API Gateway REST API stage (type rest), an HTTP API stage
// (type http), or nothing (type none: producers call SQS or Lambda directly).
type Gateway struct {
	// Type is rest (default), http or none (extension). An HTTP API has no API keys or usage
	// plans and is priced at the HTTP API rate; with none there is no API Gateway at all: no
	// limits apply and none is billed.
	Type           string            `yaml:"type" json:"type,omitempty" enum:"gateway types"`
	Account        *Bucket           `yaml:"account" json:"account,omitempty"`
	Stage          *Bucket           `yaml:"stage" json:"stage,omitempty"`
	Methods        map[string]Bucket `yaml:"methods" json:"methods,omitempty"`
	APIKeyRequired bool              `yaml:"api_key_required" json:"api_key_required,omitempty"`
	// APIKeyMethods overrides APIKeyRequired per method (extension): "POST /orders": true
	// makes that method require an API key, false makes it need none. Usage plans apply only
	// to methods that require a key.
	APIKeyMethods map[string]bool `yaml:"api_key_methods" json:"api_key_methods,omitempty"`
	UsagePlans    []UsagePlan     `yaml:"usage_plans" json:"usage_plans,omitempty"`
	Headers       string          `yaml:"headers" json:"headers,omitempty" enum:"headers"`
	Integration   string          `yaml:"integration" json:"integration,omitempty" enum:"integrations"`
	Queue         string          `yaml:"queue" json:"queue,omitempty"`
	// Timeout is the integration timeout of direct integrations (extension; default 29s as AWS).
	Timeout *Duration `yaml:"timeout" json:"timeout,omitempty" limit:">0"`
}

// Bucket is a token bucket: Rate tokens per second, at most Burst.
type Bucket struct {
	Rate  Rate `yaml:"rate" json:"rate" limit:">=0"`
	Burst int  `yaml:"burst" json:"burst" limit:">=0"`
}

// UsagePlan throttles and meters the API keys it lists.
type UsagePlan struct {
	Name     string            `yaml:"name" json:"name" jsonschema:"minLength=1"`
	Keys     []string          `yaml:"keys" json:"keys" jsonschema:"minItems=1,minLength=1"`
	Throttle *Bucket           `yaml:"throttle" json:"throttle,omitempty"`
	Quota    *PlanQuota        `yaml:"quota" json:"quota,omitempty"`
	Methods  map[string]Bucket `yaml:"methods" json:"methods,omitempty" jsonschema:"description=per-method throttling inside the plan (extension)"`
}

// PlanQuota is a usage plan's request quota per period.
type PlanQuota struct {
	Limit  int64  `yaml:"limit" json:"limit" limit:">=1"`
	Period string `yaml:"period" json:"period" enum:"periods"`
	// Offset is the day the period starts, as AWS QuotaSettings.offset: 0 for day; 0–6 for
	// week (0 = Sunday); 0–27 for month (0 = the 1st).
	Offset int `yaml:"offset" json:"offset,omitempty"`
}

// Queue is an SQS queue.
type Queue struct {
	Name              string    `yaml:"name" json:"name" jsonschema:"minLength=1"`
	VisibilityTimeout *Duration `yaml:"visibility_timeout" json:"visibility_timeout,omitempty" limit:">=0,<=12h" jsonschema:"description=default 30s"`
	MaxReceiveCount   int       `yaml:"max_receive_count" json:"max_receive_count,omitempty" limit:">=0,<=1000" jsonschema:"description=redrive to <name>-dlq after this many receives; 0 = no DLQ"`
	FIFO              bool      `yaml:"fifo" json:"fifo,omitempty"`
	Delay             Duration  `yaml:"delay" json:"delay,omitempty" limit:">=0,<=15m"`
	Retention         *Duration `yaml:"retention" json:"retention,omitempty" limit:">=1m,<=14d" jsonschema:"description=default 96h"`
	// ContentDedup is FIFO content-based deduplication (extension). Without it each request
	// gets its own deduplication ID, and only client retries of one request are deduplicated.
	ContentDedup bool `yaml:"content_dedup" json:"content_dedup,omitempty"`
}

// Consumer is how work leaves the queues.
type Consumer struct {
	Pattern      string     `yaml:"pattern" json:"pattern" enum:"patterns"`
	Concurrency  int        `yaml:"concurrency" json:"concurrency,omitempty" limit:">=1"`
	BatchSize    int        `yaml:"batch_size" json:"batch_size,omitempty" limit:">=1,<=10; an SQS receive returns at most 10 messages"`
	PollerRamp   bool       `yaml:"poller_ramp" json:"poller_ramp,omitempty"`
	Order        []string   `yaml:"order" json:"order,omitempty"`
	Schedule     *Duration  `yaml:"schedule" json:"schedule,omitempty" limit:">0"`
	Pace         *Rate      `yaml:"pace" json:"pace,omitempty" limit:">0"`
	Quotas       []Quota    `yaml:"quotas" json:"quotas,omitempty"`
	Breaker      *Breaker   `yaml:"breaker" json:"breaker,omitempty"`
	RequeueFirst bool       `yaml:"requeue_first" json:"requeue_first,omitempty"`
	TaskToken    *TaskToken `yaml:"task_token" json:"task_token,omitempty"`
	State        string     `yaml:"state" json:"state,omitempty" enum:"states"`
	// Timeout is the Lambda function timeout (extension; default 5m for the orchestrator, 30s
	// for workers), at most 15m.
	Timeout *Duration `yaml:"timeout" json:"timeout,omitempty" limit:">0,<=15m"`
	// MemoryMB is the Lambda memory size (extension, default 128), for cost estimates.
	MemoryMB int `yaml:"memory_mb" json:"memory_mb,omitempty" limit:">=128,<=10240"`
}

// Quota is one tier of a multi-tier quota: at most Limit calls per Per.
type Quota struct {
	Limit  int64    `yaml:"limit" json:"limit" limit:">=1"`
	Per    Duration `yaml:"per" json:"per" limit:">0"`
	Window string   `yaml:"window" json:"window,omitempty" enum:"windows"`
}

// Breaker is the orchestrator's circuit breaker.
type Breaker struct {
	Failures    int      `yaml:"failures" json:"failures" limit:">=1"`
	OpenFor     Duration `yaml:"open_for" json:"open_for,omitempty" limit:">0" jsonschema:"description=default 30s"`
	HealthCheck Duration `yaml:"health_check" json:"health_check,omitempty" limit:">0" jsonschema:"description=default 10s"`
}

// TaskToken makes each request wait in a Step Functions execution for its callback.
type TaskToken struct {
	Timeout   Duration `yaml:"timeout" json:"timeout" limit:">0,<=365d"`
	Heartbeat Duration `yaml:"heartbeat" json:"heartbeat,omitempty"`
}

// Downstream is the fake third-party API.
type Downstream struct {
	Quotas     []Quota   `yaml:"quotas" json:"quotas,omitempty"`
	PerKey     bool      `yaml:"per_key" json:"per_key,omitempty"`
	Latency    *Latency  `yaml:"latency" json:"latency,omitempty"`
	Errors     *Errors   `yaml:"errors" json:"errors,omitempty"`
	Outages    []Outage  `yaml:"outages" json:"outages,omitempty"`
	RetryAfter bool      `yaml:"retry_after" json:"retry_after,omitempty"`
	Timeout    *Duration `yaml:"timeout" json:"timeout,omitempty" limit:">0" jsonschema:"description=the caller's timeout (default 3s)"`
	HealthPath string    `yaml:"health_path" json:"health_path,omitempty" jsonschema:"pattern=^/"`
	// URL is a real service that a live run's workers and direct integrations call instead of
	// the fake API (extension): each call is a POST to URL exactly, with the caller's
	// x-api-key; health checks GET health_path on its host. Its quotas and latency are then
	// measured, not emulated (quotas above still give utilization, and every section above
	// remains the simulation's model). Empty: the fake API.
	URL string `yaml:"url" json:"url,omitempty" jsonschema:"format=uri,pattern=^https?://,description=live: a real service the workers call instead of the fake API (POST to this URL; loopback unless run with --allow-remote-target)"`
}

// Latency is a service-time distribution; which fields apply depends on Dist.
type Latency struct {
	Dist   string    `yaml:"dist" json:"dist" enum:"distributions"`
	Value  *Duration `yaml:"value" json:"value,omitempty" limit:">=0"`
	Min    *Duration `yaml:"min" json:"min,omitempty" limit:">=0"`
	Max    *Duration `yaml:"max" json:"max,omitempty" limit:">=0"`
	Mean   *Duration `yaml:"mean" json:"mean,omitempty" limit:">=0"`
	Stddev *Duration `yaml:"stddev" json:"stddev,omitempty" limit:">=0"`
	Median *Duration `yaml:"median" json:"median,omitempty" limit:">=0"`
	P99    *Duration `yaml:"p99" json:"p99,omitempty" limit:">=0"`
	Alpha  *float64  `yaml:"alpha" json:"alpha,omitempty" limit:">1; the mean is infinite otherwise"`
}

// Errors makes a fraction of admitted calls fail.
type Errors struct {
	Rate   float64 `yaml:"rate" json:"rate" limit:">=0,<=1"`
	Status int     `yaml:"status" json:"status,omitempty" limit:">=500,<=599"`
}

// Outage is a window of failure of the downstream API.
type Outage struct {
	At     Duration `yaml:"at" json:"at" limit:">=0"`
	For    Duration `yaml:"for" json:"for" limit:">0"`
	Mode   string   `yaml:"mode" json:"mode" enum:"outage modes"`
	Status int      `yaml:"status" json:"status,omitempty"`
}

// Alarm is a CloudWatch-style alarm over a series of series.csv.
type Alarm struct {
	Name              string   `yaml:"name" json:"name" jsonschema:"minLength=1"`
	Metric            string   `yaml:"metric" json:"metric" jsonschema:"minLength=1"`
	Stat              string   `yaml:"stat" json:"stat" enum:"stats"`
	Period            Duration `yaml:"period" json:"period"`
	EvaluationPeriods int      `yaml:"evaluation_periods" json:"evaluation_periods" limit:">=1"`
	Comparison        string   `yaml:"comparison" json:"comparison" enum:"comparisons"`
	Threshold         float64  `yaml:"threshold" json:"threshold"`
}

// Line returns the line of the field at path ("clients[0].arrival.shape"), or of the nearest
// enclosing field that has one, or the line the document's fields start on, or 0 for a
// scenario that was not decoded.
func (s *Scenario) Line(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := s.lines[p]; ok {
			return l
		}
	}
	return s.lines[""]
}
