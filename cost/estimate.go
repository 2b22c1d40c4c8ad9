package cost

import (
	"math"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// PayloadBytes is the request payload the estimate assumes: scenario files have no field for
// it. SQS bills each 64 KB chunk of a payload as one request, so a 1 KB message is one
// request per SendMessage.
const PayloadBytes = 1024

// sqsChunk is the payload size SQS bills as one request.
const sqsChunk = 64 * 1024

// monthSeconds is the 30-day month of Breakdown.PerMonthUSD.
const monthSeconds = 30 * 24 * 3600

// Item is one line of an estimate: Quantity units billed, costing USD.
type Item struct {
	Name     string  `json:"name"` // snake_case: the metric is cost.NAME_usd
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	USD      float64 `json:"usd"`
}

// Breakdown is the estimated AWS cost of one run.
type Breakdown struct {
	Items []Item `json:"items"`
	// TotalUSD is the cost of the whole run, its drain included.
	TotalUSD float64 `json:"total_usd"`
	// PerMillionUSD is TotalUSD per million offered requests (0 when none was offered).
	PerMillionUSD float64 `json:"per_million_usd"`
	// PerMonthUSD is TotalUSD scaled from the time load was offered to 30 days: the cost of
	// the run's offered rate sustained for a month (0 when no load was offered).
	PerMonthUSD float64 `json:"per_month_usd"`
}

// Estimate prices the AWS usage of a run's summary. What is billed:
//
//   - api_gateway: gateway_admitted_total, the attempts API Gateway passed to its
//     integration, including those whose backend then failed (a throttled Lambda's 500 is
//     billed), at the REST API price, or the HTTP API price for gateway.type http; nothing
//     for gateway.type none (producers call SQS or Lambda directly). Attempts refused by the
//     gateway itself (429 throttled, 429 quota exceeded, 403 missing or unknown API key) are
//     not billed: AWS does not charge for requests that are
//     throttled or fail authorization (AWS re:Post answers by AWS staff,
//     https://repost.aws/questions/QUm1jSF1ieSQ25Ol1RzFLysA and
//     https://repost.aws/questions/QUY2x146iORPmsJHpff8u0eA, which quote the withdrawn
//     developer-guide page api-gateway-pricing.html). A scenario without a gateway section
//     still has a REST API in front, without limits of its own.
//   - sqs: aws_sqs_send_requests_total × the 64 KB chunks of PayloadBytes, plus
//     aws_sqs_receive_requests_total (empty receives included) and
//     aws_sqs_delete_requests_total, at the FIFO price when any queue is FIFO (the summary
//     does not split requests by queue, so a mix is priced as FIFO, an upper bound).
//   - lambda_requests and lambda_compute: aws_lambda_invocations_total, and
//     aws_lambda_duration_seconds_total × consumer.memory_mb / 1024 GB-seconds (durations
//     are summed exactly, not rounded up to 1 ms each). For a direct integration to a Lambda
//     backend whose summary counts no invocations, each downstream call is an invocation
//     lasting downstream_seconds_mean.
//   - step_functions: sfn_state_transitions_total (task-token executions; 0 when absent).
//   - dynamodb_reads and dynamodb_writes: aws_dynamodb_reads_total and
//     aws_dynamodb_writes_total, one request unit each (items under 1 KB; reads strongly
//     consistent, an upper bound).
//
// A metric the summary lacks counts as 0.
func Estimate(sc *scenarios.Scenario, s *metrics.Summary, p Prices) Breakdown {
	m := func(name string) float64 {
		if v, ok := s.Metrics[name]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
		return 0
	}
	inv, secs := lambdaUsage(sc, m)
	gbs := secs * float64(memoryMB(sc)) / 1024
	chunks := math.Ceil(float64(PayloadBytes) / sqsChunk)
	sqs := m("aws_sqs_send_requests_total")*chunks + m("aws_sqs_receive_requests_total") +
		m("aws_sqs_delete_requests_total")
	sqsPrice := p.SQSStandardPerMillion
	if anyFIFO(sc) {
		sqsPrice = p.SQSFIFOPerMillion
	}
	items := []Item{
		gatewayItem(sc, m("gateway_admitted_total"), p),
		item("sqs", sqs, "requests", sqsPrice/1e6),
		item("lambda_requests", inv, "invocations", p.LambdaRequestsPerMillion/1e6),
		item("lambda_compute", gbs, "GB-seconds", p.LambdaGBSecond),
		item("step_functions", m("sfn_state_transitions_total"), "state transitions", p.StepFunctionsPerThousand/1e3),
		item("dynamodb_reads", m("aws_dynamodb_reads_total"), "read request units", p.DynamoDBReadPerMillion/1e6),
		item("dynamodb_writes", m("aws_dynamodb_writes_total"), "write request units", p.DynamoDBWritePerMillion/1e6),
	}
	b := Breakdown{Items: items}
	for _, it := range items {
		b.TotalUSD += it.USD
	}
	if offered := m("offered_total"); offered > 0 {
		b.PerMillionUSD = b.TotalUSD / offered * 1e6
	}
	if secs := offeredSeconds(sc, s); secs > 0 {
		b.PerMonthUSD = b.TotalUSD / secs * monthSeconds
	}
	return b
}

// gatewayItem prices the calls API Gateway received at the rate of the gateway's type.
func gatewayItem(sc *scenarios.Scenario, admitted float64, p Prices) Item {
	typ := ""
	if sc != nil && sc.Gateway != nil {
		typ = sc.Gateway.Type
	}
	switch typ {
	case "none":
		return item("api_gateway", 0, "requests", 0)
	case "http":
		return item("api_gateway", admitted, "requests", p.HTTPAPIPerMillion/1e6)
	}
	return item("api_gateway", admitted, "requests", p.APIGatewayPerMillion/1e6)
}

func item(name string, qty float64, unit string, unitUSD float64) Item {
	return Item{Name: name, Quantity: qty, Unit: unit, USD: qty * unitUSD}
}

// lambdaUsage returns the Lambda invocations and their summed duration in seconds.
func lambdaUsage(sc *scenarios.Scenario, m func(string) float64) (inv, secs float64) {
	inv, secs = m("aws_lambda_invocations_total"), m("aws_lambda_duration_seconds_total")
	if inv == 0 && directLambda(sc) {
		inv = m("downstream_calls_total")
		secs = inv * m("downstream_seconds_mean")
	}
	return inv, secs
}

// directLambda reports whether the gateway calls a Lambda function synchronously: a direct
// integration with a consumer section and no queues.
func directLambda(sc *scenarios.Scenario) bool {
	return sc != nil && sc.Consumer != nil && len(sc.Queues) == 0 && sc.Integration() == "direct"
}

// memoryMB is the consumer's Lambda memory, 128 MB by default.
func memoryMB(sc *scenarios.Scenario) int {
	if sc != nil && sc.Consumer != nil && sc.Consumer.MemoryMB > 0 {
		return sc.Consumer.MemoryMB
	}
	return 128
}

func anyFIFO(sc *scenarios.Scenario) bool {
	if sc == nil {
		return false
	}
	for _, q := range sc.Queues {
		if q.FIFO {
			return true
		}
	}
	return false
}

// offeredSeconds is how long load was offered: the summary's, else the scenario's duration.
func offeredSeconds(sc *scenarios.Scenario, s *metrics.Summary) float64 {
	if s.OfferedSeconds > 0 {
		return s.OfferedSeconds
	}
	if sc != nil {
		return sc.Duration.D().Seconds()
	}
	return 0
}

// Metrics returns the estimate as summary metrics: cost_usd_total, cost_usd_per_million,
// cost_usd_per_month and cost.NAME_usd for every item, so that thresholds can check them
// ("cost_usd_per_million < 5").
func (b Breakdown) Metrics() map[string]float64 {
	out := map[string]float64{
		"cost_usd_total":       b.TotalUSD,
		"cost_usd_per_million": b.PerMillionUSD,
		"cost_usd_per_month":   b.PerMonthUSD,
	}
	for _, it := range b.Items {
		out["cost."+it.Name+"_usd"] = it.USD
	}
	return out
}

// AddToSummary merges the estimate of s, at the prices PricesFromEnv gives, into s.Metrics.
// When the prices file cannot be read, s gets no cost metrics (a threshold on them then
// fails) and a note says why.
func AddToSummary(sc *scenarios.Scenario, s *metrics.Summary) {
	p, err := PricesFromEnv()
	if err != nil {
		s.Notes = append(s.Notes, "no cost estimate: "+err.Error())
		return
	}
	if s.Metrics == nil {
		s.Metrics = map[string]float64{}
	}
	if s.Target != "" {
		kind := "a REST API"
		if sc != nil && sc.Gateway != nil && sc.Gateway.Type == "http" {
			kind = "an HTTP API"
		}
		s.Notes = append(s.Notes, "cost: the target's 2xx answers are priced as API Gateway requests of "+kind+
			" (the scenario's gateway type); for a target that is not API Gateway the api_gateway item does not apply")
	}
	for k, v := range Estimate(sc, s, p).Metrics() {
		s.Metrics[k] = v
	}
}
