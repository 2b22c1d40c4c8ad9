package envs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/throttlelab/throttlelab/scenarios"
)

// The fake API's image is built from fakeapi/Dockerfile (FROM scratch) around a static binary
// built first with the go command, in a temporary build context holding just the two. Each
// environment builds its own image under a unique tag and removes it when it closes; the
// build takes well under a second once the binary is built.
const (
	fakeAPIRepo     = "throttlelab/fakeapi"
	fakeAPIPort     = "8080/tcp"
	fakeAPIPkg      = "./fakeapi/cmd/fakeapi"
	fakeAPIEnv      = "FAKEAPI_SCENARIO"
	fakeAPIReadyMax = 30 * time.Second
)

// startFakeAPI builds the fake API image and runs sc's fake API in it, its port published on
// 127.0.0.1, and waits until its health check answers. It returns the API's base URL and a
// note on what it started; cl stops it.
func startFakeAPI(ctx context.Context, cli *client.Client, sc *scenarios.Scenario, o Options, cl *closers) (string, string, error) {
	if len(sc.Source) == 0 {
		return "", "", fmt.Errorf("start fake api container: scenario %s has no YAML source to give it", sc.Name)
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", "", fmt.Errorf("start fake api container: the image is built from the source tree: %w "+
			"(or use --env embedded)", err)
	}
	dir, err := os.MkdirTemp("", "throttlelab-fakeapi-")
	if err != nil {
		return "", "", fmt.Errorf("start fake api container: %w", err)
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	if err := buildContext(ctx, cli, root, dir); err != nil {
		return "", "", fmt.Errorf("start fake api container: %w", err)
	}
	progress(o, "fake API binary built in %v (go build, CGO_ENABLED=0)", since(t0))
	t1 := time.Now()
	c, built, err := runFakeAPI(ctx, dir, sc)
	if c != nil {
		cl.add(func() error { return terminate("fake api container", c) })
	}
	if err != nil {
		return "", "", fmt.Errorf("start fake api container: %w", err)
	}
	url, err := c.PortEndpoint(ctx, fakeAPIPort, "http")
	if err != nil {
		return "", "", fmt.Errorf("start fake api container: %w", err)
	}
	buildTime, startTime := built.Sub(t1).Round(10*time.Millisecond), since(built)
	progress(o, "fake API image built in %v; container ready in %v at %s", buildTime, startTime, url)
	note := fmt.Sprintf("fake API: container %s built from fakeapi/Dockerfile, at %s (image built in %v, ready in %v)",
		c.GetContainerID()[:12], url, buildTime, startTime)
	return url, note, nil
}

// runFakeAPI builds the image from the build context dir and starts it with sc's YAML in
// FAKEAPI_SCENARIO. It returns the container (also on most errors, to be terminated) and
// the instant the image was built.
func runFakeAPI(ctx context.Context, dir string, sc *scenarios.Scenario) (*testcontainers.DockerContainer, time.Time, error) {
	var built time.Time
	health := sc.DownstreamOrDefault().HealthPath
	// Any answer means the server is up: a scenario may begin in an outage (503).
	ready := wait.ForHTTP(health).WithPort(fakeAPIPort).WithStatusCodeMatcher(func(int) bool { return true }).
		WithPollInterval(50 * time.Millisecond).WithStartupTimeout(fakeAPIReadyMax)
	c, err := testcontainers.Run(ctx, "",
		testcontainers.WithLogger(quiet),
		testcontainers.WithDockerfile(testcontainers.FromDockerfile{Context: dir, Repo: fakeAPIRepo}),
		testcontainers.WithExposedPorts(fakeAPIPort),
		testcontainers.WithEnv(map[string]string{fakeAPIEnv: string(sc.Source)}),
		testcontainers.WithHostConfigModifier(bindLoopback(fakeAPIPort)),
		testcontainers.WithWaitStrategy(ready),
		testcontainers.WithAdditionalLifecycleHooks(testcontainers.ContainerLifecycleHooks{
			PostBuilds: []testcontainers.ContainerRequestHook{
				func(context.Context, testcontainers.ContainerRequest) error { built = time.Now(); return nil },
			},
		}),
	)
	if built.IsZero() {
		built = time.Now()
	}
	return c, built, err
}

// buildContext fills the build context dir: the Dockerfile and bin/fakeapi, a static binary
// for the engine's architecture built from the source tree at root.
func buildContext(ctx context.Context, cli *client.Client, root, dir string) error {
	if _, err := exec.LookPath("go"); err != nil {
		return errors.New("build the fake api binary: the go command is not on PATH")
	}
	df, err := os.ReadFile(filepath.Join(root, "fakeapi", "Dockerfile"))
	if err != nil {
		return fmt.Errorf("read the fake api dockerfile: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		return fmt.Errorf("write the build context: %w", err)
	}
	bin := filepath.Join(dir, "bin", "fakeapi")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, fakeAPIPkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+engineArch(ctx, cli))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build the fake api binary (go build %s in %s): %w\n%s", fakeAPIPkg, root, err, out.String())
	}
	return nil
}

// engineArch returns the Docker engine's architecture as GOARCH, or this program's when the
// engine does not say.
func engineArch(ctx context.Context, cli *client.Client) string {
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return runtime.GOARCH
	}
	switch info.Info.Architecture {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	}
	return runtime.GOARCH
}

// terminate stops and removes a container (and the image testcontainers built for it).
func terminate(what string, c testcontainers.Container) error {
	if err := testcontainers.TerminateContainer(c, testcontainers.StopTimeout(5*time.Second)); err != nil {
		return fmt.Errorf("stop %s: %w", what, err)
	}
	return nil
}
