package model

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Drawn ahead in blocks, the samples are those Sample gives from the same generator, in the
// same order, for the lognormal's own block loop and for the other distributions alike.
func TestLatencyDrawsAreSampleInOrder(t *testing.T) {
	for _, cfg := range []LatencyConfig{
		{Dist: "lognormal", Median: 80 * time.Millisecond, P99: 400 * time.Millisecond},
		{Dist: "exponential", Mean: 20 * time.Millisecond},
		{Dist: "pareto", Min: 5 * time.Millisecond, Alpha: 2.5},
		{Dist: "fixed", Value: 3 * time.Millisecond},
	} {
		lat, err := NewLatency(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d := NewLatencyDraws(lat, rand.New(rand.NewPCG(9, 10)))
		ref := rand.New(rand.NewPCG(9, 10))
		for i := range 3*drawBlock + 7 { // across block boundaries
			if got, want := d.Next(), lat.Sample(ref); got != want {
				t.Fatalf("%s: sample %d drawn ahead is %v, Sample gives %v", cfg.Dist, i, got, want)
			}
		}
	}
}

// An API given draws takes its latencies from them, not from the rng of the call.
func TestAPIUsesDraws(t *testing.T) {
	lat, _ := NewLatency(LatencyConfig{Dist: "exponential", Mean: 20 * time.Millisecond})
	a, err := NewAPI(APIConfig{Latency: lat})
	if err != nil {
		t.Fatal(err)
	}
	a.UseDraws(NewLatencyDraws(lat, rand.New(rand.NewPCG(1, 2))))
	ref := rand.New(rand.NewPCG(1, 2))
	callRng := rand.New(rand.NewPCG(77, 78))
	for i := range 100 {
		if got, want := a.Call(time.Duration(i), "", 0, callRng).Latency, lat.Sample(ref); got != want {
			t.Fatalf("call %d: latency %v, want the drawn %v", i, got, want)
		}
	}
}
