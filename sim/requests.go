package sim

import (
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// request is what the simulator knows of one request while it lives: no more. Its slot is
// reused as soon as it ends, so memory is bounded by the requests in flight, not by the run.
type request struct {
	first      time.Duration // its first attempt
	prev       time.Duration // the client's previous retry wait
	callStart  time.Duration // when its synchronous backend call started
	retryAfter time.Duration // the Retry-After of that call's answer
	execStart  time.Duration // when its Step Functions execution started (task tokens)
	token      model.Token
	client     int32
	attempt    int32
	group      int32  // FIFO message group index + 1; 0: not on a FIFO queue
	arrival    uint32 // its number among its client's arrivals
	gen        uint32
	outcome    model.CallOutcome
	admitted   bool
	live       bool
}

// groupKey names a client's FIFO message group.
type groupKey struct{ client, group int32 }

// slab holds live requests by reference: index in the low 32 bits, generation in the next 28
// (a reference fits an event's 60-bit argument), so that a stale reference (a duplicate
// delivery of a message whose request already ended) is recognised.
type slab struct {
	items []request
	free  []uint32
	live  int
}

const genMask = 1<<28 - 1

func (s *slab) alloc() uint64 {
	var i uint32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		i = uint32(len(s.items))
		s.items = append(s.items, request{})
	}
	r := &s.items[i]
	gen := (r.gen + 1) & genMask
	if gen == 0 {
		gen = 1
	}
	*r = request{gen: gen, live: true}
	s.live++
	return uint64(gen)<<32 | uint64(i)
}

// get returns the live request of ref, or nil when ref is stale.
func (s *slab) get(ref uint64) *request {
	i := uint32(ref)
	if int(i) >= len(s.items) {
		return nil
	}
	r := &s.items[i]
	if !r.live || r.gen != uint32(ref>>32) {
		return nil
	}
	return r
}

func (s *slab) release(ref uint64) {
	r := s.get(ref)
	if r == nil {
		panic("sim: release of a request that is not live")
	}
	r.live = false
	s.live--
	s.free = append(s.free, uint32(ref))
}
