// Package pipeline builds the models of one scenario: the clients' arrival processes and retry
// policies, the gateway, the queues, the consumer pattern and the downstream API. Both drivers,
// sim and live, build their pipeline here, so they run the very same models.
package pipeline

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/scenarios"
)

// DefaultStart is the run's start instant when a scenario does not give one: a Monday, 00:00 UTC.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Client is one traffic source with its models.
type Client struct {
	Name     string
	Key      string
	Route    string // "POST /orders"
	Priority string
	Arrival  model.Arrival
	Retry    model.RetryPolicy
	Queue    int // the queue its admitted requests go to (integration queue), else -1
	Groups   int // FIFO message groups it spreads over
}

// Pipeline is a scenario's models, wired by index.
type Pipeline struct {
	Scenario    *scenarios.Scenario
	Epoch       time.Time
	Clients     []Client
	Gateway     *model.Gateway // nil: no gateway limits
	Integration string         // queue or direct
	Queues      []*model.Queue
	DLQs        []*model.Queue // parallel to Queues; nil where there is none
	Pattern     model.Pattern  // the concurrency or priority pattern; nil otherwise
	// Orchestrator is seed 002's pattern; OrchQueues maps its queues (main, then re-queue)
	// to indexes of Queues, and Workers bounds its workers' concurrency (nil: unbounded).
	Orchestrator *model.Orchestrator
	OrchQueues   []int
	Workers      *model.Pool
	// Tokens holds the Step Functions executions waiting for their task token's callback,
	// when the consumer has a task_token section (seed 000); nil otherwise.
	Tokens  *model.TaskTokens
	Backend *model.Pool // direct integration through a Lambda function; nil: the API itself
	API     *model.API
	// CallTimeout is the downstream caller's timeout; GatewayTimeout the integration timeout of
	// direct integrations (29 s on AWS).
	CallTimeout, GatewayTimeout time.Duration
}

// Hooks gives the queue observers for queue index q (dead-lettering, retention expiry).
type Hooks func(q int) model.QueueHooks

// Build constructs the pipeline of sc (defaults applied, validated). seed seeds the clients'
// arrival processes, one stream each, so that adding a client leaves the others' arrivals as
// they were.
func Build(sc *scenarios.Scenario, seed int64, hooks Hooks) (*Pipeline, error) {
	p := &Pipeline{Scenario: sc, Epoch: DefaultStart, Integration: sc.Integration()}
	if sc.Start != nil {
		p.Epoch = *sc.Start
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(p.buildQueues(sc, hooks))
	add(p.buildClients(sc, seed))
	add(p.buildGateway(sc))
	add(p.buildAPI(sc))
	add(p.buildConsumer(sc))
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("build %s: %w", sc.Name, err)
	}
	return p, nil
}

// QueueIndex returns the index of the named queue, or -1.
func (p *Pipeline) QueueIndex(name string) int {
	for i, q := range p.Queues {
		if q.Name() == name {
			return i
		}
	}
	return -1
}

func (p *Pipeline) buildClients(sc *scenarios.Scenario, seed int64) error {
	for i, c := range sc.Clients {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(i+1)))
		arr, err := model.NewArrival(ArrivalConfig(c.Arrival), sc.Duration.D(), rng)
		if err != nil {
			return fmt.Errorf("clients[%d].arrival: %w", i, err)
		}
		rp, err := model.NewRetryPolicy(RetryConfig(c.Retry))
		if err != nil {
			return fmt.Errorf("clients[%d].retry: %w", i, err)
		}
		q := -1
		if p.Integration == "queue" {
			q = p.QueueIndex(sc.GatewayQueue(c.Priority))
		}
		p.Clients = append(p.Clients, Client{Name: c.Name, Key: c.APIKey, Route: c.Method + " " + c.Path,
			Priority: c.Priority, Arrival: arr, Retry: rp, Queue: q, Groups: max(1, c.Groups)})
	}
	return nil
}

func (p *Pipeline) buildGateway(sc *scenarios.Scenario) error {
	p.GatewayTimeout = scenarios.DefaultGatewayTimeout
	if sc.Gateway == nil {
		return nil
	}
	p.GatewayTimeout = sc.Gateway.Timeout.D()
	gw, err := model.NewGateway(GatewayConfig(sc.Gateway, p.Epoch))
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	p.Gateway = gw
	return nil
}

func (p *Pipeline) buildQueues(sc *scenarios.Scenario, hooks Hooks) error {
	for i, q := range sc.Queues {
		var h model.QueueHooks
		if hooks != nil {
			h = hooks(i)
		}
		var dlq *model.Queue
		if q.MaxReceiveCount > 0 {
			dcfg := QueueConfig(q)
			dcfg.Name, dcfg.MaxReceiveCount, dcfg.Delay = DLQName(q), 0, 0
			dcfg.Retention = 14 * 24 * time.Hour
			d, err := model.NewQueue(dcfg, model.QueueHooks{})
			if err != nil {
				return fmt.Errorf("queues[%d] dead-letter queue: %w", i, err)
			}
			dlq = d
		}
		cfg := QueueConfig(q)
		cfg.DeadLetter = dlq
		mq, err := model.NewQueue(cfg, h)
		if err != nil {
			return fmt.Errorf("queues[%d]: %w", i, err)
		}
		p.Queues = append(p.Queues, mq)
		p.DLQs = append(p.DLQs, dlq)
	}
	return nil
}

// DLQName is the name of a queue's dead-letter queue: "<name>-dlq", before a .fifo suffix.
func DLQName(q scenarios.Queue) string {
	if n, ok := cutSuffix(q.Name, ".fifo"); ok {
		return n + "-dlq.fifo"
	}
	return q.Name + "-dlq"
}

func cutSuffix(s, suf string) (string, bool) {
	if len(s) >= len(suf) && s[len(s)-len(suf):] == suf {
		return s[:len(s)-len(suf)], true
	}
	return s, false
}

func (p *Pipeline) buildAPI(sc *scenarios.Scenario) error {
	d := sc.DownstreamOrDefault()
	p.CallTimeout = d.Timeout.D()
	cfg, err := APIConfig(d, p.Epoch)
	if err != nil {
		return fmt.Errorf("downstream: %w", err)
	}
	api, err := model.NewAPI(cfg)
	if err != nil {
		return fmt.Errorf("downstream: %w", err)
	}
	p.API = api
	return nil
}

func (p *Pipeline) buildConsumer(sc *scenarios.Scenario) error {
	c := sc.Consumer
	if c == nil {
		return nil
	}
	if tt := c.TaskToken; tt != nil && p.Integration == "queue" {
		tokens, err := model.NewTaskTokens(model.TaskTokenConfig{Timeout: tt.Timeout.D(), Heartbeat: tt.Heartbeat.D()})
		if err != nil {
			return fmt.Errorf("consumer.task_token: %w", err)
		}
		p.Tokens = tokens
	}
	if p.Integration == "direct" && len(p.Queues) == 0 {
		p.Backend = model.NewPool(c.Concurrency)
		return nil
	}
	if c.Pattern == "orchestrator" {
		if err := p.addRequeueQueue(sc); err != nil {
			return err
		}
	}
	qs := make([]model.QueueAPI, len(p.Queues))
	for i, q := range p.Queues {
		qs[i] = q
	}
	return p.consumerOver(sc, qs)
}

// UseQueues rebuilds the consumer pattern or the orchestrator over other queues, index for
// index with Queues: a live run with real SQS queues drives the very same pattern.
func (p *Pipeline) UseQueues(qs []model.QueueAPI) error {
	if len(qs) != len(p.Queues) {
		return fmt.Errorf("use queues: %d queues for %d", len(qs), len(p.Queues))
	}
	if p.Pattern == nil && p.Orchestrator == nil {
		return nil
	}
	return p.consumerOver(p.Scenario, qs)
}

// consumerOver builds the scenario's consumer pattern, from the registry, over queues qs
// (index for index with Queues).
func (p *Pipeline) consumerOver(sc *scenarios.Scenario, qs []model.QueueAPI) error {
	c := sc.Consumer
	cfg := model.ConsumerConfig{
		Concurrency: model.ConcurrencyConfig{Concurrency: c.Concurrency, BatchSize: c.BatchSize, PollerRamp: c.PollerRamp},
		Priority:    model.PriorityConfig{Concurrency: c.Concurrency, BatchSize: c.BatchSize},
	}
	for _, name := range c.Order {
		cfg.Priority.Order = append(cfg.Priority.Order, p.QueueIndex(name))
	}
	for _, q := range sc.Queues {
		cfg.Priority.MaxReceive = append(cfg.Priority.MaxReceive, q.MaxReceiveCount)
	}
	if len(p.OrchQueues) > 0 {
		cfg.Orchestrator, cfg.OrchestratorQueues = p.orchestratorConfig(sc), p.OrchQueues
	}
	con, err := model.NewConsumer(c.Pattern, qs, cfg)
	if err != nil {
		return err
	}
	switch con := con.(type) {
	case model.Pattern:
		p.Pattern = con
	case *model.Orchestrator:
		p.Orchestrator = con
		if c.Concurrency > 0 {
			p.Workers = model.NewPool(c.Concurrency)
		}
	}
	return nil
}

// addRequeueQueue adds the re-queue queue an orchestrator with requeue_first reads first,
// unless the scenario lists it, and notes the orchestrator's queues in OrchQueues.
func (p *Pipeline) addRequeueQueue(sc *scenarios.Scenario) error {
	c := sc.Consumer
	main := sc.Queues[0]
	p.OrchQueues = []int{0}
	if c.RequeueFirst {
		name := sc.RequeueQueue()
		rq := p.QueueIndex(name)
		if rq < 0 {
			cfg := QueueConfig(main)
			cfg.Name, cfg.MaxReceiveCount, cfg.Delay = name, 0, 0
			q, err := model.NewQueue(cfg, model.QueueHooks{})
			if err != nil {
				return fmt.Errorf("consumer: re-queue queue: %w", err)
			}
			p.Queues, p.DLQs = append(p.Queues, q), append(p.DLQs, nil)
			rq = len(p.Queues) - 1
		}
		p.OrchQueues = append(p.OrchQueues, rq)
	}
	return nil
}

// orchestratorConfig is seed 002's orchestrator as the scenario configures it, over the first
// queue (and its re-queue queue).
func (p *Pipeline) orchestratorConfig(sc *scenarios.Scenario) model.OrchestratorConfig {
	c := sc.Consumer
	cfg := model.OrchestratorConfig{Schedule: dur(c.Schedule), Timeout: dur(c.Timeout),
		Pace: rate(c.Pace), Quotas: QuotaConfigs(c.Quotas), BatchSize: c.BatchSize,
		RequeueFirst: c.RequeueFirst, Visibility: dur(sc.Queues[0].VisibilityTimeout), Epoch: p.Epoch,
		Guard: model.DefaultOrchestratorGuard}
	if b := c.Breaker; b != nil {
		cfg.Breaker = &model.BreakerConfig{Failures: b.Failures, OpenFor: b.OpenFor.D(), HealthCheck: b.HealthCheck.D()}
	}
	return cfg
}
