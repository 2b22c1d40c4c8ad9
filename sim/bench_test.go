package sim

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// dayScenario is the acceptance benchmark: 24 h of 2,000/s Poisson arrivals (172.8 M
// requests) through gateway → queue → 300-wide consumer → lognormal API.
const dayScenario = `
name: test
duration: %s
drain: 1m
mode: sim
clients: [{name: c, path: /orders, arrival: {shape: poisson, rate: 2000/s}}]
gateway: {stage: {rate: 5000, burst: 5000}, integration: queue}
queues: [{name: q, visibility_timeout: 30s, max_receive_count: 5}]
consumer: {pattern: concurrency, concurrency: 300}
downstream:
  quotas: [{limit: 3000, per: 1s, window: sliding}]
  latency: {dist: lognormal, median: 80ms, p99: 400ms}
`

func benchDay(b *testing.B, duration string) {
	sc := load(b, fmt.Sprintf(dayScenario, duration))
	b.ReportAllocs()
	var offered float64
	// The run's own loop stays on this thread, so that its CPU time can be told apart from
	// that of the goroutines drawing ahead and replaying the journal.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, loop0 := cpuSeconds(syscall.RUSAGE_SELF), cpuSeconds(rusageThread)
	start := time.Now()
	for b.Loop() {
		res := run(b, sc)
		offered = res.Summary.Metrics["offered_total"]
	}
	wall := time.Since(start).Seconds() / float64(b.N)
	// CPU time is steadier than wall time on a shared virtual machine, whose neighbours
	// slow the wall clock down without counting against the process.
	b.ReportMetric((cpuSeconds(syscall.RUSAGE_SELF)-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric((cpuSeconds(rusageThread)-loop0)/float64(b.N), "loop-cpu-s/op")
	b.ReportMetric(offered, "requests/op")
	b.ReportMetric(offered/wall, "requests/s")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's usage.
const rusageThread = 1

func cpuSeconds(who int) float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkDay simulates the whole day; run it with -benchtime 1x (make bench does).
func BenchmarkDay(b *testing.B) { benchDay(b, "24h") }

// BenchmarkHour is an hour of the same pipeline, for quicker comparisons.
func BenchmarkHour(b *testing.B) { benchDay(b, "1h") }
