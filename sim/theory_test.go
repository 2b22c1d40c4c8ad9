package sim

import (
	"fmt"
	"math"
	"testing"
)

// erlangC returns the mean wait in queue of an M/M/c queue with arrival rate lambda, service
// rate mu per server and c servers.
func erlangC(lambda, mu float64, c int) float64 {
	a := lambda / mu
	rho := a / float64(c)
	sum, term := 0.0, 1.0
	for k := 0; k < c; k++ {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	top := term * a / float64(c) / (1 - rho) // a^c / (c! (1-ρ))
	pWait := top / (sum + top)
	return pWait / (float64(c)*mu - lambda)
}

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if rel := math.Abs(got-want) / want; rel > tol {
		t.Errorf("%s = %.6g, theory %.6g (off by %.1f%%, allowed %.0f%%)", what, got, want, 100*rel, 100*tol)
	} else {
		t.Logf("%s = %.6g, theory %.6g (off by %.2f%%)", what, got, want, 100*rel)
	}
}

// Poisson arrivals drained by c Lambda workers with exponential service: an M/M/c queue. The
// simulator's mean queue wait and end-to-end latency over a million requests agree with the
// Erlang C formula.
func TestMMcAgreesWithErlangC(t *testing.T) {
	if testing.Short() {
		t.Skip("a million requests")
	}
	for _, c := range []struct {
		lambda, mu float64
		servers    int
	}{{1000, 125, 10}, {500, 100, 6}} {
		t.Run(fmt.Sprintf("M/M/%d rho=%.2f", c.servers, c.lambda/c.mu/float64(c.servers)), func(t *testing.T) {
			secs := 1_000_000 / c.lambda
			sc := load(t, fmt.Sprintf(`
name: test
duration: %gs
mode: sim
clients: [{name: c, arrival: {shape: poisson, rate: %g/s}}]
queues: [{name: q}]
consumer: {pattern: concurrency, concurrency: %d}
downstream: {latency: {dist: exponential, mean: %gms}, timeout: 1h}
`, secs, c.lambda, c.servers, 1000/c.mu))
			m := run(t, sc).Summary.Metrics
			wq := erlangC(c.lambda, c.mu, c.servers)
			within(t, "mean queue wait", m["queue_wait_seconds_mean"], wq, 0.04)
			within(t, "mean end to end", m["e2e_seconds_mean"], wq+1/c.mu, 0.02)
			within(t, "mean service", m["downstream_seconds_mean"], 1/c.mu, 0.01)
		})
	}
}

// M/D/1: Poisson arrivals, one worker, fixed service time D. Pollaczek–Khinchine gives the
// mean wait ρD / (2(1−ρ)).
func TestMD1AgreesWithPollaczekKhinchine(t *testing.T) {
	if testing.Short() {
		t.Skip("a million requests")
	}
	const lambda, d = 80.0, 0.010
	sc := load(t, fmt.Sprintf(`
name: test
duration: %gs
mode: sim
clients: [{name: c, arrival: {shape: poisson, rate: %g/s}}]
queues: [{name: q}]
consumer: {pattern: concurrency, concurrency: 1}
downstream: {latency: {dist: fixed, value: 10ms}}
`, 1_000_000/lambda, lambda))
	m := run(t, sc).Summary.Metrics
	rho := lambda * d
	within(t, "mean queue wait", m["queue_wait_seconds_mean"], rho*d/(2*(1-rho)), 0.04)
	within(t, "mean end to end", m["e2e_seconds_mean"], rho*d/(2*(1-rho))+d, 0.02)
}
