package live

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// StateStore is where the Lambda orchestrator (seed 002) keeps its state, shared between
// its runs and its workers: the counters of its multi-tier quota and its circuit breaker.
// The seed keeps them in DynamoDB; NewDynamoStore is that, NewMemoryStore the same
// semantics in process. Implementations are safe for concurrent use.
type StateStore interface {
	// TakeQuota adds n to the counter of every key, only if each stays within its Limit,
	// and reports whether it did; nothing is added when one would go over. A key's
	// counter starts at 0; Expires is when it may be forgotten.
	TakeQuota(ctx context.Context, keys []QuotaKey, n int64) (ok bool, err error)
	// QuotaUsed returns a key's counter (0 for a key never taken from).
	QuotaUsed(ctx context.Context, key string) (int64, error)
	// GetBreaker returns the breaker's record; a store never written holds the zero
	// record (closed, Version 0).
	GetBreaker(ctx context.Context) (BreakerRecord, error)
	// PutBreaker stores rec, optimistically: only if the stored Version is rec.Version
	// (the version rec was read at), and then with Version rec.Version+1. ok is false,
	// with a nil error, when another writer got there first: read again and decide again.
	PutBreaker(ctx context.Context, rec BreakerRecord) (ok bool, err error)
	// Calls returns how many reads and writes the store made, for the AWS cost estimate.
	Calls() StoreCalls
}

// QuotaKey names one quota counter: a tier and the window it counts, such as
// "tier1:1767571200" (tier 1, the window starting at that Unix second).
type QuotaKey struct {
	Name    string
	Limit   int64     // the most the counter may reach
	Expires time.Time // when the counter may be forgotten (DynamoDB's TTL attribute)
}

// BreakerRecord is the circuit breaker as stored. The zero value is a closed breaker
// never written.
type BreakerRecord struct {
	Open     bool
	Since    time.Time // when it last opened or closed
	Failures int       // consecutive failures counted while closed
	Version  int64     // bumped by every successful PutBreaker
}

// StoreCalls counts a store's requests: reads (GetItem) and writes (conditional updates
// and puts, including those refused by their condition and the undo writes of TakeQuota),
// each being one request to DynamoDB. The memory store counts what DynamoDB would.
type StoreCalls struct{ Reads, Writes int64 }

// memoryStore is StateStore in process.
type memoryStore struct {
	mu        sync.Mutex
	quotas    map[string]memQuota
	breaker   BreakerRecord
	lastPrune time.Time
	reads     atomic.Int64
	writes    atomic.Int64
}

type memQuota struct {
	used    int64
	expires time.Time
}

// memPruneEvery is how often the memory store forgets counters whose Expires has passed.
const memPruneEvery = time.Minute

// NewMemoryStore returns an empty in-process StateStore. TakeQuota is atomic (it holds a
// lock), where the DynamoDB store leaves a window (see NewDynamoStore); Calls counts the
// requests DynamoDB would have had. A counter is forgotten once its Expires has passed
// (checked at most once a minute), as DynamoDB's TTL eventually does.
func NewMemoryStore() StateStore {
	return &memoryStore{quotas: map[string]memQuota{}}
}

// TakeQuota adds n to every key's counter if none goes over its Limit.
func (s *memoryStore) TakeQuota(ctx context.Context, keys []QuotaKey, n int64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("take quota: %w", err)
	}
	if n < 0 {
		return false, fmt.Errorf("take quota: n %d is negative", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(time.Now())
	for i, k := range keys {
		switch {
		case n > k.Limit: // DynamoDB: i updates and their i undos, no request for key i
			s.writes.Add(int64(2 * i))
			return false, nil
		case s.quotas[k.Name].used+n > k.Limit: // i+1 updates, the last refused, i undos
			s.writes.Add(int64(2*i + 1))
			return false, nil
		}
	}
	s.writes.Add(int64(len(keys)))
	for _, k := range keys {
		q := s.quotas[k.Name]
		q.used += n
		q.expires = k.Expires
		s.quotas[k.Name] = q
	}
	return true, nil
}

// prune forgets expired counters, at most once per memPruneEvery; s.mu is held.
func (s *memoryStore) prune(now time.Time) {
	if now.Sub(s.lastPrune) < memPruneEvery {
		return
	}
	s.lastPrune = now
	for name, q := range s.quotas {
		if !q.expires.IsZero() && now.After(q.expires) {
			delete(s.quotas, name)
		}
	}
}

// QuotaUsed returns the key's counter.
func (s *memoryStore) QuotaUsed(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("quota used: %w", err)
	}
	s.reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quotas[key].used, nil
}

// GetBreaker returns the breaker's record.
func (s *memoryStore) GetBreaker(ctx context.Context) (BreakerRecord, error) {
	if err := ctx.Err(); err != nil {
		return BreakerRecord{}, fmt.Errorf("get breaker: %w", err)
	}
	s.reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.breaker, nil
}

// PutBreaker stores rec if the stored Version is rec.Version.
func (s *memoryStore) PutBreaker(ctx context.Context, rec BreakerRecord) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("put breaker: %w", err)
	}
	s.writes.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.breaker.Version != rec.Version {
		return false, nil
	}
	rec.Version++
	s.breaker = rec
	return true, nil
}

// Calls returns the requests DynamoDB would have had.
func (s *memoryStore) Calls() StoreCalls {
	return StoreCalls{Reads: s.reads.Load(), Writes: s.writes.Load()}
}
