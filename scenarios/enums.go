package scenarios

import "slices"

// The names a scenario file may use for its pluggable parts and enumerated fields. The model's
// registries (arrival shapes, retry policies, latency distributions, quota windows, consumer
// patterns) must know every name listed here; a test in the model package can cross-check
// them. Validate reports any other name together with this list.
var (
	// Modes are the drivers a scenario can run under.
	Modes = []string{"sim", "live", "both"}
	// Priorities are the client priorities; they name the queues of the priority pattern.
	Priorities = []string{"high", "normal", "batch"}
	// Shapes are the arrival shapes.
	Shapes = []string{"constant", "poisson", "ramp", "burst", "sine", "steps", "replay"}
	// Policies are the client retry policies; none makes no retries.
	Policies = []string{"none", "exponential", "full-jitter", "equal-jitter", "decorrelated-jitter"}
	// Distributions are the downstream latency distributions.
	Distributions = []string{"fixed", "uniform", "exponential", "normal", "lognormal", "pareto"}
	// Windows are the quota window kinds.
	Windows = []string{"fixed", "sliding", "token-bucket"}
	// Patterns are the consumer patterns.
	Patterns = []string{"concurrency", "priority", "orchestrator"}
	// Periods are the usage-plan quota periods.
	Periods = []string{"day", "week", "month"}
	// Stats are the alarm statistics.
	Stats = []string{"sum", "average", "max", "p99"}
	// Comparisons are the alarm comparison operators.
	Comparisons = []string{">", ">=", "<", "<="}
	// HeaderStyles are the gateway's throttling-header styles.
	HeaderStyles = []string{"aws", "informative"}
	// GatewayTypes are the kinds of gateway clients call: an API Gateway REST API, an HTTP
	// API, or none.
	GatewayTypes = []string{"rest", "http", "none"}
	// Integrations are the gateway's backend integrations.
	Integrations = []string{"queue", "direct"}
	// StateStores are the orchestrator's state stores.
	StateStores = []string{"memory", "dynamodb"}
	// OutageModes are the ways a downstream outage fails calls.
	OutageModes = []string{"error", "timeout", "reset"}
	// HTTPMethods are the methods of clients and of gateway method keys; ANY is valid only in
	// method keys.
	HTTPMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}
)

// enumLists are the lists a field's enum tag may name (see limits.go): Validate reports a value
// not in its list, and the JSON Schema enumerates it.
var enumLists = map[string][]string{
	"modes": Modes, "priorities": Priorities, "shapes": Shapes, "policies": Policies,
	"distributions": Distributions, "windows": Windows, "patterns": Patterns, "periods": Periods,
	"stats": Stats, "comparisons": Comparisons, "headers": HeaderStyles,
	"integrations": Integrations, "states": StateStores, "outage modes": OutageModes,
	"methods": clientMethods, "gateway types": GatewayTypes,
}

// clientMethods are the methods a client may send: HTTPMethods without ANY.
var clientMethods = slices.DeleteFunc(slices.Clone(HTTPMethods), func(m string) bool { return m == "ANY" })
