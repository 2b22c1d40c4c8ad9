package model

import (
	"errors"
	"fmt"
)

// Consumer is a consumer pattern built by NewConsumer: how work leaves the queues. It is a
// Pattern, which a driver polls (concurrency, priority), or an *Orchestrator, which a driver
// steps.
type Consumer interface{ consumer() }

func (*Concurrency) consumer()  {}
func (*Priority) consumer()     {}
func (*Orchestrator) consumer() {}

// ConsumerConfig configures a consumer pattern; each pattern reads its own part.
type ConsumerConfig struct {
	Concurrency  ConcurrencyConfig
	Priority     PriorityConfig
	Orchestrator OrchestratorConfig
	// OrchestratorQueues are the indexes, among the queues handed to NewConsumer, of the
	// orchestrator's main queue and its optional re-queue queue.
	OrchestratorQueues []int
}

// ConsumerFactory builds a consumer pattern over queues.
type ConsumerFactory func(queues []QueueAPI, cfg ConsumerConfig) (Consumer, error)

// ErrUnknownPattern is wrapped by NewConsumer's error for a pattern nobody registered.
var ErrUnknownPattern = errors.New("unknown consumer pattern")

var consumerPatterns = namedFactories[ConsumerFactory]{kind: "consumer pattern", unknown: ErrUnknownPattern}

// RegisterPattern makes a consumer pattern available to NewConsumer under name. It is meant
// to be called from init() and panics when name is empty or already registered.
func RegisterPattern(name string, f ConsumerFactory) {
	consumerPatterns.register("RegisterPattern", name, f)
}

// Patterns returns the names of the registered consumer patterns, sorted.
func Patterns() []string { return consumerPatterns.names() }

// NewConsumer builds the consumer pattern name over queues.
func NewConsumer(name string, queues []QueueAPI, cfg ConsumerConfig) (Consumer, error) {
	f, err := consumerPatterns.lookup(name)
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	return f(queues, cfg)
}

func init() {
	RegisterPattern("concurrency", func(qs []QueueAPI, cfg ConsumerConfig) (Consumer, error) {
		return NewConcurrency(qs, cfg.Concurrency)
	})
	RegisterPattern("priority", func(qs []QueueAPI, cfg ConsumerConfig) (Consumer, error) {
		return NewPriority(qs, cfg.Priority)
	})
	RegisterPattern("orchestrator", func(qs []QueueAPI, cfg ConsumerConfig) (Consumer, error) {
		own := make([]QueueAPI, len(cfg.OrchestratorQueues))
		for i, q := range cfg.OrchestratorQueues {
			if q < 0 || q >= len(qs) {
				return nil, fmt.Errorf("orchestrator: queue index %d out of %d queues", q, len(qs))
			}
			own[i] = qs[q]
		}
		return NewOrchestrator(own, cfg.Orchestrator)
	})
}
