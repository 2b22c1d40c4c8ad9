package live

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The emulators the backend tests run against are installed by scripts/tools.sh into the
// repository's git-ignored .tools/ directory, and started here as child processes on a
// free loopback port, one per test that asks, killed when it ends.

// toolsInstall is the command that installs them, from the repository root.
const toolsInstall = "bash scripts/tools.sh"

// toolReadyWithin bounds how long an emulator may take to answer after it starts.
const toolReadyWithin = 20 * time.Second

// startFauxqs starts the fauxqs SQS emulator and returns its endpoint URL.
func startFauxqs(t *testing.T) string {
	t.Helper()
	script := toolPath(t, "fauxqs SQS emulator", "fauxqs-server.mjs")
	port := freePort(t)
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	startTool(t, "fauxqs", []string{script, strconv.Itoa(port)}, func() error {
		resp, err := http.Get(endpoint + "/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health: %s", resp.Status)
		}
		return nil
	})
	return endpoint
}

// startDynalite starts the dynalite DynamoDB emulator and returns its endpoint URL. Tables
// become active after 50 ms instead of dynalite's default 500 ms.
func startDynalite(t *testing.T) string {
	t.Helper()
	cli := toolPath(t, "dynalite DynamoDB emulator", filepath.Join("node", "node_modules", "dynalite", "cli.js"))
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "50", "--deleteTableMs", "50", "--updateTableMs", "50"}
	startTool(t, "dynalite", args, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	return "http://" + addr
}

// toolPath returns the path of file under .tools, or ends the test when it (or node) is
// missing: a failure under CI=true, where the tools must have been installed, else a skip.
func toolPath(t *testing.T, what, file string) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".tools"))
	if err != nil {
		t.Fatalf("locate .tools: %v", err)
	}
	path := filepath.Join(root, file)
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH (Node 20 or later is needed)"
	} else if _, err := os.Stat(path); err != nil {
		missing = fmt.Sprintf("%s is not installed (%s is missing); install it with `%s` from the repository root", what, path, toolsInstall)
	}
	if missing == "" {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s", missing)
	}
	t.Skipf("skipping the tests against the %s: %s", what, missing)
	return ""
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startTool runs node with args, kills it when the test ends, and waits until ready
// succeeds, failing the test (with the tool's output) if it does not within
// toolReadyWithin or the process exits first.
func startTool(t *testing.T, name string, args []string, ready func() error) {
	t.Helper()
	out := &lockedBuffer{}
	cmd := exec.Command("node", args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(toolReadyWithin)
	for {
		err := ready()
		if err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before answering: %v\n%s", name, err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within %v: %v\n%s", name, toolReadyWithin, err, out.String())
		}
	}
}

// lockedBuffer collects a child's output, written and read from different goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
