// Package fakeapi serves the fake third-party API of model.API over real HTTP, for live runs
// and for the container image (Dockerfile).
//
// Every request except the reserved paths is a call: the model decides it at the server's now
// (the time since the server started or was last reset), the handler waits the reply's
// latency in real time and answers 200, 429 (with Retry-After when the model gives one), the
// model's error status, a TCP reset, or nothing at all (timeout outages). The reserved paths
// are the health check (GET /health by default) and the admin endpoints:
//
//	POST /_admin/reset  restart the clock and the quotas (a live run calls it at its start)
//	GET  /_admin/stats  calls by outcome and, per quota tier, the largest count observed in
//	                    any sliding window of the tier's length (see Stats)
//
// With per-key quotas the server's memory is bounded however many keys call: the model holds
// the quotas of at most model.APIConfig.MaxKeys keys (default model.DefaultMaxKeys), evicting
// the least recently used and counting evictions (KeysStats); a key longer than MaxKeyBytes
// is known by its digest; and the stats answer lists the TopKeys most called keys only.
package fakeapi

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// DefaultHealthPath is the health check's path when Config.HealthPath is empty.
const DefaultHealthPath = "/health"

// AdminPrefix starts the paths of the admin endpoints; no call can use them.
const AdminPrefix = "/_admin/"

// Config configures a Server. Only API is required.
type Config struct {
	// API is the model the server serves. API.Epoch is the wall-clock instant that now = 0
	// stands for at creation (zero: Clock() then); fixed quota windows are aligned to it. A
	// reset moves it by the time elapsed since creation, so that an epoch of time.Now()
	// keeps fixed windows on the wall clock's seconds, minutes and days.
	API model.APIConfig
	// HealthPath is the health check's path (default DefaultHealthPath).
	HealthPath string
	// Clock reads the wall clock (default time.Now); tests inject a fake one. Only the
	// model's now comes from it: latencies are waited in real time.
	Clock func() time.Time
	// Seed seeds the random source of latencies and error draws; a reset re-seeds it.
	Seed int64
}

// Server is the fake API: it serves a model.API over HTTP (Handler, Start). The model is not
// safe for concurrent use, so every decision is taken under one mutex, which also guards
// the seeded random source; latencies are waited outside it.
type Server struct {
	cfg     Config
	clock   func() time.Time
	created time.Time
	handler http.Handler
	quit    chan struct{} // closed when the server shuts down: hanging calls end
	stop    sync.Once
	pending atomic.Int64 // calls decided and not yet answered

	mu      sync.Mutex
	api     *model.API
	rng     *rand.Rand
	start   time.Time     // the wall-clock instant of now = 0
	last    time.Duration // the latest now handed to the model (now never goes back)
	outcome [model.CallReset + 1]int64
	keys    map[string]*keyStats // per key held by the model ("" without PerKey)

	evictedOvergrant float64 // the worst over-grant of the keys evicted since the reset

	run *running // set by Start
}

// New checks cfg and returns a server whose now = 0 is the present instant.
func New(cfg Config) (*Server, error) {
	if cfg.HealthPath == "" {
		cfg.HealthPath = DefaultHealthPath
	}
	if !strings.HasPrefix(cfg.HealthPath, "/") || strings.HasPrefix(cfg.HealthPath, AdminPrefix) {
		return nil, fmt.Errorf("new fake api: health path %q: want an absolute path outside %s",
			cfg.HealthPath, AdminPrefix)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Server{cfg: cfg, clock: cfg.Clock, created: cfg.Clock(), quit: make(chan struct{})}
	if s.cfg.API.Epoch.IsZero() {
		s.cfg.API.Epoch = s.created
	}
	if err := s.restart(s.created); err != nil {
		return nil, fmt.Errorf("new fake api: %w", err)
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// Handler returns the server's HTTP handler: calls, the health check and the admin endpoints.
func (s *Server) Handler() http.Handler { return s.handler }

// Reset makes the present instant the server's now = 0: the model is rebuilt (quotas,
// outage windows and counts start afresh), the statistics are cleared and the random source
// is re-seeded.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.restart(s.clock()); err != nil {
		return fmt.Errorf("reset fake api: %w", err)
	}
	return nil
}

// restart rebuilds the model with now = 0 at start. Callers hold mu (or own s alone).
func (s *Server) restart(start time.Time) error {
	cfg := s.cfg.API
	cfg.Epoch = cfg.Epoch.Add(start.Sub(s.created))
	api, err := model.NewAPI(cfg)
	if err != nil {
		return err
	}
	api.OnEvict(s.evict)
	s.api, s.start, s.last = api, start, 0
	s.rng = rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0x7468726f74746c65)) // "throttle"
	s.outcome = [len(s.outcome)]int64{}
	s.keys, s.evictedOvergrant = make(map[string]*keyStats), 0
	if !s.cfg.API.PerKey {
		s.keyStats("") // global tiers are listed from the start
	}
	return nil
}

// now returns the model's now. Callers hold mu.
func (s *Server) now() time.Duration {
	s.last = max(s.last, s.clock().Sub(s.start))
	return s.last
}

// decide asks the model about one call with API key key and records the outcome.
func (s *Server) decide(key string) model.Reply {
	if s.cfg.API.PerKey {
		key = keyID(key)
	} else {
		key = ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	r := s.api.Handle(now, key, s.rng)
	s.outcome[r.Outcome]++
	if r.Admitted || r.Outcome == model.CallThrottled { // the quotas decided: not an outage
		s.record(key, now, r.Admitted)
	}
	return r
}

// healthy reports what a health check sees now.
func (s *Server) healthy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.api.Health(s.now())
}
