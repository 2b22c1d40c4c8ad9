package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// request is what the engine knows of one request while it lives: no more. Its slot is
// reused as soon as it ends, so memory is bounded by the requests in flight, not by the run.
type request struct {
	first   time.Duration // its first attempt
	prev    time.Duration // the client's previous retry wait
	reply   model.Reply   // its direct integration's answer, until its event fires
	handle  uint64        // the client port's name for the attempt the gateway works on
	token   model.Token
	client  int32
	attempt int32  // the attempt its client is on (1: the first)
	seen    int32  // the last attempt the gateway saw
	group   int32  // FIFO message group index + 1; 0: not on a FIFO queue
	arrival uint32 // its number among its client's arrivals
	gen     uint32
	cause   metrics.Reason // why it ends if its client gives up after the last answer
	state   state
	live    bool
}

// state is where a live request is, for the census.
type state uint8

const (
	stAttempt state = iota // an attempt on its way to or from the gateway
	stRetry                // its client waits to retry
	stDirect               // a direct integration's backend call
	stSending              // the gateway's (or a worker's) SendMessage under way
	stQueued               // in the consumer's queues
	stWorker               // with the orchestrator's worker (or Lambda's retries of its invoke)
)

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
		panic("engine: release of a request that is not live")
	}
	r.live = false
	s.live--
	s.free = append(s.free, uint32(ref))
}

// each calls fn for every live request.
func (s *slab) each(fn func(r *request)) {
	for i := range s.items {
		if s.items[i].live {
			fn(&s.items[i])
		}
	}
}
