package envs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// The SQS and DynamoDB emulators (npm fauxqs and dynalite) are installed by scripts/tools.sh
// into the source tree's git-ignored .tools/ directory and started from there as child
// processes of node, each on a free 127.0.0.1 port.

// ToolsInstall is the command, run from the source tree's root, that installs the emulators.
const ToolsInstall = "bash scripts/tools.sh"

// ToolsDirEnv names an environment variable that, when set, is the tools directory instead of
// the source tree's .tools.
const ToolsDirEnv = "THROTTLELAB_TOOLS"

// ToolReadyWithin bounds how long an emulator may take to answer after it starts.
const ToolReadyWithin = 20 * time.Second

// ErrToolMissing is returned (wrapped) when an emulator, or node, is not installed. Tests
// skip on it, except under CI=true.
var ErrToolMissing = errors.New("not installed")

// ToolsDir returns the directory the emulators are installed in: $THROTTLELAB_TOOLS, else
// .tools in the source tree (ModuleRoot).
func ToolsDir() (string, error) {
	if dir := os.Getenv(ToolsDirEnv); dir != "" {
		return filepath.Abs(dir)
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", fmt.Errorf("%w: the tools live in the source tree's .tools (or $%s): %w", ErrToolMissing, ToolsDirEnv, err)
	}
	return filepath.Join(root, ".tools"), nil
}

// Emulator is an emulator running as a child process of this one, on a loopback port.
type Emulator struct {
	// Endpoint is its URL, "http://127.0.0.1:PORT".
	Endpoint string
	name     string
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited and been reaped
	out      *lockedBuffer
}

// Stop kills the emulator (a stopped one too) and waits for it to exit. It may be called more
// than once, and after the process died of a Signal.
func (e *Emulator) Stop() {
	_ = e.cmd.Process.Kill()
	<-e.exited
}

// Signal sends sig to the emulator's process: SIGSTOP hangs it (connections are accepted by
// the kernel, never answered), SIGCONT resumes it, SIGKILL ends it as a crash would.
func (e *Emulator) Signal(sig os.Signal) error {
	select {
	case <-e.exited:
		return fmt.Errorf("signal %s: %v: it has exited", e.name, sig)
	default:
	}
	if err := e.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %s: %v: %w", e.name, sig, err)
	}
	return nil
}

// Pid is the emulator's process id.
func (e *Emulator) Pid() int { return e.cmd.Process.Pid }

// Output is what the emulator has written to its stdout and stderr so far.
func (e *Emulator) Output() string { return e.out.String() }

// StartFauxqs starts the fauxqs SQS emulator on a free 127.0.0.1 port and returns its
// endpoint URL once its /health answers (within ToolReadyWithin, and while ctx lasts). stop
// kills it; it must be called. The error wraps ErrToolMissing when fauxqs or node is missing.
func StartFauxqs(ctx context.Context) (endpoint string, stop func(), err error) {
	return endpointOf(LaunchFauxqs(ctx))
}

// StartDynalite starts the dynalite DynamoDB emulator on a free 127.0.0.1 port and returns its
// endpoint URL once it accepts connections (within ToolReadyWithin, and while ctx lasts). stop
// kills it; it must be called. The error wraps ErrToolMissing when dynalite or node is missing.
func StartDynalite(ctx context.Context) (endpoint string, stop func(), err error) {
	return endpointOf(LaunchDynalite(ctx))
}

func endpointOf(e *Emulator, err error) (string, func(), error) {
	if err != nil {
		return "", nil, err
	}
	return e.Endpoint, e.Stop, nil
}

// LaunchFauxqs is StartFauxqs, returning the emulator's process too (to stop or kill it in a
// test of a failing backend). Its Stop must be called.
func LaunchFauxqs(ctx context.Context) (*Emulator, error) {
	script, err := toolPath("fauxqs SQS emulator", "fauxqs-server.mjs")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start fauxqs: %w", err)
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	return startTool(ctx, "fauxqs", endpoint, []string{script, strconv.Itoa(port)}, func(ctx context.Context) error {
		return httpReady(ctx, endpoint+"/health")
	})
}

// LaunchDynalite is StartDynalite, returning the emulator's process too. Tables become active
// after 50 ms instead of dynalite's default 500 ms. Its Stop must be called.
func LaunchDynalite(ctx context.Context) (*Emulator, error) {
	cli, err := toolPath("dynalite DynamoDB emulator", filepath.Join("node", "node_modules", "dynalite", "cli.js"))
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "50", "--deleteTableMs", "50", "--updateTableMs", "50"}
	return startTool(ctx, "dynalite", "http://"+addr, args, func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// toolPath returns the path of file in the tools directory, or an error wrapping
// ErrToolMissing that says how to install it.
func toolPath(what, file string) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("%s: node %w: it is not on PATH (Node 20 or later is needed)", what, ErrToolMissing)
	}
	dir, err := ToolsDir()
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s: %w: %s is missing; install it with `%s` from the source tree's root",
			what, ErrToolMissing, path, ToolsInstall)
	}
	return path, nil
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// httpReady reports whether a GET of url answers 200.
func httpReady(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// startTool runs node with args and waits until ready succeeds, polling every 50 ms for at
// most ToolReadyWithin. The process is not tied to ctx: it runs until Stop. On error (it
// exited first, did not answer in time, or ctx ended) it is killed and the error carries
// its output.
func startTool(ctx context.Context, name, endpoint string, args []string, ready func(context.Context) error) (*Emulator, error) {
	e := &Emulator{Endpoint: endpoint, name: name, out: &lockedBuffer{}, exited: make(chan struct{})}
	e.cmd = exec.Command("node", args...)
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { _ = e.cmd.Wait(); close(e.exited) }()
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, ToolReadyWithin)
	defer cancel()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, time.Second)
		err := ready(attempt)
		cancelAttempt()
		if err == nil {
			return e, nil
		}
		select {
		case <-e.exited:
			return nil, fmt.Errorf("start %s: it exited before answering: %v\n%s", name, err, e.Output())
		case <-ctx.Done():
			e.Stop()
			return nil, fmt.Errorf("start %s: no answer after %v (at most %v): %v\n%s",
				name, time.Since(began).Round(time.Millisecond), ToolReadyWithin, err, e.Output())
		case <-time.After(50 * time.Millisecond):
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
