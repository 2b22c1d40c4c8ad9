package live

import (
	"strconv"
	"sync"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// reqKey identifies a logical request across its attempts: its client and the sequence
// number vegeta gave its first attempt (sent as X-Vegeta-Seq on every attempt).
type reqKey struct {
	client int
	seq    uint64
}

// entry is what the live run knows of one request while it lives.
type entry struct {
	first    time.Duration  // when the gateway first saw it
	attempt  int            // attempts made so far
	prev     time.Duration  // the client's previous retry wait
	queued   bool           // the gateway put it on a queue: it lives on there
	ended    bool           // completed, rejected or failed
	offered  bool           // the client recorded its first attempt
	inflight int            // HTTP attempts under way from the client
	cause    metrics.Reason // how it ends if its client gives up after the last answer
	token    model.Token    // its Step Functions execution's task token, 0: none
}

// table holds the live requests; it is the live driver's counterpart of the simulator's slab.
// Entries are removed once a request has ended and the client is done with it, so memory
// stays bounded by the requests in flight.
type table struct {
	mu sync.Mutex
	m  map[reqKey]*entry
	// refs maps queue message bodies (uint64) to keys and back.
	refs  map[uint64]reqKey
	next  uint64
	byKey map[reqKey]uint64
	// lastDone is the arrival of the latest completed request of each FIFO message group
	// (keyed by client and group index).
	lastDone map[reqKey]time.Duration
}

func newTable() *table {
	return &table{m: map[reqKey]*entry{}, refs: map[uint64]reqKey{}, byKey: map[reqKey]uint64{},
		lastDone: map[reqKey]time.Duration{}}
}

// get returns the entry of k, creating it at now; the caller holds t.mu.
func (t *table) get(k reqKey, now time.Duration) *entry {
	e := t.m[k]
	if e == nil {
		e = &entry{first: now, cause: metrics.FailDownstream} // until the gateway says otherwise
		t.m[k] = e
	}
	return e
}

// ref returns the queue body of k, allocating one; the caller holds t.mu.
func (t *table) ref(k reqKey) uint64 {
	if r, ok := t.byKey[k]; ok {
		return r
	}
	t.next++
	t.refs[t.next] = k
	t.byKey[k] = t.next
	return t.next
}

// drop forgets an ended request the client no longer needs; the caller holds t.mu.
func (t *table) drop(k reqKey) {
	e := t.m[k]
	if e == nil || !e.ended || !e.offered || e.inflight > 0 {
		return
	}
	delete(t.m, k)
	if r, ok := t.byKey[k]; ok {
		delete(t.byKey, k)
		delete(t.refs, r)
	}
}

// live counts requests not ended; the caller holds t.mu.
func (t *table) live() int {
	n := 0
	for _, e := range t.m {
		if !e.ended {
			n++
		}
	}
	return n
}

func parseSeq(s string) (uint64, bool) {
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}
