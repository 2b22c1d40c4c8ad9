package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shard names one of N load generators that share a run's arrivals: shard I of N (I from 0
// to N−1, as a Kubernetes Indexed Job's completion index) offers hit k of every client's
// schedule when k mod N = I. The zero value (N = 0) is the whole run, unsharded.
type Shard struct {
	I, N int
}

// ParseShard reads "I/N": 0 ≤ I < N.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want I/N, as 0/2 (shard I of N, I from 0)", s)
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	switch {
	case err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("shard %q: want I/N with whole numbers, as 0/2", s)
	case n < 1:
		return Shard{}, fmt.Errorf("shard %q: N must be at least 1", s)
	case i < 0 || i >= n:
		return Shard{}, fmt.Errorf("shard %q: I counts from 0 (a Kubernetes completion index): want 0 to %d", s, n-1)
	}
	return Shard{I: i, N: n}, nil
}

// Sharded reports whether s splits the run (N > 1).
func (s Shard) Sharded() bool { return s.N > 1 }

// String is "I/N", or "" for the zero Shard.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return strconv.Itoa(s.I) + "/" + strconv.Itoa(s.N)
}

// Global is the index in the whole schedule of the shard's hit k.
func (s Shard) Global(k uint64) uint64 {
	if s.N <= 1 {
		return k
	}
	return k*uint64(s.N) + uint64(s.I)
}

// Of returns the shard's part of a: every N-th instant of a's schedule, from the I-th. Every
// shard built from the same schedule (the same shape and seed) agrees on who sends what, and
// the shards' parts together are a's schedule, each instant once. Without sharding it
// returns a itself.
func (s Shard) Of(a Arrival) Arrival {
	if !s.Sharded() {
		return a
	}
	return &shardArrival{a: a, s: s}
}

// shardArrival is one shard's part of an arrival schedule. Next, Pace and Rate agree as
// Arrival requires; Rate is the whole schedule's rate over N. A replay's exactness and notes
// are the whole schedule's.
type shardArrival struct {
	a Arrival
	s Shard
}

func (x *shardArrival) Next(n uint64) (time.Duration, bool) { return x.a.Next(x.s.Global(n)) }

func (x *shardArrival) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := x.Next(hits)
	if !ok {
		return 0, true
	}
	return max(at-elapsed, 0), false
}

func (x *shardArrival) Rate(elapsed time.Duration) float64 {
	return x.a.Rate(elapsed) / float64(x.s.N)
}

// Exact is the whole schedule's (see ExactArrival).
func (x *shardArrival) Exact() bool {
	e, ok := x.a.(ExactArrival)
	return ok && e.Exact()
}

// Notes are the whole schedule's (see NotedArrival).
func (x *shardArrival) Notes() []string {
	if n, ok := x.a.(NotedArrival); ok {
		return n.Notes()
	}
	return nil
}
