package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestParseShard(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Shard
		err  bool
	}{
		{"0/2", Shard{0, 2}, false},
		{"1/2", Shard{1, 2}, false},
		{"0/1", Shard{0, 1}, false},
		{"2/2", Shard{}, true}, // I counts from 0
		{"-1/2", Shard{}, true},
		{"0/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/2", Shard{}, true},
	} {
		got, err := ParseShard(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestShardPartition: the shards' parts of a schedule are the schedule, each instant once,
// arrival k in shard k mod N; each part's Pace agrees with its Next.
func TestShardPartition(t *testing.T) {
	for _, cfg := range []ArrivalConfig{arrConstant1000, arrBurst, {Shape: "poisson", Rate: 2000}} {
		const d = 3 * time.Second
		var whole []time.Duration
		a := mustArrival(t, cfg, d, rand.New(rand.NewPCG(7, 1)))
		for n := uint64(0); ; n++ {
			at, ok := a.Next(n)
			if !ok {
				break
			}
			whole = append(whole, at)
		}
		const shards = 3
		got := make([]time.Duration, len(whole))
		seen := 0
		for i := range shards {
			s := Shard{I: i, N: shards}
			part := s.Of(mustArrival(t, cfg, d, rand.New(rand.NewPCG(7, 1))))
			for k := uint64(0); ; k++ {
				at, ok := part.Next(k)
				wait, stop := part.Pace(0, k)
				if stop == ok || (ok && wait != at) {
					t.Fatalf("%s shard %v: Pace(0, %d) = %s, %v; Next = %s, %v", cfg.Shape, s, k, wait, stop, at, ok)
				}
				if !ok {
					break
				}
				got[s.Global(k)] = at
				seen++
			}
		}
		if seen != len(whole) || !slices.Equal(got, whole) {
			t.Errorf("%s: the shards offered %d instants, the schedule has %d, or they differ", cfg.Shape, seen, len(whole))
		}
	}
}

func TestShardUnsharded(t *testing.T) {
	a := mustArrival(t, arrConstant1000, time.Second, nil)
	if (Shard{}).Of(a) != a || (Shard{0, 1}).Of(a) != a {
		t.Error("an unsharded run's arrival must be the schedule itself")
	}
	if r := (Shard{1, 4}).Of(a).Rate(0); r != 250 {
		t.Errorf("a quarter of 1000/s: rate %g", r)
	}
}
