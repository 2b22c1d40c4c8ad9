package envs

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go/log"

	"github.com/throttlelab/throttlelab/scenarios"
)

// ErrNoDocker is returned (wrapped) by the containers environment when no Docker engine
// answers.
var ErrNoDocker = errors.New("no Docker engine: start one (make docker) or use --env embedded")

// DockerWait bounds how long the containers environment waits for a Docker engine to answer.
const DockerWait = 5 * time.Second

// The testcontainers-go settings the containers environment needs. They are read from the
// process environment once, at testcontainers' first use, so SetTestcontainersDefaults must
// run before it (Setup calls it first).
const (
	// Ryuk, the reaper container that removes containers a crashed test left, is an image
	// pulled from Docker Hub; it cannot be pulled everywhere. Without it, Env.Close removes
	// the containers; after a crash `docker rm -f $(docker ps -aq -f label=org.testcontainers)`
	// does.
	envRyukDisabled = "TESTCONTAINERS_RYUK_DISABLED"
	// The host mapped ports are reached at: loopback, where the ports are bound.
	envHostOverride = "TESTCONTAINERS_HOST_OVERRIDE"
)

// SetTestcontainersDefaults sets TESTCONTAINERS_RYUK_DISABLED=true and
// TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 in the process environment, each only when unset, so
// that a user's own choice stands. It also silences testcontainers' process-wide logger
// (its banner and emoji lines): Setup prints its own progress and returns failures.
func SetTestcontainersDefaults() {
	log.SetDefault(quiet)
	for k, v := range map[string]string{envRyukDisabled: "true", envHostOverride: "127.0.0.1"} {
		if _, ok := os.LookupEnv(k); !ok {
			_ = os.Setenv(k, v)
		}
	}
}

// DockerClient returns a client of the Docker engine DOCKER_HOST names (the default socket
// when unset) once the engine answers a ping within DockerWait; the error wraps ErrNoDocker.
// The caller closes the client.
func DockerClient(ctx context.Context) (*client.Client, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoDocker, err)
	}
	ctx, cancel := context.WithTimeout(ctx, DockerWait)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		cli.Close()
		return nil, fmt.Errorf("%w (%s)", ErrNoDocker, firstLine(err.Error()))
	}
	return cli, nil
}

// setupContainers is the environment of the fake API in a container and SQS and DynamoDB in
// LocalStack, or in fauxqs and dynalite when LocalStack's image is not at hand.
func setupContainers(ctx context.Context, sc *scenarios.Scenario, o Options) (*Env, error) {
	SetTestcontainersDefaults()
	cli, err := DockerClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("containers environment: %w", err)
	}
	defer cli.Close()
	cl := &closers{}
	env := &Env{Name: Containers, Region: DefaultRegion, Close: cl.close}
	fail := func(err error) (*Env, error) {
		_ = cl.close()
		return nil, fmt.Errorf("containers environment: %w", err)
	}
	// The AWS side first: it fails fast when an emulator is missing.
	if err := startAWS(ctx, cli, o, env, cl); err != nil {
		return fail(err)
	}
	note := "no downstream section: no fake API container"
	if sc != nil && sc.Downstream != nil {
		url, n, err := startFakeAPI(ctx, cli, sc, o, cl)
		if err != nil {
			return fail(err)
		}
		env.APIURL, note = url, n
	}
	env.Notes = append([]string{note}, env.Notes...)
	return env, nil
}

// bindLoopback returns a host-config modifier that publishes each of ports ("8080/tcp") on
// an ephemeral port of 127.0.0.1 only (Docker's default is every interface).
func bindLoopback(ports ...string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		if hc.PortBindings == nil {
			hc.PortBindings = network.PortMap{}
		}
		for _, p := range ports {
			hc.PortBindings[network.MustParsePort(p)] = []network.PortBinding{
				{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "0"},
			}
		}
	}
}

// progress prints one progress line of the containers environment.
func progress(o Options, format string, args ...any) {
	fmt.Fprintf(o.Out, "containers: "+format+"\n", args...)
}

// since returns the time elapsed since t, rounded for people.
func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }

// firstLine returns the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// quiet is testcontainers' logger here: its emoji lines are not the user's business; what
// matters is printed as progress, and failures are returned.
var quiet = log.NewNoopLogger()
