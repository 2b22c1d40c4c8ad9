package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// DefaultStart is the default Scenario.Start: Monday 2026-01-05 at midnight UTC, so that day,
// week and month quota periods begin with the run.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// ApplyDefaults fills in what the file left out. A field counts as left out when it holds its
// zero value and, for a file that was decoded, was not written: an explicit `batch_size: 0` is
// kept (and Validate rejects it) rather than silently replaced. ApplyDefaults is idempotent.
//
//	field                           default
//	name                            the file's base name without .yaml or .yml
//	seed                            1
//	mode                            live (the contract's default)
//	drain                           5m when mode is sim; 30s for live and both
//	start                           2026-01-05T00:00:00Z (DefaultStart)
//	clients[].method                POST
//	clients[].path                  /
//	clients[].priority              normal
//	clients[].groups                1
//	clients[].retry.base            100ms   (only when a retry section exists)
//	clients[].retry.cap             10s
//	clients[].retry.max_attempts    5; 1 for policy none (none makes no retries)
//	gateway.type                    rest
//	gateway.headers                 aws
//	gateway.integration             queue when queues are given, else direct (see Integration)
//	gateway.timeout                 29s (the REST API integration timeout); 30s for type http
//	                                (the HTTP API's); 15m for type none (a caller invoking
//	                                Lambda directly waits for the function, at most 15 min)
//	queues[].visibility_timeout     30s
//	queues[].retention              96h
//	consumer.concurrency            10 for patterns concurrency and priority; for orchestrator 0
//	                                means worker invokes are limited by pace alone
//	consumer.batch_size             1; 10 for orchestrator
//	consumer.schedule               1m (orchestrator)
//	consumer.order                  [high, normal, batch] restricted to the queues that exist,
//	                                or every queue in file order when none of those exist (priority)
//	consumer.state                  memory (orchestrator)
//	consumer.timeout                5m for orchestrator; 30s otherwise
//	consumer.memory_mb              128
//	consumer.breaker.open_for       30s
//	consumer.breaker.health_check   10s
//	consumer.quotas[].window        fixed
//	downstream.quotas[].window      fixed (the contract's examples write the window explicitly;
//	                                fixed is the AWS-like default when they do not)
//	downstream.timeout              3s
//	downstream.health_path          /health
//	downstream.errors.status        500
//	downstream.outages[].status     503 for mode error
//
// A scenario without a gateway section keeps Gateway nil, meaning no gateway limits; its
// integration is still given by Integration and its queues by GatewayQueue.
//
// A client replaying a trace (shape replay) has its trace found and read first (Validate
// reports a trace that cannot be replayed); then
//
//	duration                        the longest replay's span (from its trace's first request
//	                                to the end of its last, over its speed, in whole seconds)
//	start                           the first replayed trace's first instant
func (s *Scenario) ApplyDefaults() {
	if s.unset("name", s.Name == "") {
		s.Name = fileBase(s.File)
	}
	s.resolveTraces()
	if s.Seed == nil {
		seed := int64(1)
		s.Seed = &seed
	}
	if s.unset("mode", s.Mode == "") {
		s.Mode = "live"
	}
	if s.Drain == nil {
		s.Drain = DurationOf(30 * time.Second)
		if s.Mode == "sim" {
			s.Drain = DurationOf(5 * time.Minute)
		}
	}
	if s.Start == nil {
		start := DefaultStart
		s.Start = &start
	}
	for i := range s.Clients {
		s.defaultClient(i)
	}
	s.defaultGateway()
	for i := range s.Queues {
		q := &s.Queues[i]
		setDuration(&q.VisibilityTimeout, 30*time.Second)
		setDuration(&q.Retention, 96*time.Hour)
	}
	s.defaultConsumer()
	s.defaultDownstream()
}

// Integration returns the effective gateway integration: gateway.integration when written,
// else queue when the scenario has queues and direct when it has none. It holds whether or not
// there is a gateway section.
func (s *Scenario) Integration() string {
	if s.Gateway != nil && s.Gateway.Integration != "" {
		return s.Gateway.Integration
	}
	if len(s.Queues) > 0 {
		return "queue"
	}
	return "direct"
}

// GatewayQueue returns the queue the gateway sends a request of the given priority to
// (an empty priority counts as normal): gateway.queue when set, else the queue named after
// the priority when there is one (queues named high, normal and batch), else the first queue.
// It returns "" when the integration is direct or there are no queues.
func (s *Scenario) GatewayQueue(priority string) string {
	if s.Integration() != "queue" || len(s.Queues) == 0 {
		return ""
	}
	if s.Gateway != nil && s.Gateway.Queue != "" {
		return s.Gateway.Queue
	}
	if priority == "" {
		priority = "normal"
	}
	if s.queueIndex(priority) >= 0 {
		return priority
	}
	return s.Queues[0].Name
}

// queueIndex returns the index of the queue named name, or -1.
func (s *Scenario) queueIndex(name string) int {
	return slices.IndexFunc(s.Queues, func(q Queue) bool { return q.Name == name })
}

// unset reports whether a field holding a zero value (zero is true) was left out of the file.
// For a scenario that was not decoded every zero value counts as left out.
func (s *Scenario) unset(path string, zero bool) bool {
	if !zero {
		return false
	}
	_, written := s.lines[path]
	return !written
}

func setDuration(d **Duration, v time.Duration) {
	if *d == nil {
		*d = DurationOf(v)
	}
}

func (s *Scenario) setString(path string, f *string, v string) {
	if s.unset(path, *f == "") {
		*f = v
	}
}

func (s *Scenario) setInt(path string, f *int, v int) {
	if s.unset(path, *f == 0) {
		*f = v
	}
}

func (s *Scenario) defaultClient(i int) {
	c, p := &s.Clients[i], fmt.Sprintf("clients[%d]", i)
	s.setString(p+".method", &c.Method, "POST")
	s.setString(p+".path", &c.Path, "/")
	s.setString(p+".priority", &c.Priority, "normal")
	s.setInt(p+".groups", &c.Groups, 1)
	if r := c.Retry; r != nil {
		setDuration(&r.Base, 100*time.Millisecond)
		setDuration(&r.Cap, 10*time.Second)
		attempts := 5
		if r.Policy == "none" {
			attempts = 1
		}
		s.setInt(p+".retry.max_attempts", &r.MaxAttempts, attempts)
	}
}

func (s *Scenario) defaultGateway() {
	g := s.Gateway
	if g == nil {
		return
	}
	s.setString("gateway.type", &g.Type, "rest")
	s.setString("gateway.headers", &g.Headers, "aws")
	s.setString("gateway.integration", &g.Integration, s.Integration())
	timeout := map[string]time.Duration{"http": 30 * time.Second, "none": 15 * time.Minute}[g.Type]
	setDuration(&g.Timeout, cmp.Or(timeout, DefaultGatewayTimeout))
}

func (s *Scenario) defaultConsumer() {
	c := s.Consumer
	if c == nil {
		return
	}
	orch := c.Pattern == "orchestrator"
	if c.Pattern == "concurrency" || c.Pattern == "priority" {
		s.setInt("consumer.concurrency", &c.Concurrency, 10)
	}
	s.setInt("consumer.batch_size", &c.BatchSize, pick(orch, 10, 1))
	if orch {
		setDuration(&c.Schedule, time.Minute)
		s.setString("consumer.state", &c.State, "memory")
	}
	if c.Pattern == "priority" && s.unset("consumer.order", c.Order == nil) {
		c.Order = s.defaultOrder()
	}
	setDuration(&c.Timeout, pick(orch, 5*time.Minute, 30*time.Second))
	s.setInt("consumer.memory_mb", &c.MemoryMB, 128)
	if b := c.Breaker; b != nil {
		if s.unset("consumer.breaker.open_for", b.OpenFor == 0) {
			b.OpenFor = Duration(30 * time.Second)
		}
		if s.unset("consumer.breaker.health_check", b.HealthCheck == 0) {
			b.HealthCheck = Duration(10 * time.Second)
		}
	}
	s.defaultWindows("consumer.quotas", c.Quotas)
}

// defaultOrder is [high, normal, batch] restricted to existing queues, or every queue.
func (s *Scenario) defaultOrder() []string {
	var order []string
	for _, p := range Priorities {
		if s.queueIndex(p) >= 0 {
			order = append(order, p)
		}
	}
	if len(order) == 0 {
		for _, q := range s.Queues {
			order = append(order, q.Name)
		}
	}
	return order
}

func (s *Scenario) defaultWindows(path string, qs []Quota) {
	for i := range qs {
		s.setString(fmt.Sprintf("%s[%d].window", path, i), &qs[i].Window, "fixed")
	}
}

// Defaults a scenario without the section gets (see ApplyDefaults).
const (
	DefaultGatewayTimeout    = 29 * time.Second // API Gateway's integration timeout (REST)
	DefaultDownstreamTimeout = 3 * time.Second
	DefaultHealthPath        = "/health"
)

// DownstreamOrDefault is the downstream section, or when the scenario has none (the backend
// is a plain API with no quotas, no latency), one with its defaults applied.
func (s *Scenario) DownstreamOrDefault() *Downstream {
	if s.Downstream != nil {
		return s.Downstream
	}
	return &Downstream{Timeout: DurationOf(DefaultDownstreamTimeout), HealthPath: DefaultHealthPath}
}

func (s *Scenario) defaultDownstream() {
	d := s.Downstream
	if d == nil {
		return
	}
	s.defaultWindows("downstream.quotas", d.Quotas)
	setDuration(&d.Timeout, DefaultDownstreamTimeout)
	s.setString("downstream.health_path", &d.HealthPath, DefaultHealthPath)
	if d.Errors != nil {
		s.setInt("downstream.errors.status", &d.Errors.Status, 500)
	}
	for i := range d.Outages {
		if o := &d.Outages[i]; o.Mode == "error" {
			s.setInt(fmt.Sprintf("downstream.outages[%d].status", i), &o.Status, 503)
		}
	}
}

func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}
