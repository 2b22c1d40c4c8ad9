package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/reports"
)

// shardImageScenario is the scenario the shards run in TestShardImage: 200 requests a second
// for 5 s, which the 4 shards split; its downstream section is the target's.
const shardImageScenario = `name: orders
duration: 5s
drain: 2s
mode: live
clients:
  - {name: partner, api_key: partner-key, path: /orders, arrival: {shape: constant, rate: 200/s}}
downstream: {latency: {dist: fixed, value: 5ms}}   # the fake API the test serves as the target
slo:
  - "lost_total == 0"
`

// TestShardImage builds the image of docs/kubernetes/Dockerfile as its comments say (a static
// binary, no base image) and runs the manifests' Jobs as plain containers: the pods of
// shards.yaml at once, with their args (completion index I as SHARD, the scenario and results
// mounted where the manifest mounts them), against a fake API on this machine's loopback
// (host network), then merge.yaml's pod. The merged run offered and completed what the
// scenario asks, and its thresholds held. It skips without a Docker engine (CI=true: fails).
func TestShardImage(t *testing.T) {
	liveTest(t, "building an image and running a sharded run in containers")
	needDocker(t)
	objs := readManifests(t)
	image := buildShardImage(t)

	scen, results := t.TempDir(), t.TempDir()
	file := writeFile(t, scen, "orders.yaml", shardImageScenario)
	if err := os.Chmod(results, 0o777); err != nil { // the image's user writes the results
		t.Fatal(err)
	}
	target := startTarget(t, file)
	shards := objs["throttlelab-shards"]
	n, args := shards.Spec.Completions, shards.Spec.Template.Spec.Containers[0].Args
	startAt := time.Now().Add(10 * time.Second).UTC().Format(time.RFC3339)
	mounts := []string{"-v", scen + ":/scenario:ro", "-v", results + ":/results"}
	var wg sync.WaitGroup
	for i := range n {
		pod := strings.NewReplacer("$(SHARD)", strconv.Itoa(i), "$(TARGET)", target, "$(START_AT)", startAt).
			Replace(strings.Join(args, "\x00"))
		wg.Add(1)
		go func() {
			defer wg.Done()
			dockerRun(t, fmt.Sprintf("shard %d", i), image, mounts, strings.Split(pod, "\x00"))
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	dockerRun(t, "merge", image, mounts[2:], objs["throttlelab-merge"].Spec.Template.Spec.Containers[0].Args)
	s := readSummary(t, filepath.Join(results, "merged"))
	l := s.Ledger
	t.Logf("merged: offered %d, completed %d, lost %d; thresholds %d, %d failed", l.Offered, l.Completed, l.Lost, len(s.Thresholds), reports.Failed(s.Thresholds))
	if l.Offered != 1000 || l.Completed != 1000 || l.Lost != 0 || len(s.Thresholds) != 1 || reports.Failed(s.Thresholds) != 0 {
		t.Errorf("merged ledger %+v, thresholds %+v: want 1,000 offered and completed, none lost, lost_total == 0 held", l, s.Thresholds)
	}
}

// needDocker skips the test (fails it under CI=true) when no Docker engine answers.
func needDocker(t *testing.T) {
	t.Helper()
	needTools(t, "docker")
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Arch}}").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Docker engine answers (CI=true; make docker starts one): %v\n%s", err, out)
		}
		t.Skipf("no Docker engine answers (make docker starts one): %v", err)
	}
}

// buildShardImage follows docs/kubernetes/Dockerfile's comments: a static throttlelab for
// the engine's architecture and the CA certificates beside the Dockerfile, then docker build.
// It returns the image, removed when the test ends.
func buildShardImage(t *testing.T) string {
	t.Helper()
	root, dir := repoRoot(t), t.TempDir()
	arch, err := exec.Command("docker", "version", "--format", "{{.Server.Arch}}").Output()
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "throttlelab"), "./cmd/throttlelab")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+strings.TrimSpace(string(arch)))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	copyFile(t, filepath.Join(root, "docs", "kubernetes", "Dockerfile"), filepath.Join(dir, "Dockerfile"))
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		copyFile(t, "/etc/ssl/certs/ca-certificates.crt", filepath.Join(dir, "ca-certificates.crt"))
	} else if err := os.WriteFile(filepath.Join(dir, "ca-certificates.crt"), nil, 0o644); err != nil {
		t.Fatal(err) // no CA bundle here: the test's target is plain http
	}
	image := fmt.Sprintf("throttlelab-test/shard:%d", os.Getpid())
	if out, err := exec.Command("docker", "build", "-q", "-t", image, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", image).Run() })
	return image
}

// dockerRun runs image with args as a pod of the manifests would, on the host's network (the
// target is on its loopback), and fails the test unless it exits 0. Unless this test runs as
// root, the container runs as its user, so that the test can remove what it wrote.
func dockerRun(t *testing.T, what, image string, mounts, args []string) {
	t.Helper()
	run := append([]string{"run", "--rm", "--network", "host"}, mounts...)
	if os.Getuid() != 0 {
		run = append(run, "--user", fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid()))
	}
	cmd := exec.Command("docker", append(append(run, image), args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("%s: docker %s: %v\n%s", what, strings.Join(cmd.Args[1:], " "), err, out.String())
	}
}
