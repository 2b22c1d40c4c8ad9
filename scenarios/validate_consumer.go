package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

func (v *validator) consumer() {
	c := v.s.Consumer
	if c == nil {
		return
	}
	// With a direct integration and no queues, the consumer is the Lambda function behind the
	// gateway (its concurrency bounds the backend); every other use reads queues.
	direct := v.s.Integration() == "direct"
	if len(v.s.Queues) == 0 && !(direct && c.Pattern == "concurrency") {
		v.errf("consumer", "pattern %s reads queues, but there are none (add a queues section)", c.Pattern)
	}
	v.order(c)
	v.orchestrator(c)
	if t := c.TaskToken; t != nil {
		if t.Heartbeat < 0 || (t.Heartbeat >= t.Timeout && t.Heartbeat > 0) {
			v.errf("consumer.task_token.heartbeat", "must be at least 0 and less than the timeout %s, got %s",
				ShortDuration(t.Timeout.D()), ShortDuration(t.Heartbeat.D()))
		}
	}
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
	}
}

func (v *validator) downstream() {
	d := v.s.Downstream
	if d == nil {
		return
	}
	if d.Latency != nil {
		v.latency("downstream.latency", d.Latency)
	}
	for i, o := range d.Outages {
		v.outage(fmt.Sprintf("downstream.outages[%d]", i), o)
	}
	if len(d.HealthPath) == 0 || d.HealthPath[0] != '/' {
		v.errf("downstream.health_path", "path %q must start with /", d.HealthPath)
	}
	if d.URL != "" {
		if err := CheckServiceURL(d.URL); err != nil {
			v.errf("downstream.url", "%v", err)
		}
	}
}

// serverError is the limit of an error status: downstream.errors.status's, which an error
// outage's status shares.
var serverError = fieldLimit[Errors]("status")

func (v *validator) outage(p string, o Outage) {
	switch {
	case o.Mode == "error":
		if !serverError.holdsInt(int64(o.Status)) {
			v.errf(p+".status", "%s", serverError.message(strconv.Itoa(o.Status)))
		}
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
	if !slices.Contains(Distributions, l.Dist) {
		return // reported by the enum check
	}
	v.params(p, "dist", l.Dist, distParams[l.Dist], []param{
		{"value", l.Value != nil}, {"min", l.Min != nil}, {"max", l.Max != nil}, {"mean", l.Mean != nil},
		{"stddev", l.Stddev != nil}, {"median", l.Median != nil}, {"p99", l.P99 != nil}, {"alpha", l.Alpha != nil},
	})
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
		} else if msg := v.refs().checkSeries(a.Metric); msg != "" && !v.s.isVariant {
			v.errf(p+".metric", "%s", msg)
		}
		if a.Period < Duration(time.Second) || a.Period.D()%time.Second != 0 {
			v.errf(p+".period", "must be a whole number of seconds, at least 1s, got %s", ShortDuration(a.Period.D()))
		}
	}
}

func (v *validator) slo() {
	for i, expr := range v.s.SLO {
		t, err := ParseThreshold(expr)
		switch {
		case err != nil:
			v.errf(fmt.Sprintf("slo[%d]", i), "%v", err)
		case !v.s.isVariant:
			if msg := v.refs().checkSummary(t.Metric); msg != "" {
				v.errf(fmt.Sprintf("slo[%d]", i), "%s", msg)
			}
		}
	}
}

// refs is what the scenario's runs let thresholds and alarms name. A variant's own scenario
// leaves these checks to the comparison scenario, which knows every variant.
func (v *validator) refs() *metricRefs {
	if v.metricRefs == nil {
		v.metricRefs = v.s.metricRefs()
	}
	return v.metricRefs
}
