package envs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/throttlelab/throttlelab/scenarios"
)

// quotaScenario's fake API admits 2 calls in any second: the third call of a burst gets 429.
const quotaScenario = `name: quota2
description: a fake API allowing two calls per second, for the containers environment's test
duration: 10s
clients:
  - name: burst
    arrival: {shape: constant, rate: 1/s}
downstream:
  quotas: [{limit: 2, per: 1s, window: sliding}]
  latency: {dist: fixed, value: 1ms}
`

// TestContainers sets up the containers environment end to end: the fake API image built and
// run, and the AWS side (LocalStack, or fauxqs and dynalite). It skips, saying why, without a
// Docker engine or the emulators, and fails under CI=true.
func TestContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the containers environment in -short mode")
	}
	sc, err := scenarios.LoadBytes("quota2.yaml", []byte(quotaScenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := &lockedBuffer{}
	t0 := time.Now()
	env, err := Setup(ctx, Containers, sc, Options{Out: out})
	t.Logf("setup took %v:\n%s", since(t0), out.String())
	need(t, "set up", err)
	defer func() {
		t1 := time.Now()
		if err := env.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		t.Logf("close took %v", since(t1))
	}()
	for _, n := range env.Notes {
		t.Logf("note: %s", n)
	}
	if env.Name != Containers || !strings.HasPrefix(env.APIURL, "http://127.0.0.1:") ||
		!strings.HasPrefix(env.AWSEndpoint, "http://127.0.0.1:") {
		t.Fatalf("env %+v: want the API and AWS on 127.0.0.1", env)
	}
	if os.Getenv(envRyukDisabled) != "true" || os.Getenv(envHostOverride) != "127.0.0.1" {
		t.Errorf("testcontainers settings %s=%q %s=%q", envRyukDisabled, os.Getenv(envRyukDisabled),
			envHostOverride, os.Getenv(envHostOverride))
	}
	if status, body := get(t, env.APIURL+"/health"); status != http.StatusOK {
		t.Errorf("health: %d %s", status, body)
	}
	checkQuota(t, env.APIURL)
	sqsRoundTrip(t, env.AWSEndpoint)
	dynamoCall(t, env.AWSEndpoint)
	for name, ep := range map[string]string{"SQS": env.SQSEndpoint, "DynamoDB": env.DynamoEndpoint} {
		if ep != "" && !strings.HasPrefix(ep, "http://127.0.0.1:") {
			t.Errorf("%s endpoint %q, want one on 127.0.0.1", name, ep)
		}
	}
	if env.SQSEndpoint != "" {
		sqsRoundTrip(t, env.SQSEndpoint)
	}
}

// checkQuota resets the fake API and sends a burst of three calls: two pass, the third gets
// 429, as the scenario's quota of 2 per second says.
func checkQuota(t *testing.T, api string) {
	t.Helper()
	if status, body := do(t, http.MethodPost, api+"/_admin/reset", ""); status != http.StatusOK {
		t.Fatalf("reset: %d %s", status, body)
	}
	var got []int
	for range 3 {
		status, _ := do(t, http.MethodPost, api+"/orders", "{}")
		got = append(got, status)
	}
	if got[0] != 200 || got[1] != 200 || got[2] != 429 {
		t.Errorf("burst of three calls against 2/s: statuses %v, want [200 200 429]", got)
	}
	status, body := get(t, api+"/_admin/stats")
	var stats struct {
		Admitted int64 `json:"admitted_total"`
	}
	if err := json.Unmarshal([]byte(body), &stats); status != http.StatusOK || err != nil || stats.Admitted != 2 {
		t.Errorf("stats: %d %s (%v), want admitted_total 2", status, body, err)
	}
}

func TestImageAtHand(t *testing.T) {
	cli, err := DockerClient(context.Background())
	need(t, "docker", err)
	defer cli.Close()
	t0 := time.Now()
	why, ok := imageAtHand(context.Background(), cli, "throttlelab/no-such-image:0")
	if ok || why == "" || time.Since(t0) > pullCheckWait+time.Second {
		t.Errorf("imageAtHand of a missing image: %q, %v after %v; want false with a reason within %v",
			why, ok, time.Since(t0), pullCheckWait)
	}
}

func TestContainersNoDocker(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/no-docker.sock")
	_, err := Setup(context.Background(), Containers, nil, Options{})
	want := "containers environment: no Docker engine: start one (make docker) or use --env embedded"
	if !errors.Is(err, ErrNoDocker) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want one starting %q", err, want)
	}
}

func TestBindLoopback(t *testing.T) {
	var hc container.HostConfig
	bindLoopback("8080/tcp", "4566/tcp")(&hc)
	for _, p := range []string{"8080/tcp", "4566/tcp"} {
		b := hc.PortBindings[network.MustParsePort(p)]
		if len(b) != 1 || b[0].HostIP.String() != "127.0.0.1" || b[0].HostPort != "0" {
			t.Errorf("%s: bindings %v, want one ephemeral port on 127.0.0.1", p, b)
		}
	}
}

// get is do with GET.
func get(t *testing.T, url string) (int, string) { return do(t, http.MethodGet, url, "") }

// do makes one request, bounded by 10 s, and returns its status and body.
func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
