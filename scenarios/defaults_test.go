package scenarios

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// loadDefaults decodes a file, applies defaults and fails on any problem.
func loadDefaults(t *testing.T, doc string) *Scenario {
	t.Helper()
	s, err := LoadBytes("t.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("LoadBytes:\n%s\n%v", doc, err)
	}
	return s
}

func TestApplyDefaults(t *testing.T) {
	cases := []struct {
		name, yaml string
		got        func(s *Scenario) any
		want       string
	}{
		{"seed", header + client, func(s *Scenario) any { return *s.Seed }, "1"},
		{"seed kept", header + client + "seed: 7\n", func(s *Scenario) any { return *s.Seed }, "7"},
		{"mode", "name: t\nduration: 1m\n" + client, func(s *Scenario) any { return s.Mode }, "live"},
		{"drain live", "name: t\nduration: 1m\n" + client, func(s *Scenario) any { return s.Drain }, "30s"},
		{"drain both", "name: t\nduration: 1m\nmode: both\n" + client, func(s *Scenario) any { return s.Drain }, "30s"},
		{"drain sim", header + client, func(s *Scenario) any { return s.Drain }, "5m0s"},
		{"drain kept", header + client + "drain: 0s\n", func(s *Scenario) any { return s.Drain }, "0s"},
		{"start", header + client, func(s *Scenario) any { return s.Start.Format(time.RFC3339) }, "2026-01-05T00:00:00Z"},
		{"client", header + client, func(s *Scenario) any {
			c := s.Clients[0]
			return []any{c.Method, c.Path, c.Priority, c.Groups, c.Retry}
		}, "[POST / normal 1 <nil>]"},
		{"retry", header + client + "    retry: {policy: exponential}\n", func(s *Scenario) any {
			return *s.Clients[0].Retry
		}, "{exponential 100ms 10s 5 false}"},
		{"retry none", header + client + "    retry: {policy: none}\n", func(s *Scenario) any {
			return s.Clients[0].Retry.MaxAttempts
		}, "1"},
		{"no gateway", header + client, func(s *Scenario) any { return s.Gateway }, "<nil>"},
		{"gateway direct", header + client + "gateway: {}\n", func(s *Scenario) any {
			return []any{s.Gateway.Headers, s.Gateway.Integration, s.Gateway.Timeout}
		}, "[aws direct 29s]"},
		{"gateway queue", header + client + queue + "gateway: {}\n", func(s *Scenario) any {
			return s.Gateway.Integration
		}, "queue"},
		{"queue", header + client + queue, func(s *Scenario) any {
			return []any{s.Queues[0].VisibilityTimeout, s.Queues[0].Retention, s.Queues[0].MaxReceiveCount}
		}, "[30s 96h0m0s 0]"},
		{"consumer concurrency", header + client + queue + "consumer: {pattern: concurrency}\n", func(s *Scenario) any {
			c := s.Consumer
			return []any{c.Concurrency, c.BatchSize, c.Schedule, c.Order, c.State, c.Timeout, c.MemoryMB}
		}, "[10 1 <nil> []  30s 128]"},
		{"consumer priority", header + client + "queues: [{name: batch}, {name: x}, {name: high}]\nconsumer: {pattern: priority}\n", func(s *Scenario) any {
			return []any{s.Consumer.Concurrency, s.Consumer.Order}
		}, "[10 [high batch]]"},
		{"consumer priority other names", header + client + "queues: [{name: b}, {name: a}]\nconsumer: {pattern: priority}\n", func(s *Scenario) any {
			return s.Consumer.Order
		}, "[b a]"},
		{"consumer orchestrator", header + client + queue + "consumer: {pattern: orchestrator, pace: 1/s, quotas: [{limit: 1, per: 1s}], breaker: {failures: 2}}\n", func(s *Scenario) any {
			c := s.Consumer
			return []any{c.Concurrency, c.BatchSize, c.Schedule, c.State, c.Timeout, *c.Breaker, c.Quotas[0].Window}
		}, "[0 10 1m0s memory 5m0s {2 30s 10s} fixed]"},
		{"consumer kept", header + client + queue + "consumer: {pattern: concurrency, concurrency: 3, batch_size: 5, timeout: 1m, memory_mb: 512}\n", func(s *Scenario) any {
			c := s.Consumer
			return []any{c.Concurrency, c.BatchSize, c.Timeout, c.MemoryMB}
		}, "[3 5 1m0s 512]"},
		{"downstream", header + client + "downstream:\n  quotas: [{limit: 1, per: 1s}, {limit: 2, per: 1m, window: sliding}]\n  errors: {rate: 0.1}\n  outages: [{at: 1s, for: 1s, mode: error}, {at: 3s, for: 1s, mode: reset}]\n", func(s *Scenario) any {
			d := s.Downstream
			return []any{d.Quotas[0].Window, d.Quotas[1].Window, d.Timeout, d.HealthPath, d.Errors.Status, d.Outages[0].Status, d.Outages[1].Status}
		}, "[fixed sliding 3s /health 500 503 0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := loadDefaults(t, tc.yaml)
			if got := fmt.Sprint(tc.got(s)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestApplyDefaultsKeepsExplicitZero: a zero the file wrote is kept for Validate to judge.
func TestApplyDefaultsKeepsExplicitZero(t *testing.T) {
	s, err := Parse("t.yaml", []byte(header+client+"    groups: 0\n    method: ''\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.ApplyDefaults()
	if c := s.Clients[0]; c.Groups != 0 || c.Method != "" || c.Path != "/" {
		t.Errorf("groups %d, method %q, path %q: want 0, \"\", /", c.Groups, c.Method, c.Path)
	}
}

func TestApplyDefaultsIdempotent(t *testing.T) {
	once, err := Load("testdata/orchestrator.yaml")
	if err != nil {
		t.Fatal(err)
	}
	twice, _ := Load("testdata/orchestrator.yaml")
	twice.ApplyDefaults()
	if !reflect.DeepEqual(once, twice) {
		t.Errorf("a second ApplyDefaults changed the scenario")
	}
}

func TestIntegrationAndGatewayQueue(t *testing.T) {
	qs := func(names ...string) []Queue {
		var out []Queue
		for _, n := range names {
			out = append(out, Queue{Name: n})
		}
		return out
	}
	cases := []struct {
		name        string
		s           Scenario
		integration string
		queues      [4]string // for priorities "", high, normal, batch
	}{
		{"nothing", Scenario{}, "direct", [4]string{}},
		{"one queue, no gateway", Scenario{Queues: qs("orders")}, "queue", [4]string{"orders", "orders", "orders", "orders"}},
		{"priority queues", Scenario{Queues: qs("batch", "normal", "high")}, "queue", [4]string{"normal", "high", "normal", "batch"}},
		{"some priority queues", Scenario{Queues: qs("high", "normal")}, "queue", [4]string{"normal", "high", "normal", "high"}},
		{"gateway.queue", Scenario{Queues: qs("high", "other"), Gateway: &Gateway{Queue: "other"}}, "queue", [4]string{"other", "other", "other", "other"}},
		{"gateway without integration", Scenario{Queues: qs("q"), Gateway: &Gateway{}}, "queue", [4]string{"q", "q", "q", "q"}},
		{"direct despite queues", Scenario{Queues: qs("q"), Gateway: &Gateway{Integration: "direct"}}, "direct", [4]string{}},
	}
	for _, tc := range cases {
		if got := tc.s.Integration(); got != tc.integration {
			t.Errorf("%s: Integration() = %q, want %q", tc.name, got, tc.integration)
		}
		for i, p := range []string{"", "high", "normal", "batch"} {
			if got := tc.s.GatewayQueue(p); got != tc.queues[i] {
				t.Errorf("%s: GatewayQueue(%q) = %q, want %q", tc.name, p, got, tc.queues[i])
			}
		}
	}
}
