package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/envs"
)

// Issue 11's table, row by row: live runs of orchestrator-outage with its queues on fauxqs
// and its state on dynalite (--env endpoint, two emulators on 127.0.0.1), one emulator killed
// or hung while the run goes on, and the catalog's burst and steady live. Every fault must
// end the run with exit 1 within faultExitWithin of the fault (a hang: of its detection, the
// backend timeout after it), its last line naming the backend and the SDK's operation, the
// summary and report written, and every request accounted for (lost_total 0; the requests a
// dead SQS held are unknown_at_end). The rows run one after the other: timing matters, and
// the machine has two cores. About three minutes in all.

// faultExitWithin is how soon after a fault (a hang: its detection) the run must have exited.
const faultExitWithin = 15 * time.Second

// hangTimeout is the --backend-timeout of the rows that hang a backend: a hang is detected
// this long after it began.
const hangTimeout = 5 * time.Second

// The last line of a run a backend ended names the backend and the operation that failed, as
// the AWS SDK reports it ("operation error SQS: ReceiveMessage").
var (
	sqsLast    = regexp.MustCompile(`^throttlelab: live run: .*\bsqs\b.*operation error SQS: (\w+)`)
	dynamoLast = regexp.MustCompile(`^throttlelab: live run: orchestrator state store \(DynamoDB\): .*operation error DynamoDB: (\w+)`)
)

// faultRow is one row of the table: a signal sent to one emulator some time into the run.
type faultRow struct {
	name   string
	dynamo bool           // the DynamoDB emulator, else the SQS one
	sig    syscall.Signal // SIGKILL: it dies; SIGSTOP: it hangs, never resumed within the run
	at     time.Duration  // after the live run began
	sets   []string       // more flags
	// drained: the fault comes during the drain, and the queue holds work then (unknown_at_end
	// above 0: the run did not wait it out).
	drained bool
}

func TestLiveBackendFaults(t *testing.T) {
	liveTest(t, "live runs whose backends fail (about two minutes)")
	for _, row := range []faultRow{
		{name: "sqs killed 10s in", sig: syscall.SIGKILL, at: 10 * time.Second},
		{name: "dynamodb killed 10s in", dynamo: true, sig: syscall.SIGKILL, at: 10 * time.Second},
		{name: "sqs stopped 8s in", sig: syscall.SIGSTOP, at: 8 * time.Second},
		{name: "dynamodb stopped 8s in", dynamo: true, sig: syscall.SIGSTOP, at: 8 * time.Second},
		// 20 s of load: the API's outage (15 s to 35 s) keeps messages queued into the drain.
		{name: "sqs killed during the drain", sig: syscall.SIGKILL, at: 25 * time.Second,
			sets: []string{"--set", "duration=20s"}, drained: true},
	} {
		t.Run(strings.ReplaceAll(row.name, " ", "_"), func(t *testing.T) { faultRun(t, row) })
	}
}

// outageRun starts orchestrator-outage live against fresh emulators, writing into dir.
func outageRun(t *testing.T, dir string, more ...string) (p *cliProc, sqs, dynamo *envs.Emulator) {
	t.Helper()
	sqs = launch(t, "fauxqs SQS emulator", envs.LaunchFauxqs)
	dynamo = launch(t, "dynalite DynamoDB emulator", envs.LaunchDynalite)
	args := append([]string{"run", "orchestrator-outage", "--mode", "live", "--env", "endpoint",
		"--sqs-endpoint", sqs.Endpoint, "--dynamodb-endpoint", dynamo.Endpoint, "--out", dir, "--quiet"}, more...)
	return startCLI(t, args...), sqs, dynamo
}

func faultRun(t *testing.T, row faultRow) {
	dir := t.TempDir()
	args := row.sets
	detect := time.Duration(0) // how long after the fault it can be detected
	if row.sig == syscall.SIGSTOP {
		args, detect = append(args, "--backend-timeout", hangTimeout.String()), hangTimeout
	}
	p, sqs, dynamo := outageRun(t, dir, args...)
	target, last := sqs, sqsLast
	if row.dynamo {
		target, last = dynamo, dynamoLast
	}
	began := p.liveStarted(t)
	select {
	case <-p.done:
		t.Fatalf("the run ended (exit %d) before the fault:\n%s", p.code, p.stderr.String())
	case <-time.After(time.Until(began.Add(row.at))):
	}
	if err := target.Signal(row.sig); err != nil {
		t.Fatal(err)
	}
	fault := time.Now()
	p.wait(t, fault.Add(detect+faultExitWithin+30*time.Second))
	took := p.ended.Sub(fault.Add(detect))
	s := runFiles(t, dir)
	m := s.Metrics
	from := "the fault"
	if detect > 0 {
		from = fmt.Sprintf("the fault's detection (%v after it)", detect)
	}
	t.Logf("%s: exit %d, %.1f s from %s to the exit; lost_total %v, unknown_at_end_total %v; last line: %s",
		row.name, p.code, took.Seconds(), from, m["lost_total"], m["unknown_at_end_total"], p.lastLine())
	if p.code != exitFailure {
		t.Errorf("exit %d, want %d", p.code, exitFailure)
	}
	if took > faultExitWithin {
		t.Errorf("exited %.1f s after %s, want within %v", took.Seconds(), from, faultExitWithin)
	}
	if !last.MatchString(p.lastLine()) {
		t.Errorf("last line %q does not name the backend and operation (want %s); stderr:\n%s", p.lastLine(), last, tail(p.stderr.String(), 30))
	}
	checkLedger(t, s)
	switch u := m["unknown_at_end_total"]; {
	case row.dynamo && u != 0:
		t.Errorf("unknown_at_end_total %v, want 0: the DynamoDB state holds no request", u)
	case row.drained && u == 0:
		t.Errorf("unknown_at_end_total 0: the queue held no work at the fault, so the row tests no drain")
	}
	if row.drained && s.OfferedSeconds >= row.at.Seconds() {
		t.Errorf("load offered for %v s: the fault at %v was not in the drain", s.OfferedSeconds, row.at)
	}
}

// A second Ctrl-C while SQS hangs (before the backend timeout can notice) stops the run at
// once, with the report of what it has.
func TestLiveInterruptTwiceWithHungSQS(t *testing.T) {
	liveTest(t, "a live run interrupted twice (15 s)")
	dir := t.TempDir()
	p, sqs, _ := outageRun(t, dir)
	began := p.liveStarted(t)
	time.Sleep(time.Until(began.Add(8 * time.Second)))
	if err := sqs.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	second := time.Now()
	p.wait(t, second.Add(30*time.Second))
	took := p.ended.Sub(second)
	s := runFiles(t, dir)
	t.Logf("exit %d, %.1f s from the second Ctrl-C to the exit; lost_total %v, unknown_at_end_total %v; last line: %s",
		p.code, took.Seconds(), s.Metrics["lost_total"], s.Metrics["unknown_at_end_total"], p.lastLine())
	if p.code != exitFailure {
		t.Errorf("exit %d, want %d", p.code, exitFailure)
	}
	// At abortGrace the process exits whatever it is doing: a run that got there did not
	// finish its report by itself.
	if took >= abortGrace {
		t.Errorf("exited %.1f s after the second Ctrl-C, want within %v", took.Seconds(), abortGrace)
	}
	if !strings.Contains(p.stderr.String(), "again: writing what is known now") || !strings.Contains(p.lastLine(), "interrupted") {
		t.Errorf("stderr does not tell the second signal and the interruption:\n%s", tail(p.stderr.String(), 10))
	}
	checkLedger(t, s)
}

// burst live on this machine: whatever load it can offer, the harness itself does not fail
// (no load errors, no flood of accept errors) and accounts for every request; a shortfall of
// load is said, with its size.
func TestLiveBurstHarness(t *testing.T) {
	liveTest(t, "burst live (45 s)")
	dir := t.TempDir()
	p := startCLI(t, "run", "burst", "--mode", "live", "--set", "duration=40s",
		"--set", "clients[0].arrival.at=10s", "--set", "clients[0].arrival.for=20s", "--out", dir, "--quiet")
	p.wait(t, time.Now().Add(3*time.Minute))
	s := runFiles(t, dir)
	m := s.Metrics
	t.Logf("exit %d; offered %v, load_shortfall_total %v, load_errors_total %v, gateway_accept_errors_total %v, lost_total %v, unknown_at_end_total %v; notes: %q",
		p.code, m["offered_total"], m["load_shortfall_total"], m["load_errors_total"], m["gateway_accept_errors_total"],
		m["lost_total"], m["unknown_at_end_total"], s.Notes)
	if p.code != exitOK && p.code != exitThreshold {
		t.Errorf("exit %d, want a sound run (0, or 99 for a threshold): %s", p.code, tail(p.stderr.String(), 10))
	}
	if m["load_errors_total"] != 0 || m["gateway_accept_errors_total"] != 0 {
		t.Errorf("load_errors_total %v, gateway_accept_errors_total %v, want 0", m["load_errors_total"], m["gateway_accept_errors_total"])
	}
	if n := strings.Count(p.stderr.String(), "\n"); n > 10 {
		t.Errorf("%d lines on stderr, want a few:\n%s", n, tail(p.stderr.String(), 20))
	}
	checkLedger(t, s)
	said := strings.Contains(strings.Join(s.Notes, "\n"), "the load generator offered ")
	if short := m["load_shortfall_total"] > 0; short != said {
		t.Errorf("load_shortfall_total %v, and a note saying so: %v", m["load_shortfall_total"], said)
	}
}

// forgedRequests is how many requests the forged-header test sends to the gateway.
const forgedRequests = 22

// Requests that claim to be the load generator's (its vegeta headers, the sequence numbers of
// real first attempts) but lack the run's secret are refused and counted apart: the ledger
// stays whole.
func TestLiveForgedHeaders(t *testing.T) {
	liveTest(t, "steady live (12 s)")
	dir, addr := t.TempDir(), freeAddr(t)
	p := startCLI(t, "run", "steady", "--mode", "live", "--set", "duration=10s", "--gateway-addr", addr, "--out", dir, "--quiet")
	time.Sleep(time.Until(p.liveStarted(t).Add(3 * time.Second)))
	c := &http.Client{Timeout: 5 * time.Second}
	for i := range forgedRequests {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/orders", nil)
		req.Header.Set("X-Vegeta-Attack", "0")
		req.Header.Set("X-Vegeta-Seq", strconv.Itoa(i))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("forged request %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged request %d: %s, want 403", i, resp.Status)
		}
	}
	p.wait(t, time.Now().Add(time.Minute))
	s := runFiles(t, dir)
	m := s.Metrics
	t.Logf("exit %d; gateway_foreign_total %v, offered %v, lost_total %v, unknown_at_end_total %v; last line: %s",
		p.code, m["gateway_foreign_total"], m["offered_total"], m["lost_total"], m["unknown_at_end_total"], p.lastLine())
	if p.code != exitOK && p.code != exitThreshold {
		t.Errorf("exit %d, want a sound run (0, or 99 for a threshold): %s", p.code, tail(p.stderr.String(), 10))
	}
	if m["gateway_foreign_total"] != forgedRequests {
		t.Errorf("gateway_foreign_total %v, want %d", m["gateway_foreign_total"], forgedRequests)
	}
	checkLedger(t, s)
}

// freeAddr is a loopback address free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(fmt.Errorf("find a free port: %w", err))
	}
	defer l.Close()
	return l.Addr().String()
}
