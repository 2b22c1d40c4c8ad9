package cfnimport

import (
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// maxBatch is the largest receive batch of a scenario (an SQS receive returns at most 10).
const maxBatch = 10

// consumer builds the consumer section: the function an SQS event source feeds, else a
// scheduled function that polls the queues (the orchestrator), else with a direct integration
// and no queues the function behind the API.
func (b *builder) consumer(sc *scenarios.Scenario) *scenarios.Consumer {
	var c *scenarios.Consumer
	var used *schedule
	switch {
	case len(sc.Queues) > 0 && len(b.consumers) > 0:
		c = b.queueConsumer()
	case len(sc.Queues) > 0:
		if used = b.orchestratorSchedule(); used != nil {
			c = b.orchestrator(used)
		} else {
			b.comment("queues", "no Lambda function consumes these queues in the template: nothing drains them")
		}
	case sc.Integration() == "direct":
		c = b.directConsumer()
	}
	for _, s := range b.schedules {
		if s != used {
			b.note(s.r, "schedule %q of %s is not modelled (an orchestrator is a scheduled function polling queues no event source reads)", s.expr, s.fn)
		}
	}
	return c
}

// queueConsumer is the function of the first SQS event source, with every queue it reads.
func (b *builder) queueConsumer() *scenarios.Consumer {
	fn := b.consumers[0].fn
	c := &scenarios.Consumer{Pattern: "concurrency"}
	var maxConc *int
	var batch *int
	for _, es := range b.consumers {
		if es.fn != fn {
			b.note(es.r, "%s also consumes %s: a scenario has one consumer (%s's limits are used)", es.fn, es.queue, fn)
			continue
		}
		if es.maxConc != nil && (maxConc == nil || *es.maxConc < *maxConc) {
			maxConc = es.maxConc
		}
		if batch == nil {
			batch = es.batch
		}
	}
	f := b.fns[fn]
	b.comment("consumer", "%s, fed by SQS event source mappings", fn)
	b.concurrency(c, f, maxConc)
	b.batch(c, batch)
	if src := b.sourceOf(fn, "batch", batch); src != "" && batch != nil && *batch == c.BatchSize {
		b.fields["consumer.batch_size"] = src
	}
	b.lambdaLimits(c, f, true)
	return c
}

// sourceOf is the event source of fn whose setting key ("batch", "maxConc") has value v.
func (b *builder) sourceOf(fn, key string, v *int) string {
	for _, es := range b.consumers {
		p := map[string]*int{"batch": es.batch, "maxConc": es.maxConc}[key]
		if es.fn == fn && p != nil && v != nil && *p == *v && es.src[key] != "" {
			return es.src[key]
		}
	}
	return ""
}

// concurrency sets the consumer's concurrency: the smaller of the function's reserved
// concurrency and the event source's maximum concurrency.
func (b *builder) concurrency(c *scenarios.Consumer, f *function, maxConc *int) {
	var reserved *int
	if f != nil && f.reserved != nil {
		if *f.reserved < 1 {
			b.note(f.r, "ReservedConcurrentExecutions %d: the function never runs", *f.reserved)
		} else {
			reserved, f.used = f.reserved, true
		}
	}
	switch {
	case reserved != nil && maxConc != nil:
		c.Concurrency = min(*reserved, *maxConc)
		b.comment("consumer.concurrency", "min(ReservedConcurrentExecutions %d, ScalingConfig.MaximumConcurrency %d)", *reserved, *maxConc)
		b.concurrencySource(f, maxConc, *reserved <= *maxConc)
	case reserved != nil:
		c.Concurrency = *reserved
		b.comment("consumer.concurrency", "ReservedConcurrentExecutions")
		b.concurrencySource(f, maxConc, true)
	case maxConc != nil:
		c.Concurrency = *maxConc
		b.comment("consumer.concurrency", "ScalingConfig.MaximumConcurrency")
		b.concurrencySource(f, maxConc, false)
	default:
		b.comment("consumer", "no ReservedConcurrentExecutions or MaximumConcurrency: AWS scales to the account's unreserved concurrency; set concurrency (throttlelab's default is 10)")
	}
}

// concurrencySource records where consumer.concurrency came from: f's reserved concurrency,
// or the maximum concurrency of its event source.
func (b *builder) concurrencySource(f *function, maxConc *int, reserved bool) {
	switch {
	case f == nil:
	case reserved:
		b.fieldFrom("consumer.concurrency", f.src["reserved"])
	default:
		b.fieldFrom("consumer.concurrency", b.sourceOf(f.r.qid, "maxConc", maxConc))
	}
}

// batch sets the receive batch: the event source's BatchSize (AWS's default for SQS is 10),
// capped at 10.
func (b *builder) batch(c *scenarios.Consumer, batch *int) {
	switch {
	case batch == nil:
		c.BatchSize = maxBatch
		b.comment("consumer.batch_size", "BatchSize not set: AWS's default for SQS")
	case *batch > maxBatch:
		c.BatchSize = maxBatch
		b.comment("consumer.batch_size", "BatchSize %d capped: a scenario's receive batch is at most %d", *batch, maxBatch)
	case *batch < 1:
		c.BatchSize = 1
		b.comment("consumer.batch_size", "BatchSize %d raised to 1", *batch)
	default:
		c.BatchSize = *batch
	}
}

// lambdaLimits sets the consumer's timeout and memory from the function; aws says whether a
// missing Timeout is AWS's default 3 s (workers) rather than throttlelab's default.
func (b *builder) lambdaLimits(c *scenarios.Consumer, f *function, aws bool) {
	if f == nil {
		return
	}
	switch {
	case f.timeoutS != nil && *f.timeoutS >= 1 && *f.timeoutS <= 900:
		c.Timeout = scenarios.DurationOf(time.Duration(*f.timeoutS) * time.Second)
		b.fieldFrom("consumer.timeout", f.src["timeout"])
	case f.timeoutS != nil:
		b.note(f.r, "Timeout %d is outside Lambda's 1..900 s", *f.timeoutS)
	case aws:
		c.Timeout = scenarios.DurationOf(3 * time.Second)
		b.comment("consumer.timeout", "Timeout not set: Lambda's default")
	}
	if f.memory != nil && *f.memory >= 128 && *f.memory <= 10240 {
		c.MemoryMB = *f.memory
		b.fieldFrom("consumer.memory_mb", f.src["memory"])
	} else if f.memory != nil {
		b.note(f.r, "MemorySize %d is outside Lambda's 128..10240 MB", *f.memory)
	}
}

// orchestratorSchedule is the first schedule of the form rate(…) whose function can be the
// orchestrator: queues exist and no event source reads them.
func (b *builder) orchestratorSchedule() *schedule {
	for _, s := range b.schedules {
		if s.every > 0 && b.fns[s.fn] != nil {
			return s
		}
	}
	return nil
}

// orchestrator is a scheduled function polling the queues and pacing worker invokes.
func (b *builder) orchestrator(s *schedule) *scenarios.Consumer {
	c := &scenarios.Consumer{Pattern: "orchestrator", Schedule: scenarios.DurationOf(s.every),
		Pace: scenarios.RateOf(10)}
	b.comment("consumer", "%s runs on %s's schedule %s and no event source reads the queues: read as an orchestrator polling them", s.fn, s.r.id, s.expr)
	b.comment("consumer.pace", "placeholder: how many workers the orchestrator invokes a second is in its code")
	b.lambdaLimits(c, b.fns[s.fn], false)
	return c
}

// directConsumer is the function behind a direct integration, when its reserved concurrency
// bounds the backend.
func (b *builder) directConsumer() *scenarios.Consumer {
	for _, id := range b.backends {
		f := b.fns[id]
		if f == nil || f.reserved == nil || *f.reserved < 1 {
			continue
		}
		c := &scenarios.Consumer{Pattern: "concurrency", Concurrency: *f.reserved}
		f.used = true
		if f.url && b.apiKind == "" {
			b.comment("consumer", "%s behind its Function URL: its reserved concurrency bounds it (AWS answers a throttled invoke 429 TooManyRequestsException; the run counts it in gateway_backend_errors_total)", id)
		} else {
			b.comment("consumer", "%s behind the API: its reserved concurrency bounds the backend (a throttled invoke answers 500)", id)
		}
		b.comment("consumer.concurrency", "ReservedConcurrentExecutions")
		b.fieldFrom("consumer.concurrency", f.src["reserved"])
		b.lambdaLimits(c, f, true)
		return c
	}
	if len(b.backends) > 0 {
		b.comment("gateway.integration", "%s behind the API has no reserved concurrency: the backend is not bounded here", b.backends[0])
	}
	return nil
}

// fieldFrom records that the scenario field at path came from the property src ("": unknown).
func (b *builder) fieldFrom(path, src string) {
	if src != "" {
		b.fields[path] = src
	}
}

// reservedNotes lists the functions whose reserved concurrency the scenario does not use,
// and why.
func (b *builder) reservedNotes() {
	for _, fn := range b.fnOrder {
		f := b.fns[fn]
		if f.reserved == nil || *f.reserved < 1 || f.used {
			continue
		}
		var why string
		switch {
		case len(b.async[fn]) > 0:
			why = "it is invoked asynchronously (" + strings.Join(b.async[fn], ", ") + "), which a scenario does not model"
		case f.url && b.apiKind != "":
			why = "its Function URL is a second way in besides the API the scenario emulates"
		case slices.ContainsFunc(b.schedules, func(s *schedule) bool { return s.fn == fn }):
			why = "it runs on a schedule: a scenario's orchestrator runs one invocation at a time"
		case slices.Contains(b.backends, fn):
			why = "a scenario bounds one backend function, " + b.backends[0]
		default:
			why = "nothing in the scenario invokes it"
		}
		b.note(f.r, "ReservedConcurrentExecutions %d is dropped: %s", *f.reserved, why)
	}
}
