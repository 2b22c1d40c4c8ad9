// Package cost estimates what the emulated design would cost on AWS, from a run's summary:
// the API Gateway requests it was billed for, the SQS requests, Lambda invocations and
// GB-seconds, Step Functions state transitions and DynamoDB request units the simulator
// counted (sim/aws.go), priced at us-east-1 list prices.
//
// The estimate is of usage charges only: free tiers (API Gateway's first 1M calls for 12
// months, SQS's and Lambda's first 1M requests, Lambda's 400,000 GB-seconds, Step Functions'
// 4,000 transitions and DynamoDB's always-free allowances) are NOT subtracted, so that the
// cost of a run scales with its traffic; storage, data transfer, CloudWatch, caching and the
// third-party API are left out; only the first (highest) volume tier of each price is used.
package cost

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"gopkg.in/yaml.v3"
)

// Prices are list prices in USD. The zero value prices everything at 0; DefaultPrices
// returns the us-east-1 list prices this package was written against (checked 2026), each
// field documenting its source page. A prices file (LoadPrices) overrides any subset.
type Prices struct {
	// APIGatewayPerMillion is the price of a million REST API calls received, first tier
	// (first 333 million a month): $3.50. https://aws.amazon.com/api-gateway/pricing/ (and
	// the REST row of https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html).
	APIGatewayPerMillion float64 `yaml:"api_gateway_per_million" json:"api_gateway_per_million"`
	// HTTPAPIPerMillion is the price of a million HTTP API calls received, first tier (first
	// 300 million a month): $1.00; each call is metered in 512 KB increments, so a 1 KB
	// request is one call. https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs).
	HTTPAPIPerMillion float64 `yaml:"http_api_per_million" json:"http_api_per_million"`
	// SQSStandardPerMillion is the price of a million SQS standard-queue requests, first
	// tier (up to 100 billion a month): $0.40. Every API action is a request, empty receives
	// included, and each 64 KB chunk of a payload is billed as one request.
	// https://aws.amazon.com/sqs/pricing/
	SQSStandardPerMillion float64 `yaml:"sqs_standard_per_million" json:"sqs_standard_per_million"`
	// SQSFIFOPerMillion is the price of a million SQS FIFO-queue requests: $0.50.
	// https://aws.amazon.com/sqs/pricing/
	SQSFIFOPerMillion float64 `yaml:"sqs_fifo_per_million" json:"sqs_fifo_per_million"`
	// LambdaRequestsPerMillion is the price of a million Lambda invocations: $0.20.
	// https://aws.amazon.com/lambda/pricing/ (and https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html).
	LambdaRequestsPerMillion float64 `yaml:"lambda_requests_per_million" json:"lambda_requests_per_million"`
	// LambdaGBSecond is the price of one GB-second of Lambda duration on x86, first tier
	// (first 6 billion GB-seconds a month): $0.0000166667. https://aws.amazon.com/lambda/pricing/
	LambdaGBSecond float64 `yaml:"lambda_gb_second" json:"lambda_gb_second"`
	// StepFunctionsPerThousand is the price of a thousand Standard-workflow state
	// transitions: $0.025. https://aws.amazon.com/step-functions/pricing/
	StepFunctionsPerThousand float64 `yaml:"step_functions_per_thousand_transitions" json:"step_functions_per_thousand_transitions"`
	// DynamoDBWritePerMillion is the price of a million on-demand write request units:
	// $0.625 since AWS halved on-demand throughput prices on 2024-11-01 (it was $1.25).
	// https://aws.amazon.com/dynamodb/pricing/on-demand/
	DynamoDBWritePerMillion float64 `yaml:"dynamodb_write_per_million" json:"dynamodb_write_per_million"`
	// DynamoDBReadPerMillion is the price of a million on-demand read request units: $0.125
	// since 2024-11-01 (it was $0.25). https://aws.amazon.com/dynamodb/pricing/on-demand/
	DynamoDBReadPerMillion float64 `yaml:"dynamodb_read_per_million" json:"dynamodb_read_per_million"`
}

// DefaultPrices returns the us-east-1 list prices documented on Prices.
func DefaultPrices() Prices {
	return Prices{
		APIGatewayPerMillion:     3.50,
		HTTPAPIPerMillion:        1.00,
		SQSStandardPerMillion:    0.40,
		SQSFIFOPerMillion:        0.50,
		LambdaRequestsPerMillion: 0.20,
		LambdaGBSecond:           0.0000166667,
		StepFunctionsPerThousand: 0.025,
		DynamoDBWritePerMillion:  0.625,
		DynamoDBReadPerMillion:   0.125,
	}
}

// PricesEnv names the environment variable holding the path of a prices file for `run` and
// `sweep` (see LoadPrices); unset or empty means DefaultPrices.
const PricesEnv = "THROTTLELAB_PRICES"

// LoadPrices reads a YAML or JSON prices file (keys as the yaml tags of Prices, e.g.
// `lambda_gb_second: 0.0000133334` for arm64) over DefaultPrices: keys left out keep their
// default. An unknown key, a value that is not a number, or a negative price is an error.
func LoadPrices(path string) (Prices, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Prices{}, fmt.Errorf("read prices: %w", err)
	}
	p := DefaultPrices()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return Prices{}, fmt.Errorf("read prices %s: %w", path, err)
	}
	if err := p.check(); err != nil {
		return Prices{}, fmt.Errorf("read prices %s: %w", path, err)
	}
	return p, nil
}

// PricesFromEnv returns LoadPrices of the file PricesEnv names, or DefaultPrices when it is
// unset or empty.
func PricesFromEnv() (Prices, error) {
	path := os.Getenv(PricesEnv)
	if path == "" {
		return DefaultPrices(), nil
	}
	p, err := LoadPrices(path)
	if err != nil {
		return Prices{}, fmt.Errorf("%s: %w", PricesEnv, err)
	}
	return p, nil
}

// check rejects negative prices.
func (p Prices) check() error {
	v := reflect.ValueOf(p)
	for i := range v.NumField() {
		if v.Field(i).Float() < 0 {
			return fmt.Errorf("%s is negative (%g)", v.Type().Field(i).Tag.Get("yaml"), v.Field(i).Float())
		}
	}
	return nil
}
