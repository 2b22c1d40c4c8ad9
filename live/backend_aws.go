package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
)

// DefaultBackendTimeout bounds every request to SQS or DynamoDB unless the run says otherwise
// (Options.BackendTimeout): a backend that does not answer within it has failed, and the run
// ends saying so.
const DefaultBackendTimeout = 10 * time.Second

// awsConfig loads the SDK configuration for a client of endpoint in region.
//
// The SDK's retries are off (aws.NopRetryer): a throttled or failed call is reported once,
// as it happened, instead of being retried with backoff inside the SDK where it would blur
// the latencies and error counts being measured. An endpoint on loopback (an emulator such
// as fauxqs or dynalite) gets static dummy credentials, so no real credentials are looked
// up or sent; any other endpoint, or none (AWS itself), uses the default credential chain.
func awsConfig(ctx context.Context, endpoint, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	local, err := isLocalEndpoint(endpoint)
	if err != nil {
		return aws.Config{}, err
	}
	if local {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider("throttlelab", "throttlelab", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	return cfg, nil
}

// isLocalEndpoint reports whether endpoint names a loopback host ("" is AWS: not local).
func isLocalEndpoint(endpoint string) (bool, error) {
	if endpoint == "" {
		return false, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false, fmt.Errorf("endpoint %q: want a URL such as http://127.0.0.1:4566", endpoint)
	}
	host := u.Hostname()
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// baseEndpoint returns the endpoint as the SDK's BaseEndpoint: nil for AWS itself.
func baseEndpoint(endpoint string) *string {
	if endpoint == "" {
		return nil
	}
	return aws.String(endpoint)
}

// apiErrorCode returns the error code of an AWS API error, or "" for any other error
// (a timeout, a refused connection).
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// backendCalls bounds a backend's requests: each ends at its deadline, and all of them when
// the run ends. The zero value bounds each by DefaultBackendTimeout and never ends them.
type backendCalls struct {
	base    context.Context
	timeout time.Duration
}

// context returns the context of one request.
func (b backendCalls) context() (context.Context, context.CancelFunc) {
	base := b.base
	if base == nil {
		base = context.Background()
	}
	return context.WithTimeout(base, cmp.Or(b.timeout, DefaultBackendTimeout))
}
