package envs

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// need ends the test when err says a dependency is missing (no Docker engine, an emulator
// not installed): a failure under CI=true, where `make test` installs and starts them, else
// a skip saying why. Any other error fails the test.
func need(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if !errors.Is(err, ErrNoDocker) && !errors.Is(err, ErrToolMissing) {
		t.Fatalf("%s: %v", what, err)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %v (CI=true: `make test` should have provided it)", what, err)
	}
	t.Skipf("skipping: %s: %v", what, err)
}

func TestEmbedded(t *testing.T) {
	env, err := Setup(context.Background(), Embedded, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.Name != Embedded || env.APIURL != "" || env.AWSEndpoint != "" || env.Region != DefaultRegion {
		t.Errorf("embedded env %+v, want no URLs and region %s", env, DefaultRegion)
	}
	if err := env.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestUnknownKind(t *testing.T) {
	_, err := Setup(context.Background(), "cloud", nil, Options{})
	if !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), "embedded, containers, endpoint") {
		t.Errorf("error %v, want ErrUnknownKind listing the kinds", err)
	}
}

func TestEndpoint(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	for _, tc := range []struct {
		endpoint string
		allow    bool
		want     error  // nil: accepted
		msg      string // in the error
		region   string // when accepted
	}{
		{"", false, ErrNoEndpoint, "endpoint environment: --aws-endpoint URL (or --sqs-endpoint and --dynamodb-endpoint) is required", ""},
		{"", true, ErrNoEndpoint, "", ""},
		{"https://sqs.us-east-1.amazonaws.com", false, ErrRealAWS,
			"load against real AWS costs money: pass --allow-real-aws", ""},
		{"https://dynamodb.eu-west-1.amazonaws.com/", false, ErrRealAWS, "", ""},
		{"https://sqs.cn-north-1.amazonaws.com.cn", false, ErrRealAWS, "", ""},
		{"https://", false, ErrRealAWS, "", ""},
		{"https://", true, nil, "has no host", ""},
		{"localhost:4566", false, nil, "want an http:// or https:// URL", ""},
		{"https://sqs.eu-west-1.amazonaws.com", true, nil, "", "eu-west-1"},
		{"http://127.0.0.1:4566", false, nil, "", DefaultRegion},
		{"http://emulator.internal:4566", false, nil, "", DefaultRegion},
		{"http://amazonaws.com.example:4566", false, nil, "", DefaultRegion},
	} {
		env, err := Setup(context.Background(), Endpoint, nil, Options{AWSEndpoint: tc.endpoint, AllowRealAWS: tc.allow})
		switch {
		case tc.want != nil || tc.msg != "":
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%q allow=%v: error %v, want %v containing %q", tc.endpoint, tc.allow, err, tc.want, tc.msg)
			}
		case err != nil:
			t.Errorf("%q allow=%v: %v", tc.endpoint, tc.allow, err)
		case env.AWSEndpoint != tc.endpoint || env.APIURL != "" || env.Region != tc.region:
			t.Errorf("%q allow=%v: env %+v, want the endpoint, no API URL, region %s", tc.endpoint, tc.allow, env, tc.region)
		}
	}
}

// --sqs-endpoint and --dynamodb-endpoint: each service on its own endpoint (two emulators,
// no router), either one alone leaving the other service in memory, each URL checked as
// --aws-endpoint is and named by its flag.
func TestEndpointPerService(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	for _, tc := range []struct {
		o     Options
		notes []string // each in the env's notes
		err   string   // in the error; "" accepted
	}{
		{Options{SQSEndpoint: "http://127.0.0.1:9324", DynamoEndpoint: "http://127.0.0.1:8000"},
			[]string{"queues on http://127.0.0.1:9324", "orchestrator state on http://127.0.0.1:8000"}, ""},
		{Options{SQSEndpoint: "http://127.0.0.1:9324"},
			[]string{"queues on http://127.0.0.1:9324", "orchestrator state in memory (no --dynamodb-endpoint)"}, ""},
		{Options{DynamoEndpoint: "http://127.0.0.1:8000"},
			[]string{"queues in memory (no --sqs-endpoint)"}, ""},
		{Options{AWSEndpoint: "http://127.0.0.1:4566", SQSEndpoint: "http://127.0.0.1:9324"},
			[]string{"queues and state on http://127.0.0.1:4566", "queues on http://127.0.0.1:9324"}, ""},
		{Options{SQSEndpoint: "127.0.0.1:9324"}, nil, `--sqs-endpoint "127.0.0.1:9324": want an http:// or https:// URL`},
		{Options{SQSEndpoint: "http://127.0.0.1:9324", DynamoEndpoint: "https://dynamodb.us-east-1.amazonaws.com"},
			nil, "pass --allow-real-aws"},
	} {
		env, err := Setup(context.Background(), Endpoint, nil, tc.o)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: error %v, want one containing %q", tc.o, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v: %v", tc.o, err)
		}
		if env.SQSEndpoint != tc.o.SQSEndpoint || env.DynamoEndpoint != tc.o.DynamoEndpoint || env.AWSEndpoint != tc.o.AWSEndpoint {
			t.Errorf("%+v: env endpoints %q %q %q", tc.o, env.AWSEndpoint, env.SQSEndpoint, env.DynamoEndpoint)
		}
		notes := strings.Join(env.Notes, "\n")
		for _, want := range tc.notes {
			if !strings.Contains(notes, want) {
				t.Errorf("%+v: notes do not say %q:\n%s", tc.o, want, notes)
			}
		}
	}
}

func TestEndpointRegionFromEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "ap-south-1")
	env, err := Setup(context.Background(), Endpoint, nil, Options{AWSEndpoint: "http://127.0.0.1:4566"})
	if err != nil || env.Region != "ap-south-1" {
		t.Errorf("env %+v, %v; want region ap-south-1", env, err)
	}
}

func TestIsRealAWS(t *testing.T) {
	for in, want := range map[string]bool{
		"https://sqs.us-east-1.amazonaws.com":   true,
		"https://SQS.US-EAST-1.AMAZONAWS.COM.":  true,
		"https://amazonaws.com":                 true,
		"http://":                               true,
		"http://127.0.0.1:4566":                 false,
		"http://localhost:4566":                 false,
		"http://notamazonaws.com":               false,
		"http://sqs.amazonaws.com.evil.example": false,
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsRealAWS(u); got != want {
			t.Errorf("IsRealAWS(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "fakeapi", "Dockerfile")); err != nil {
		t.Errorf("root %s: %v", root, err)
	}
	t.Chdir(t.TempDir())
	if _, err := ModuleRoot(); !errors.Is(err, ErrNoSourceTree) || !strings.Contains(err.Error(), "checkout") {
		t.Errorf("outside the tree: %v, want ErrNoSourceTree", err)
	}
}

func TestModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"module github.com/throttlelab/throttlelab\n\ngo 1.26\n": ModulePath,
		"// c\nmodule \"example.com/x\"\n":                       "example.com/x",
		"go 1.26\n":                                              "",
	} {
		if got := modulePath([]byte(in)); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClosersRunOnceInReverse(t *testing.T) {
	var order []int
	var c closers
	for i := range 3 {
		c.add(func() error {
			order = append(order, i)
			if i == 1 {
				return errors.New("one failed")
			}
			return nil
		})
	}
	err := c.close()
	if err == nil || err.Error() != "one failed" || len(order) != 3 || order[0] != 2 || order[2] != 0 {
		t.Errorf("close: %v, order %v; want the error and 2,1,0", err, order)
	}
	if again := c.close(); again != err || len(order) != 3 {
		t.Errorf("second close: %v, order %v; want the first error, nothing run", again, order)
	}
}
