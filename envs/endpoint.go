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

// ErrNoEndpoint is returned (wrapped) by the endpoint environment when Options names no
// endpoint.
var ErrNoEndpoint = errors.New("--aws-endpoint URL (or --sqs-endpoint and --dynamodb-endpoint) is required")

// setupEndpoint is the environment of queues and state on the endpoints Options names, the
// fake API in-process. SQSEndpoint and DynamoEndpoint override AWSEndpoint for their service;
// a service left without an endpoint keeps its model in memory, and a note says so.
func setupEndpoint(o Options) (*Env, error) {
	if o.AWSEndpoint == "" && o.SQSEndpoint == "" && o.DynamoEndpoint == "" {
		return nil, fmt.Errorf("endpoint environment: %w", ErrNoEndpoint)
	}
	env := &Env{Name: Endpoint, AWSEndpoint: o.AWSEndpoint, SQSEndpoint: o.SQSEndpoint,
		DynamoEndpoint: o.DynamoEndpoint, Notes: []string{"fake API in-process on 127.0.0.1"},
		Close: func() error { return nil }}
	anyReal := false
	for _, e := range []struct{ flag, url, what string }{
		{"--aws-endpoint", o.AWSEndpoint, "queues and state"},
		{"--sqs-endpoint", o.SQSEndpoint, "queues"},
		{"--dynamodb-endpoint", o.DynamoEndpoint, "orchestrator state"},
	} {
		if e.url == "" {
			continue
		}
		u, isReal, err := checkEndpoint(e.flag, e.url, o.AllowRealAWS)
		if err != nil {
			return nil, err
		}
		if env.Region == "" {
			env.Region = endpointRegion(u)
		}
		anyReal = anyReal || isReal
		env.Notes = append(env.Notes, fmt.Sprintf("%s on %s (region %s)", e.what, e.url, env.Region))
	}
	switch {
	case o.AWSEndpoint != "":
	case o.SQSEndpoint == "":
		env.Notes = append(env.Notes, "queues in memory (no --sqs-endpoint)")
	case o.DynamoEndpoint == "":
		env.Notes = append(env.Notes, "orchestrator state in memory (no --dynamodb-endpoint)")
	}
	if anyReal {
		env.Notes = append(env.Notes, "this is real AWS: requests are billed and count against the account's quotas")
	}
	return env, nil
}

// checkEndpoint parses the endpoint URL raw of flag and reports whether it is real AWS, which
// is an error unless allowReal.
func checkEndpoint(flag, raw string, allowReal bool) (*url.URL, bool, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, false, fmt.Errorf("endpoint environment: %s %q: want an http:// or https:// URL "+
			"such as http://127.0.0.1:4566", flag, raw)
	}
	isReal := IsRealAWS(u)
	if isReal && !allowReal {
		return nil, false, fmt.Errorf("endpoint environment: %s: %w", raw, ErrRealAWS)
	}
	if u.Host == "" {
		return nil, false, fmt.Errorf("endpoint environment: %s %q has no host: name the endpoint, "+
			"such as https://sqs.us-east-1.amazonaws.com", flag, raw)
	}
	return u, isReal, nil
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
