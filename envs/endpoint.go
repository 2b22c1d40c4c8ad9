package envs

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// ErrRealAWS is returned (wrapped) when an endpoint is real AWS and Options.AllowRealAWS is
// not set.
var ErrRealAWS = errors.New("load against real AWS costs money: pass --allow-real-aws")

// ErrNoEndpoint is returned (wrapped) by the endpoint environment without Options.AWSEndpoint.
var ErrNoEndpoint = errors.New("--aws-endpoint URL is required")

// setupEndpoint is the environment of queues and state on o.AWSEndpoint, the fake API
// in-process.
func setupEndpoint(o Options) (*Env, error) {
	if o.AWSEndpoint == "" {
		return nil, fmt.Errorf("endpoint environment: %w", ErrNoEndpoint)
	}
	u, err := url.Parse(o.AWSEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("endpoint environment: --aws-endpoint %q: want an http:// or https:// URL "+
			"such as http://127.0.0.1:4566", o.AWSEndpoint)
	}
	isReal := IsRealAWS(u)
	if isReal && !o.AllowRealAWS {
		return nil, fmt.Errorf("endpoint environment: %s: %w", o.AWSEndpoint, ErrRealAWS)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint environment: --aws-endpoint %q has no host: name the endpoint, "+
			"such as https://sqs.us-east-1.amazonaws.com", o.AWSEndpoint)
	}
	region := endpointRegion(u)
	notes := []string{
		"fake API in-process on 127.0.0.1",
		fmt.Sprintf("queues and state on %s (region %s)", o.AWSEndpoint, region),
	}
	if isReal {
		notes = append(notes, "this is real AWS: requests are billed and count against the account's quotas")
	}
	return &Env{Name: Endpoint, AWSEndpoint: o.AWSEndpoint, Region: region, Notes: notes,
		Close: func() error { return nil }}, nil
}

// IsRealAWS reports whether u is real AWS: no host (the SDK's default endpoints), or a host
// under amazonaws.com (amazonaws.com.cn in China).
func IsRealAWS(u *url.URL) bool {
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return true
	}
	for _, domain := range []string{"amazonaws.com", "amazonaws.com.cn"} {
		if host == domain || strings.HasSuffix(host, "."+domain) {
			return true
		}
	}
	return false
}

// endpointRegion returns the region of an endpoint: AWS_REGION or AWS_DEFAULT_REGION when set,
// else the region in an AWS host name (sqs.eu-west-1.amazonaws.com), else DefaultRegion.
func endpointRegion(u *url.URL) string {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	if IsRealAWS(u) {
		// service.region.amazonaws.com
		parts := strings.Split(u.Hostname(), ".")
		if len(parts) >= 4 && strings.Count(parts[1], "-") >= 2 {
			return parts[1]
		}
	}
	return DefaultRegion
}
