package live

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/throttlelab/throttlelab/scenarios"
)

// The live benchmarks measure the harness itself on this machine: the highest constant rate
// the load generator sustains (achieved ≥ 99% of requested) and the latency it adds, on the
// gateway-only path and through gateway and fake API, and how well the fake API's quotas hold
// at 5,000 rps. They report figures with b.ReportMetric and never assert speed; run them alone
// with -benchtime 1x (make bench).

const (
	benchStepFor  = 4 * time.Second // each step of offered load
	benchDrain    = "2s"
	benchGoodRate = 0.99 // a step counts when achieved ≥ 99% of requested
	benchStopRate = 0.95 // stepping stops after a step below 95%
)

// benchStep is one constant-rate live run as the client saw it.
type benchStep struct {
	rate     float64 // requested, per second
	achieved float64 // attempts_total / duration / rate
	p50, p99 time.Duration
	// lagP99 and lagMax measure how late the load generator sent hit n after its instant
	// n/rate (taking hit 0's send time as the start): latency that a client-side measure
	// leaves out when the generator falls behind (coordinated omission).
	lagP99, lagMax time.Duration
	// cpuPerReq is the process's CPU time (user and system: load client, gateway and fake
	// API all run in it) over the run, divided by the attempts.
	cpuPerReq time.Duration
	codes     map[uint16]int // client-observed status codes; 0 is a transport error
	metrics   map[string]float64
}

// runBenchStep runs scenario doc live, with vegeta's results written to a file, and reads
// back the client-observed latencies.
func runBenchStep(b *testing.B, doc string, rate float64, dur time.Duration) benchStep {
	b.Helper()
	sc, err := scenarios.LoadBytes(benchName(doc)+".yaml", []byte(doc))
	if err != nil {
		b.Fatalf("scenario: %v", err)
	}
	file := filepath.Join(b.TempDir(), "results.gob")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cpu0 := processCPU()
	res, err := Run(ctx, sc, Options{ResultsFile: file})
	if err != nil {
		b.Fatalf("live run at %g rps: %v", rate, err)
	}
	cpu := processCPU() - cpu0
	m := res.Summary.Metrics
	st := benchStep{rate: rate, metrics: m, achieved: m["attempts_total"] / dur.Seconds() / rate}
	if n := m["attempts_total"]; n > 0 {
		st.cpuPerReq = time.Duration(float64(cpu) / n)
	}
	lat, lag, codes, err := readResults(file, rate)
	if err != nil {
		b.Fatalf("results at %g rps: %v", rate, err)
	}
	st.codes = codes
	st.p50, st.p99 = quantileOf(lat, 0.50), quantileOf(lat, 0.99)
	st.lagP99, st.lagMax = quantileOf(lag, 0.99), quantileOf(lag, 1)
	return st
}

// readResults decodes a vegeta results file of one constant-rate client without retries:
// every attempt's latency and send lag (both sorted), and the count of each status code.
func readResults(file string, rate float64) (lat, lag []time.Duration, codes map[uint16]int, err error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	codes = map[uint16]int{}
	type sendTime struct {
		seq uint64
		at  time.Time
	}
	var sent []sendTime
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, nil, err
		}
		lat = append(lat, r.Latency)
		codes[r.Code]++
		sent = append(sent, sendTime{r.Seq, r.Timestamp})
	}
	var first time.Time // hit 0's send time: results come in the order they finished
	for _, r := range sent {
		if r.seq == 0 {
			first = r.at
		}
	}
	for _, r := range sent {
		due := time.Duration(float64(r.seq) / rate * 1e9)
		lag = append(lag, r.at.Sub(first)-due)
	}
	slices.Sort(lat)
	slices.Sort(lag)
	return lat, lag, codes, nil
}

// processCPU is the CPU time the process has used so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// quantileOf returns the q-quantile of sorted (nearest rank).
func quantileOf(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// stepRates runs doc(rate) for each rate in turn, reporting each step's achieved ratio and
// client-observed p99, and the highest rate with achieved ≥ 99%. It stops after a step below
// 95%. THROTTLELAB_BENCH_RATES (comma-separated rates per second) replaces rates.
func stepRates(b *testing.B, rates []float64, doc func(rate float64) string) {
	if testing.Short() {
		b.Skip("live runs take real time")
	}
	if env := os.Getenv("THROTTLELAB_BENCH_RATES"); env != "" {
		rates = rates[:0]
		for f := range strings.SplitSeq(env, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || r <= 0 {
				b.Fatalf("THROTTLELAB_BENCH_RATES: %q is not a rate", f)
			}
			rates = append(rates, r)
		}
	}
	best := 0.0
	var p99AtBest time.Duration
	for _, rate := range rates {
		st := runBenchStep(b, doc(rate), rate, benchStepFor)
		tag := fmt.Sprintf("%gk", rate/1000)
		b.ReportMetric(st.achieved, "achieved@"+tag)
		b.ReportMetric(float64(st.p99.Microseconds())/1000, "p99-ms@"+tag)
		b.Logf("%6.0f rps: achieved %.4f  attempts %.0f  client p50 %v p99 %v  send lag p99 %v max %v  cpu/req %v  codes %v  lost %v",
			rate, st.achieved, st.metrics["attempts_total"], st.p50.Round(time.Microsecond), st.p99.Round(time.Microsecond),
			st.lagP99.Round(time.Microsecond), st.lagMax.Round(time.Microsecond), st.cpuPerReq.Round(time.Microsecond), st.codes, st.metrics["lost_total"])
		if st.achieved >= benchGoodRate && rate > best {
			best, p99AtBest = rate, st.p99
		}
		if st.achieved < benchStopRate {
			break
		}
	}
	// testing keeps 10 lines of a benchmark's log: at most 9 steps, then this line.
	b.Logf("highest rate with achieved ≥ %g: %g rps (client p99 %v)",
		benchGoodRate, best, p99AtBest.Round(time.Microsecond))
	b.ReportMetric(best, "max-rps-at-99pct")
	b.ReportMetric(float64(p99AtBest.Microseconds())/1000, "p99-ms-at-max")
}

// BenchmarkLiveGatewayOnly steps constant load against a gateway whose stage admits 1 rps:
// the gateway answers 429 itself, so each attempt is one HTTP hop (load client → gateway).
func BenchmarkLiveGatewayOnly(b *testing.B) {
	stepRates(b, []float64{2000, 5000, 10000, 15000, 20000, 30000, 40000, 50000}, func(rate float64) string {
		return fmt.Sprintf(`
name: bench-gateway-only
duration: %s
drain: %s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: %g/s}, retry: {policy: none}}]
gateway: {stage: {rate: 1, burst: 1}, integration: direct}
`, benchStepFor, benchDrain, rate)
	})
}

// BenchmarkLiveGatewayAndAPI steps constant load through gateway → fake API (direct
// integration, 0 latency, no limits: not even AWS's default account bucket of 10,000 rps,
// which would answer part of the load itself): two HTTP hops per attempt. The
// client-observed p99 is what the harness adds.
func BenchmarkLiveGatewayAndAPI(b *testing.B) {
	stepRates(b, []float64{1000, 2000, 5000, 8000, 10000, 12000, 15000, 20000, 25000}, func(rate float64) string {
		return fmt.Sprintf(`
name: bench-gateway-api
duration: %s
drain: %s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: %g/s}, retry: {policy: none}}]
gateway: {account: {rate: 1000000, burst: 1000000}, integration: direct}
`, benchStepFor, benchDrain, rate)
	})
}

// BenchmarkLiveFakeAPIOvergrant offers 5,000 rps for 5 s through gateway → fake API with a
// quota of 1,000 per second, and reports the fake API's own over-grant: the worst count in
// any sliding 1 s window over the limit (downstream_window_overgrant) and admissions over
// what the quota allows in the run (downstream_overgrant). Fixed windows are aligned to the
// calendar second, so a fixed window's result depends on where in the second the load
// starts; each run starts it mid-second, where a fixed window admits its limit in the last
// half of one second and again at the start of the next (window over-grant 1.0). A sliding
// window does not depend on the phase.
func BenchmarkLiveFakeAPIOvergrant(b *testing.B) {
	if testing.Short() {
		b.Skip("live runs take real time")
	}
	for _, window := range []string{"sliding", "fixed"} {
		b.Run("window="+window, func(b *testing.B) {
			doc := fmt.Sprintf(`
name: bench-overgrant
duration: 5s
drain: %s
mode: live
clients: [{name: c, arrival: {shape: constant, rate: 5000/s}, retry: {policy: none}}]
gateway: {account: {rate: 1000000, burst: 1000000}, integration: direct}
downstream: {quotas: [{limit: 1000, per: 1s, window: %s}]}
`, benchDrain, window)
			sleepToPhase(450 * time.Millisecond)
			st := runBenchStep(b, doc, 5000, 5*time.Second)
			m := st.metrics
			b.ReportMetric(m["downstream_window_overgrant"], "window-overgrant")
			b.ReportMetric(m["downstream_overgrant"], "overgrant")
			b.ReportMetric(m["downstream_admitted_total"], "admitted")
			b.ReportMetric(st.achieved, "achieved")
			b.Logf("%s: offered %.0f, api admitted %.0f, 429 %.0f, window over-grant %.4f, over-grant %.4f, client p99 %v, codes %v",
				window, m["offered_total"], m["downstream_admitted_total"], m["downstream_429_total"],
				m["downstream_window_overgrant"], m["downstream_overgrant"], st.p99, st.codes)
		})
	}
}

// sleepToPhase sleeps until the wall clock is phase past a whole second.
func sleepToPhase(phase time.Duration) {
	now := time.Now()
	at := now.Truncate(time.Second).Add(phase)
	if at.Before(now) {
		at = at.Add(time.Second)
	}
	time.Sleep(at.Sub(now))
}

// benchName is the scenario's name, which its file name must match.
func benchName(doc string) string {
	for line := range strings.Lines(doc) {
		if name, ok := strings.CutPrefix(line, "name: "); ok {
			return strings.TrimSpace(name)
		}
	}
	return "bench"
}
