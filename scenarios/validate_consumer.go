package scenarios

import (
	"fmt"
	"slices"
	"time"
)

// Limits of Lambda functions and Step Functions task tokens, as AWS enforces them.
const (
	maxLambdaTimeout  = 15 * time.Minute
	minLambdaMemoryMB = 128
	maxLambdaMemoryMB = 10240
	maxReceiveBatch   = 10
	maxTaskTokenWait  = 365 * 24 * time.Hour
)

func (v *validator) consumer() {
	c := v.s.Consumer
	if c == nil {
		return
	}
	v.oneOf("consumer.pattern", "pattern", c.Pattern, Patterns)
	// With a direct integration and no queues, the consumer is the Lambda function behind the
	// gateway (its concurrency bounds the backend); every other use reads queues.
	direct := v.s.Integration() == "direct"
	if len(v.s.Queues) == 0 && !(direct && c.Pattern == "concurrency") {
		v.errf("consumer", "pattern %s reads queues, but there are none (add a queues section)", c.Pattern)
	}
	if !v.s.unset("consumer.concurrency", c.Concurrency == 0) {
		v.atLeast("consumer.concurrency", int64(c.Concurrency), 1)
	}
	if c.BatchSize < 1 || c.BatchSize > maxReceiveBatch {
		v.errf("consumer.batch_size", "must be between 1 and %d, got %d (an SQS receive returns at most %d messages)",
			maxReceiveBatch, c.BatchSize, maxReceiveBatch)
	}
	v.order(c)
	v.orchestrator(c)
	if c.Breaker != nil {
		v.atLeast("consumer.breaker.failures", int64(c.Breaker.Failures), 1)
		v.positive("consumer.breaker.open_for", c.Breaker.OpenFor)
		v.positive("consumer.breaker.health_check", c.Breaker.HealthCheck)
	}
	if t := c.TaskToken; t != nil {
		v.durationIn("consumer.task_token.timeout", t.Timeout, time.Nanosecond, maxTaskTokenWait)
		if t.Heartbeat < 0 || (t.Heartbeat >= t.Timeout && t.Heartbeat > 0) {
			v.errf("consumer.task_token.heartbeat", "must be at least 0 and less than the timeout %s, got %s",
				ShortDuration(t.Timeout.D()), ShortDuration(t.Heartbeat.D()))
		}
	}
	if c.Timeout != nil {
		v.durationIn("consumer.timeout", *c.Timeout, time.Nanosecond, maxLambdaTimeout)
	}
	v.intIn("consumer.memory_mb", int64(c.MemoryMB), minLambdaMemoryMB, maxLambdaMemoryMB)
}

// order checks the queues the priority pattern reads, highest first.
func (v *validator) order(c *Consumer) {
	if c.Pattern != "priority" {
		if len(c.Order) > 0 {
			v.errf("consumer.order", "order applies only to pattern priority")
		}
		return
	}
	if len(c.Order) == 0 {
		v.errf("consumer.order", "pattern priority needs at least one queue in order")
	}
	for i, name := range c.Order {
		p := fmt.Sprintf("consumer.order[%d]", i)
		if slices.Index(c.Order, name) < i {
			v.errf(p, "queue %q is listed twice", name)
			continue
		}
		v.queueRef(p, name)
	}
}

// orchestrator checks the fields of the orchestrator pattern, and that no other pattern sets
// them.
func (v *validator) orchestrator(c *Consumer) {
	if c.Pattern != "orchestrator" {
		for _, f := range []param{
			{"schedule", c.Schedule != nil}, {"pace", c.Pace != nil}, {"quotas", len(c.Quotas) > 0},
			{"requeue_first", c.RequeueFirst}, {"state", c.State != ""},
		} {
			if f.set {
				v.errf("consumer."+f.name, "%s applies only to pattern orchestrator", f.name)
			}
		}
		return
	}
	if c.Pace == nil {
		v.errf("consumer.pace", "pattern orchestrator requires pace")
	} else if *c.Pace <= 0 {
		v.errf("consumer.pace", "must be greater than 0")
	}
	if c.Schedule != nil {
		v.positive("consumer.schedule", *c.Schedule)
	}
	v.quotas("consumer.quotas", c.Quotas)
	v.oneOf("consumer.state", "state", c.State, StateStores)
}

// quotas checks the tiers of a multi-tier quota.
func (v *validator) quotas(path string, qs []Quota) {
	for i, q := range qs {
		p := fmt.Sprintf("%s[%d]", path, i)
		v.atLeast(p+".limit", q.Limit, 1)
		v.positive(p+".per", q.Per)
		v.oneOf(p+".window", "window", q.Window, Windows)
	}
}

func (v *validator) downstream() {
	d := v.s.Downstream
	if d == nil {
		return
	}
	v.quotas("downstream.quotas", d.Quotas)
	if d.Latency != nil {
		v.latency("downstream.latency", d.Latency)
	}
	if e := d.Errors; e != nil {
		if e.Rate < 0 || e.Rate > 1 {
			v.errf("downstream.errors.rate", "must be between 0 and 1, got %v", e.Rate)
		}
		v.intIn("downstream.errors.status", int64(e.Status), 500, 599)
	}
	for i, o := range d.Outages {
		v.outage(fmt.Sprintf("downstream.outages[%d]", i), o)
	}
	if d.Timeout != nil {
		v.positive("downstream.timeout", *d.Timeout)
	}
	if len(d.HealthPath) == 0 || d.HealthPath[0] != '/' {
		v.errf("downstream.health_path", "path %q must start with /", d.HealthPath)
	}
}

func (v *validator) outage(p string, o Outage) {
	if o.At < 0 {
		v.errf(p+".at", "must not be negative, got %s", ShortDuration(o.At.D()))
	}
	v.positive(p+".for", o.For)
	v.oneOf(p+".mode", "mode", o.Mode, OutageModes)
	switch {
	case o.Mode == "error":
		v.intIn(p+".status", int64(o.Status), 500, 599)
	case o.Status != 0:
		v.errf(p+".status", "status applies only to mode error")
	}
}

// distParams are the parameters each latency distribution requires; no other applies.
var distParams = map[string][]string{
	"fixed":       {"value"},
	"uniform":     {"min", "max"},
	"exponential": {"mean"},
	"normal":      {"mean", "stddev"},
	"lognormal":   {"median", "p99"},
	"pareto":      {"min", "alpha"},
}

func (v *validator) latency(p string, l *Latency) {
	if !v.oneOf(p+".dist", "dist", l.Dist, Distributions) {
		return
	}
	durs := []struct {
		name string
		d    *Duration
	}{{"value", l.Value}, {"min", l.Min}, {"max", l.Max}, {"mean", l.Mean}, {"stddev", l.Stddev}, {"median", l.Median}, {"p99", l.P99}}
	var have []param
	for _, f := range durs {
		have = append(have, param{f.name, f.d != nil})
		if f.d != nil && *f.d < 0 {
			v.errf(p+"."+f.name, "must not be negative, got %s", ShortDuration(f.d.D()))
		}
	}
	v.params(p, "dist", l.Dist, distParams[l.Dist], append(have, param{"alpha", l.Alpha != nil}))
	v.latencyShape(p, l)
}

// latencyShape checks the relations between a distribution's parameters.
func (v *validator) latencyShape(p string, l *Latency) {
	switch l.Dist {
	case "uniform":
		if l.Min != nil && l.Max != nil && *l.Min > *l.Max {
			v.errf(p+".min", "min %s is greater than max %s", ShortDuration(l.Min.D()), ShortDuration(l.Max.D()))
		}
	case "exponential":
		if l.Mean != nil {
			v.positive(p+".mean", *l.Mean)
		}
	case "lognormal":
		if l.Median != nil {
			v.positive(p+".median", *l.Median)
		}
		if l.Median != nil && l.P99 != nil && *l.Median >= *l.P99 {
			v.errf(p+".p99", "p99 %s must be greater than the median %s", ShortDuration(l.P99.D()), ShortDuration(l.Median.D()))
		}
	case "pareto":
		if l.Min != nil {
			v.positive(p+".min", *l.Min)
		}
		if l.Alpha != nil && !(*l.Alpha > 1) {
			v.errf(p+".alpha", "must be greater than 1 (the mean is infinite otherwise), got %v", *l.Alpha)
		}
	}
}

func (v *validator) alarms() {
	seen := map[string]int{}
	for i, a := range v.s.Alarms {
		p := fmt.Sprintf("alarms[%d]", i)
		if a.Name == "" {
			v.errf(p+".name", "must not be empty")
		} else if j, dup := seen[a.Name]; dup {
			v.errf(p+".name", "alarm %q is also alarms[%d]", a.Name, j)
		} else {
			seen[a.Name] = i
		}
		if a.Metric == "" {
			v.errf(p+".metric", "must not be empty")
		}
		v.oneOf(p+".stat", "stat", a.Stat, Stats)
		if a.Period < Duration(time.Second) || a.Period.D()%time.Second != 0 {
			v.errf(p+".period", "must be a whole number of seconds, at least 1s, got %s", ShortDuration(a.Period.D()))
		}
		v.atLeast(p+".evaluation_periods", int64(a.EvaluationPeriods), 1)
		v.oneOf(p+".comparison", "comparison", a.Comparison, Comparisons)
	}
}

func (v *validator) slo() {
	for i, expr := range v.s.SLO {
		if _, err := ParseThreshold(expr); err != nil {
			v.errf(fmt.Sprintf("slo[%d]", i), "%v", err)
		}
	}
}
