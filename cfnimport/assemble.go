package cfnimport

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// assemble builds the scenario from what collect read.
func (b *builder) assemble(name, file string) *scenarios.Scenario {
	b.linkKeys()
	b.linkFunctions()
	sc := &scenarios.Scenario{Name: name, Mode: "sim", Duration: scenarios.Duration(2 * time.Minute),
		Description: fmt.Sprintf("Imported from %s by throttlelab import: the limits the template sets, "+
			"with a placeholder offered load and downstream API.", filepath.Base(file))}
	for _, q := range b.queues {
		sc.Queues = append(sc.Queues, q.q)
	}
	sc.Gateway = b.gateway(sc)
	sc.Consumer = b.consumer(sc)
	b.taskToken(sc, sc.Consumer)
	b.reservedNotes()
	sc.Clients = b.clients(sc)
	sc.Downstream = &scenarios.Downstream{Latency: &scenarios.Latency{Dist: "lognormal",
		Median: scenarios.DurationOf(100 * time.Millisecond), P99: scenarios.DurationOf(time.Second)}}
	b.comment("downstream", "placeholder: the template says nothing about the backend's latency, errors or quotas")
	for i, q := range b.queues {
		p := fmt.Sprintf("queues[%d]", i)
		b.comments[p] = q.comments
		q.src.under(b.fields, p+".")
	}
	for i, a := range b.alarms {
		p := fmt.Sprintf("alarms[%d]", i)
		b.comments[p] = a.comments
		a.src.under(b.fields, p+".")
		a.a.Metric = a.metric
		if a.queue != "" {
			a.a.Metric = fmt.Sprintf(a.metric, b.queueByID(a.queue))
		}
		sc.Alarms = append(sc.Alarms, a.a)
	}
	return sc
}

// linkFunctions marks the functions an AWS::Lambda::Url invokes.
func (b *builder) linkFunctions() {
	for _, fn := range b.urls {
		if f := b.fns[fn]; f != nil {
			f.url = true
		}
	}
}

// queueByID returns the scenario name of the queue with logical id id, or "".
func (b *builder) queueByID(id string) string {
	for _, q := range b.queues {
		if q.id == id {
			return q.q.Name
		}
	}
	return ""
}

// gateway builds the gateway section: the template's API, or type none when it has none.
func (b *builder) gateway(sc *scenarios.Scenario) *scenarios.Gateway {
	if b.apiKind == "" {
		return b.noGateway(sc)
	}
	g := &scenarios.Gateway{Stage: b.stage, Integration: "direct"}
	b.stageSrc.under(b.fields, "gateway.stage.")
	if len(b.methods) > 0 {
		g.Methods = b.methods
		for k, src := range b.methodSrc {
			src.under(b.fields, fmt.Sprintf("gateway.methods[%q].", k))
		}
	}
	if b.apiKind == "http" {
		g.Type = "http"
		b.comment("gateway.type", "an HTTP API: the same throttling by rate and burst, no API keys or usage plans, billed at the HTTP API rate")
		for _, p := range b.plans {
			b.note(nil, "usage plan %s is left out: the scenario emulates the template's HTTP API, which has no usage plans", p.id)
		}
	} else {
		b.addPlans(g)
		b.keyFields(g)
	}
	if b.sqs != nil {
		g.Integration, g.Queue = "queue", b.sqsQueue(sc)
		b.comment("gateway.integration", "%s sends requests to SQS", b.sqs.from)
	} else if len(sc.Queues) > 0 {
		b.comment("gateway.integration", "no method integrates SQS: the queues below are filled by nothing in this scenario (set integration: queue if the backend enqueues)")
	}
	if len(b.services) > 0 && b.sqs == nil {
		b.comment("gateway.integration", "the API integrates %s directly: the downstream placeholder stands in for it", strings.Join(b.services, ", "))
	}
	return g
}

// addPlans adds the usage plans to g.
func (b *builder) addPlans(g *scenarios.Gateway) {
	for i, p := range b.plans {
		up := scenarios.UsagePlan{Name: p.name, Keys: p.keys, Throttle: p.throttle, Quota: p.quota}
		if len(p.methods) > 0 {
			up.Methods = p.methods
		}
		for slices.ContainsFunc(g.UsagePlans, func(o scenarios.UsagePlan) bool { return o.Name == up.Name }) {
			up.Name = p.id
		}
		g.UsagePlans = append(g.UsagePlans, up)
		path := fmt.Sprintf("gateway.usage_plans[%d]", i)
		b.comments[path] = p.comments
		p.src.under(b.fields, path+".")
		for k, src := range p.methodSrc {
			src.under(b.fields, fmt.Sprintf("%s.methods[%q].", path, k))
		}
	}
}

// noGateway is the entry of a template without an API: producers send to a queue (Step
// Functions' token tasks included) or invoke a function directly, through its Function URL.
func (b *builder) noGateway(sc *scenarios.Scenario) *scenarios.Gateway {
	g := &scenarios.Gateway{Type: "none", Integration: "direct"}
	const why = "no API in the template: no API Gateway throttles or bills the entry"
	for _, tk := range b.tokens {
		if q := b.queueByID(tk.queue); q != "" {
			g.Integration, g.Queue = "queue", q
			b.comment("gateway.type", "%s; the clients stand for the Step Functions executions of %s, whose state %s sends to queue %s",
				why, tk.r.qid, tk.state, q)
			return g
		}
	}
	if len(sc.Queues) > 0 {
		g.Integration = "queue"
		b.comment("gateway.type", "%s; clients send straight to the queue (SendMessage)", why)
		return g
	}
	for _, fn := range b.fnOrder {
		if f := b.fns[fn]; f.url {
			b.backends = []string{fn}
			b.comment("gateway.type", "%s; clients call %s's Function URL, which invokes it directly", why, fn)
			return g
		}
	}
	b.comment("gateway.type", "%s and no queue; the clients stand for whatever invokes the backend", why)
	return g
}

// sqsQueue is the scenario queue an SQS integration sends to; a queue outside the template is
// added with default attributes.
func (b *builder) sqsQueue(sc *scenarios.Scenario) string {
	if name := b.queueByID(b.sqs.queue); name != "" {
		return name
	}
	name := strings.TrimSuffix(b.sqs.name, ".fifo")
	if name == "" || strings.ContainsAny(name, "${}") {
		name = "queue"
	}
	for _, q := range sc.Queues {
		if q.Name == name {
			return name
		}
	}
	sc.Queues = append(sc.Queues, scenarios.Queue{Name: name})
	b.queues = append(b.queues, &queue{id: "-", q: scenarios.Queue{Name: name},
		comments: []string{"the queue " + b.sqs.from + " sends to is not in the template: default attributes"}})
	return name
}

// clients builds one client per API key, or one client, offering a placeholder load.
func (b *builder) clients(sc *scenarios.Scenario) []scenarios.Client {
	var keys, plans []string
	var planRates []float64
	for _, p := range b.plans {
		for _, k := range p.keys {
			keys, plans = append(keys, k), append(plans, p.name)
			planRates = append(planRates, throttleRate(p))
		}
	}
	method, path := b.keyedRoute(sc.Gateway)
	if len(keys) == 0 {
		method, path = b.route(anyRoute)
	}
	n := max(len(keys), 1)
	rate := func(i int) float64 {
		switch {
		case sc.Gateway != nil && sc.Gateway.Stage != nil:
			return roundRate(float64(sc.Gateway.Stage.Rate) / float64(n))
		case i < len(planRates) && planRates[i] > 0:
			return planRates[i]
		}
		return 10
	}
	b.loadComment(sc, n)
	if len(keys) == 0 {
		return []scenarios.Client{b.client("client", "", method, path, rate(0))}
	}
	var out []scenarios.Client
	for i, k := range keys {
		name := sanitize(k)
		for slices.ContainsFunc(out, func(c scenarios.Client) bool { return c.Name == name }) {
			name += "-" + fmt.Sprint(i)
		}
		out = append(out, b.client(name, k, method, path, rate(i)))
		b.comment(fmt.Sprintf("clients[%d]", i), "key %s on usage plan %s", k, plans[i])
	}
	return out
}

// client is one client with a constant arrival.
func (b *builder) client(name, key, method, path string, rate float64) scenarios.Client {
	return scenarios.Client{Name: name, APIKey: key, Method: method, Path: path,
		Arrival: scenarios.Arrival{Shape: "constant", Rate: scenarios.RateOf(rate)}}
}

// loadComment explains the clients' placeholder load.
func (b *builder) loadComment(sc *scenarios.Scenario, n int) {
	const placeholder = "offered load is a placeholder: set the rate you expect"
	switch {
	case sc.Gateway != nil && sc.Gateway.Stage != nil && n > 1:
		b.comment("clients", "%s (here the stage rate, %v/s, split over the %d clients)", placeholder, float64(sc.Gateway.Stage.Rate), n)
	case sc.Gateway != nil && sc.Gateway.Stage != nil:
		b.comment("clients", "%s (here the stage rate, %v/s)", placeholder, float64(sc.Gateway.Stage.Rate))
	default:
		b.comment("clients", "%s (here each key's plan rate, or 10/s)", placeholder)
	}
	if len(b.routes) > 1 {
		b.comment("clients", "routes in the template: %s", strings.Join(b.routes, ", "))
	}
	if sc.Gateway != nil && sc.Gateway.Type == "none" && sc.Integration() == "queue" {
		b.comment("clients", "path and method do not matter: each request is one SendMessage")
	}
}

// throttleRate is a plan's throttle rate, or 0.
func throttleRate(p *plan) float64 {
	if p.throttle == nil {
		return 0
	}
	return float64(p.throttle.Rate)
}

// roundRate rounds a rate to two decimals.
func roundRate(r float64) float64 { return math.Round(r*100) / 100 }

// route is the method and path clients call: the template's first route that pred accepts,
// else its first, not counting OPTIONS and wildcard routes (ANY is called with POST); else
// POST /.
func (b *builder) route(pred func(string) bool) (method, path string) {
	for _, r := range b.routeOrder(pred) {
		m, p, _ := strings.Cut(r, " ")
		if m == "ANY" {
			m = "POST"
		}
		return m, strings.NewReplacer("{", "", "}", "", "+", "").Replace(p)
	}
	return "POST", "/"
}
