package live

import (
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

// BackendCallTimeout bounds every call a backend makes to SQS or DynamoDB. The model's
// interfaces take no context, so each call gets its own, with this timeout.
const BackendCallTimeout = 5 * time.Second

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

// backendContext returns the context of one backend call.
func backendContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), BackendCallTimeout)
}
