package model

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// The registry builds each pattern of its name, and refuses one it does not know, naming
// those it does.
func TestConsumerRegistry(t *testing.T) {
	if got := Patterns(); !slices.Equal(got, []string{"concurrency", "orchestrator", "priority"}) {
		t.Fatalf("Patterns() = %v", got)
	}
	q, err := NewQueue(QueueConfig{Name: "q"}, QueueHooks{})
	if err != nil {
		t.Fatal(err)
	}
	qs := []QueueAPI{q}
	cfg := ConsumerConfig{
		Concurrency:        ConcurrencyConfig{Concurrency: 2},
		Priority:           PriorityConfig{Concurrency: 2, Order: []int{0}, MaxReceive: []int{0}},
		Orchestrator:       OrchestratorConfig{Schedule: time.Minute, Timeout: 5 * time.Minute, Pace: 10},
		OrchestratorQueues: []int{0},
	}
	for name, want := range map[string]string{"concurrency": "*model.Concurrency",
		"priority": "*model.Priority", "orchestrator": "*model.Orchestrator"} {
		c, err := NewConsumer(name, qs, cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := typeName(c); got != want {
			t.Errorf("%s built a %s, want %s", name, got, want)
		}
	}
	_, err = NewConsumer("fifo-magic", qs, cfg)
	if !errors.Is(err, ErrUnknownPattern) || err.Error() != `consumer: unknown consumer pattern "fifo-magic" (known: concurrency, orchestrator, priority)` {
		t.Errorf("unknown pattern: %v", err)
	}
	cfg.OrchestratorQueues = []int{3}
	if _, err := NewConsumer("orchestrator", qs, cfg); err == nil {
		t.Error("an orchestrator over a queue that does not exist was built")
	}
}

func typeName(c Consumer) string {
	switch c.(type) {
	case *Concurrency:
		return "*model.Concurrency"
	case *Priority:
		return "*model.Priority"
	case *Orchestrator:
		return "*model.Orchestrator"
	}
	return "?"
}
