package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The kernel gives events back in (at, seq) order however pushes, peeks and pops interleave,
// as a sorted list does: a randomized comparison with equal instants, long and short delays,
// and now moved forward between events as the simulator's arrivals move it.
func TestKernelOrder(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var k kernel
		var ref []event // the pending events, as the kernel should hold them
		for step := range 2000 {
			switch op := rng.IntN(10); {
			case op < 5 || len(ref) == 0:
				delays := []time.Duration{0, 1, 7, time.Duration(rng.IntN(1000)),
					time.Duration(rng.Int64N(int64(20 * time.Millisecond))), // a few slots of the wheel
					time.Duration(rng.Int64N(int64(5 * time.Second))),       // about its whole span
					time.Duration(rng.Int64N(int64(time.Hour)))}
				at := k.now + delays[rng.IntN(len(delays))]
				k.schedule(at, evCallDone, uint64(step))
				ref = append(ref, event{at: at, seq: k.seq, data: uint64(evCallDone)<<argBits | uint64(step)})
			case op == 9:
				// An arrival, kept out of the kernel, moves now forward but never past the
				// earliest pending event.
				limit := time.Duration(rng.Int64N(int64(time.Hour)))
				if len(ref) > 0 {
					limit = minEvent(ref).at - k.now
				}
				if limit > 0 {
					k.now += time.Duration(rng.Int64N(int64(limit) + 1))
				}
			case op < 7:
				at, ok := k.peek()
				want := minEvent(ref)
				if !ok || at != want.at {
					t.Fatalf("seed %d step %d: peek %v %v, want %v", seed, step, at, ok, want.at)
				}
			default:
				e, ok := k.next()
				want := minEvent(ref)
				if !ok || e != want {
					t.Fatalf("seed %d step %d: next %+v, want %+v", seed, step, e, want)
				}
				ref = slices.DeleteFunc(ref, func(x event) bool { return x.seq == want.seq })
				if k.now != e.at {
					t.Fatalf("now %v after an event at %v", k.now, e.at)
				}
			}
		}
		for len(ref) > 0 {
			e, _ := k.next()
			want := minEvent(ref)
			if e != want {
				t.Fatalf("seed %d drain: next %+v, want %+v", seed, e, want)
			}
			ref = slices.DeleteFunc(ref, func(x event) bool { return x.seq == want.seq })
		}
		if _, ok := k.next(); ok {
			t.Fatal("an event left over")
		}
	}
}

func minEvent(es []event) event {
	m := es[0]
	for _, e := range es[1:] {
		if e.at < m.at || (e.at == m.at && e.seq < m.seq) {
			m = e
		}
	}
	return m
}

// An event scheduled in the past fires now.
func TestKernelClampsToNow(t *testing.T) {
	var k kernel
	k.schedule(10, evWake, 1)
	k.next()
	k.schedule(5, evWake, 2)
	if e, _ := k.next(); e.at != 10 || e.arg() != 2 {
		t.Fatalf("got %+v", e)
	}
}

func BenchmarkKernel(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var k kernel
	for i := range 300 {
		k.schedule(time.Duration(rng.Int64N(int64(time.Second))), evCallDone, uint64(i))
	}
	for b.Loop() {
		e, _ := k.next()
		k.schedule(e.at+time.Duration(rng.ExpFloat64()*float64(100*time.Millisecond)), evCallDone, e.arg())
	}
}
