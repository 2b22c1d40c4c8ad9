package sweep

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// lambda is a direct integration to a Lambda function of reserved concurrency 10 whose calls
// take exactly 100 ms: it serves at most 10 / 0.1 s = 100 requests a second. Arrivals are
// evenly spaced (constant) and reach the gateway after a client-to-gateway delay of up to
// 1 ms (sim.NetJitter), so at a rate r the 11th request arrives 10/r ± 1 ms after the first:
// at r ≤ 99.01 (10/r − 1 ms ≥ 100 ms) that is never earlier than the first call's end, above
// 100 it always finds all 10 slots busy, Lambda throttles it and API Gateway answers 500, with
// no retry. So "rejected_total == 0" breaks between 99.01/s and 100/s.
const lambda = `name: lambda
duration: 10s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 50/s}
consumer: {pattern: concurrency, concurrency: 10}
downstream:
  latency: {dist: fixed, value: 100ms}
slo:
  - "rejected_total == 0"
`

func TestFindMaxLambdaSaturation(t *testing.T) {
	sc := load(t, "lambda", lambda)
	r, err := FindMax(sc, Search{Path: "clients[0].arrival.rate", From: 20, To: 300, Resolution: 2}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Found || !r.Bounded {
		t.Fatalf("found %v bounded %v", r.Found, r.Bounded)
	}
	if r.Max < 97 || r.Max > 100 || r.FailAt < 99.01 || r.FailAt-r.Max > 2 {
		t.Errorf("answer %v (first failure %v), want the breaking point (99.01..100) bracketed within the resolution 2", r.Max, r.FailAt)
	}
	if r.Probes[0].Value != 20 || !r.Probes[0].Pass || r.Probes[1].Value != 300 || r.Probes[1].Pass {
		t.Errorf("the search did not check FROM then TO first: %+v", r.Probes[:2])
	}
	var out bytes.Buffer
	r.WriteText(&out)
	for _, want := range []string{"rejected_total == 0 (was ", "resolution 2/s", "monotonicity", "FAIL", "pass"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
	var csvOut bytes.Buffer
	if err := r.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(csvOut.String(), "\n"); lines != len(r.Probes)+1 {
		t.Errorf("find-max.csv has %d lines for %d runs", lines, len(r.Probes))
	}
}

func TestFindMaxEdges(t *testing.T) {
	sc := load(t, "lambda", lambda)
	r, err := FindMax(sc, Search{Path: "clients[0].arrival.rate", From: 150, To: 300}, Options{})
	if err != nil || r.Found || len(r.Probes) != 1 {
		t.Errorf("FROM failing: found %v after %d runs, %v", r.Found, len(r.Probes), err)
	}
	if !strings.Contains(r.Answer(), "already fails") {
		t.Errorf("answer %q", r.Answer())
	}
	r, err = FindMax(sc, Search{Path: "clients[0].arrival.rate", From: 10, To: 90}, Options{})
	if err != nil || !r.Found || r.Bounded || r.Max != 90 || len(r.Probes) != 2 {
		t.Errorf("TO passing: %+v, %v", r, err)
	}
	if !strings.Contains(r.Answer(), "above the range") {
		t.Errorf("answer %q", r.Answer())
	}
	// A whole-number field: 200/s of 100 ms calls need 20 executions, and one more for the
	// arrivals the jitter brings early, so the SLO "rejected_total > 0" holds up to 20.
	r, err = FindMax(sc, Search{Path: "consumer.concurrency", From: 1, To: 50, SLO: []string{"rejected_total > 0"},
		Fixed: []Assignment{{Path: "clients[0].arrival.rate", Kind: KindRate, Value: 200}}}, Options{})
	if err != nil || r.Max != 20 || r.FailAt != 21 {
		t.Errorf("concurrency: max %v fail %v, %v", r.Max, r.FailAt, err)
	}
	if _, err := FindMax(sc, Search{Path: "clients[0].arrival.rate", From: 1, To: 2, SLO: []string{}}, Options{}); !errors.Is(err, ErrNoSLO) {
		t.Errorf("no SLO: %v", err)
	}
}
