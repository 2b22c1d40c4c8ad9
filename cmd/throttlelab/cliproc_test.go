package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/envs"
	"github.com/throttlelab/throttlelab/metrics"
)

// The live fault tests run the command as users do, in a process of its own, so that it can
// be sent real signals (Ctrl-C) and its exit code and last line read. The test binary is that
// process: run with cliEnv=1 it is throttlelab (TestMain calls main), which saves building
// the binary.
const cliEnv = "THROTTLELAB_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// cliProc is one throttlelab process under test.
type cliProc struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{} // closed when it has exited
	code           int
	ended          time.Time
}

// startCLI starts throttlelab with args; it is killed when the test ends, if still running.
func startCLI(t *testing.T, args ...string) *cliProc {
	t.Helper()
	p := &cliProc{done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], args...)
	p.cmd.Env = append(os.Environ(), cliEnv+"=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start throttlelab: %v", err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.code, p.ended = p.cmd.ProcessState.ExitCode(), time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// liveStarted waits until the command says its live run begins (it sets up its queues and
// state next, in a few hundred milliseconds) and returns that instant.
func (p *cliProc) liveStarted(t *testing.T) time.Time {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.stderr.String(), "throttlelab: live run of ") {
		select {
		case <-p.done:
			t.Fatalf("throttlelab exited (%d) before its live run began:\n%s", p.code, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("throttlelab did not begin its live run within 30 s:\n%s", p.stderr.String())
		}
	}
	return time.Now()
}

// wait waits for the process to exit until deadline. A process still running then is sent
// SIGQUIT (its goroutines go to stderr, logged) and killed, and the test fails.
func (p *cliProc) wait(t *testing.T, deadline time.Time) {
	t.Helper()
	select {
	case <-p.done:
		return
	case <-time.After(time.Until(deadline)):
	}
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	t.Fatalf("throttlelab still running at its deadline; its stderr, with its goroutines:\n%s", tail(p.stderr.String(), 200))
}

// lastLine is the last non-empty line the process wrote to stderr.
func (p *cliProc) lastLine() string {
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	return lines[len(lines)-1]
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// syncBuffer is a process's output, written and read from different goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// liveTest skips a test of live load under -short.
func liveTest(t *testing.T, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: skipping %s", what)
	}
}

// launch starts an emulator for the test's duration: fauxqs or dynalite, installed by
// `make tools`. A missing one skips the test, saying why, except under CI=true.
func launch(t *testing.T, what string, start func(context.Context) (*envs.Emulator, error)) *envs.Emulator {
	t.Helper()
	e, err := start(context.Background())
	switch {
	case errors.Is(err, envs.ErrToolMissing) && os.Getenv("CI") != "true":
		t.Skipf("skipping: the %s is needed: %v", what, err)
	case err != nil:
		t.Fatalf("start the %s: %v", what, err)
	}
	t.Cleanup(e.Stop)
	return e
}

// runFiles reads a finished run's summary.json and checks that its report was written.
func runFiles(t *testing.T, dir string) *metrics.Summary {
	t.Helper()
	for _, f := range []string{"summary.json", "report.html"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	s, err := metrics.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("read the run's summary: %v", err)
	}
	return s
}

// checkLedger checks that the run accounted for every request: lost_total 0, in the metrics
// and the ledger, and the requests whose fate a failed backend hid, if any, named in the
// ledger and its verdict.
func checkLedger(t *testing.T, s *metrics.Summary) {
	t.Helper()
	m, l := s.Metrics, s.Ledger
	if m["lost_total"] != 0 || l.Lost != 0 {
		t.Errorf("lost_total %v (ledger %d), want 0: %s", m["lost_total"], l.Lost, l.Verdict)
	}
	var unknown int64
	for _, n := range l.UnknownAtEnd {
		unknown += n
	}
	if float64(unknown) != m["unknown_at_end_total"] {
		t.Errorf("unknown_at_end_total %v, the ledger's unknown_at_end %v", m["unknown_at_end_total"], l.UnknownAtEnd)
	}
	if unknown > 0 && !strings.Contains(l.Verdict, "unknown_at_end") {
		t.Errorf("%d requests of unknown fate, and the verdict does not say so: %q", unknown, l.Verdict)
	}
}
