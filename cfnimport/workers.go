package cfnimport

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// queue is an SQS queue of the template that becomes a scenario queue.
type queue struct {
	id       string // qualified logical id
	q        scenarios.Queue
	comments []string
	src      fields // "visibility_timeout", … -> property
}

// function is a Lambda function's limits; nil fields are not set.
type function struct {
	r                          *resource
	reserved, memory, timeoutS *int
	src                        fields // "reserved", "memory", "timeout" -> property
	url                        bool   // a Function URL invokes it
	used                       bool   // its reserved concurrency is the scenario's consumer.concurrency
}

// eventSource is an SQS event source mapping: a function consuming a queue.
type eventSource struct {
	r       *resource
	queue   string // qualified logical id
	fn      string // qualified logical id
	batch   *int
	maxConc *int
	src     fields // "batch", "maxConc" -> property
}

// schedule is a scheduled trigger of a function.
type schedule struct {
	r     *resource
	expr  string
	fn    string
	every time.Duration // 0 when expr is not rate(…)
}

// findDLQs marks the queues a redrive policy sends dead letters to: they are not work queues.
func (b *builder) findDLQs() {
	for _, r := range b.t.ofType("AWS::SQS::Queue") {
		if id := b.queueRef(b.t.prop(b.redrive(r), "deadLetterTargetArn")); id != "" {
			b.dlqs[id] = true
		}
	}
}

// redrive returns a queue's RedrivePolicy as a mapping, parsing the JSON string form.
func (b *builder) redrive(r *resource) *yaml.Node {
	rp := b.t.prop(r.props, "RedrivePolicy")
	if rp != nil && rp.Kind == yaml.ScalarNode && strings.HasPrefix(strings.TrimSpace(rp.Value), "{") {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(rp.Value), &doc) == nil {
			return deref(&doc)
		}
	}
	return rp
}

// queue reads an AWS::SQS::Queue; a dead-letter queue becomes its source queue's
// max_receive_count.
func (b *builder) queue(r *resource) {
	if b.dlqs[r.qid] {
		return
	}
	t := b.t
	name, why := b.queueName(r)
	q := &queue{id: r.qid, q: scenarios.Queue{Name: name}, comments: why, src: fields{}}
	if name, ok := t.str(t.prop(r.props, "QueueName")); ok && strings.HasSuffix(name, ".fifo") {
		q.comments = append(q.comments, "QueueName "+name+" (a scenario's FIFO queue needs no .fifo suffix)")
	}
	q.q.VisibilityTimeout = b.seconds(r, "VisibilityTimeout", 0, 43200, q.src, "visibility_timeout")
	if d := b.seconds(r, "DelaySeconds", 0, 900, q.src, "delay"); d != nil {
		q.q.Delay = *d
	}
	q.q.Retention = b.seconds(r, "MessageRetentionPeriod", 60, 1209600, q.src, "retention")
	q.q.FIFO, _ = t.boolean(t.prop(r.props, "FifoQueue"))
	q.q.ContentDedup, _ = t.boolean(t.prop(r.props, "ContentBasedDeduplication"))
	q.q.ContentDedup = q.q.ContentDedup && q.q.FIFO
	if rp := b.redrive(r); rp != nil {
		if n, ok := b.number(r, t.prop(rp, "maxReceiveCount"), "RedrivePolicy.maxReceiveCount"); ok && n >= 1 && n <= 1000 {
			q.q.MaxReceiveCount = int(n)
			q.src.set(t, "max_receive_count", t.prop(rp, "maxReceiveCount"))
			dlq := b.queueRef(t.prop(rp, "deadLetterTargetArn"))
			q.comments = append(q.comments, fmt.Sprintf("dead letters go to %s after %d receives (%s-dlq in the scenario)", orTemplate(dlq), int(n), q.q.Name))
		}
	}
	for _, p := range []string{"FifoThroughputLimit", "DeduplicationScope"} {
		if v := t.prop(r.props, p); v != nil {
			b.note(r, "%s %s is not modelled", p, t.describe(v))
		}
	}
	b.queues = append(b.queues, q)
}

// queueRef returns the logical id of the queue a node refers to: by Ref or Fn::GetAtt, or by
// an ARN whose last part is a queue's QueueName.
func (b *builder) queueRef(n *yaml.Node) string {
	if id := b.t.ref(n, "AWS::SQS::Queue"); id != "" || n == nil {
		return b.q(id)
	}
	arn := b.t.flat(n)
	name := arn[strings.LastIndexAny(arn, ":/")+1:]
	for _, r := range b.t.ofType("AWS::SQS::Queue") {
		if s, ok := b.t.str(b.t.prop(r.props, "QueueName")); ok && s == name {
			return r.qid
		}
	}
	return ""
}

// orTemplate names a dead-letter queue, or says it is outside the template.
func orTemplate(id string) string {
	if id == "" {
		return "a queue outside the template"
	}
	return id
}

// queueName is a queue's scenario name: its QueueName without .fifo and without what cannot
// be resolved (${AWS::StackName}-orders is orders), else its logical id lower-kebab-cased;
// made unique; why explains a name that is not the QueueName as written.
func (b *builder) queueName(r *resource) (name string, why []string) {
	n := b.t.prop(r.props, "QueueName")
	name, ok := b.t.str(n)
	if !ok && n != nil {
		name = strings.Trim(unresolved.ReplaceAllString(b.t.flat(n), ""), "-_.")
		why = append(why, fmt.Sprintf("QueueName %s: what cannot be resolved is left out%s", b.t.describe(n), b.t.paramHint(n)))
	}
	name = strings.TrimSuffix(name, ".fifo")
	if name == "" || strings.ContainsAny(name, "${} ") {
		name = sanitize(r.id)
	}
	base := name
	for i := 2; b.queueIndexByName(name) >= 0; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name, why
}

// unresolved matches the ${…} placeholders flat leaves for what it cannot resolve.
var unresolved = regexp.MustCompile(`\$\{[^}]*\}`)

// queueIndexByName returns the index of the queue named name, or -1.
func (b *builder) queueIndexByName(name string) int {
	for i, q := range b.queues {
		if q.q.Name == name {
			return i
		}
	}
	return -1
}

// seconds reads a whole number of seconds in [lo, hi] as a duration, recording where it came
// from in src under field.
func (b *builder) seconds(r *resource, key string, lo, hi float64, src fields, field string) *scenarios.Duration {
	n := b.t.prop(r.props, key)
	v, ok := b.number(r, n, key)
	if !ok {
		return nil
	}
	if v < lo || v > hi {
		b.note(r, "%s %v is outside AWS's range %v..%v", key, v, lo, hi)
		return nil
	}
	src.set(b.t, field, n)
	return scenarios.DurationOf(time.Duration(v) * time.Second)
}

// function reads a Lambda function's limits (a SAM function falls back to Globals.Function)
// and a SAM function's events.
func (b *builder) function(r *resource) {
	f := &function{r: r, src: fields{}}
	f.reserved = b.intProp(r, "ReservedConcurrentExecutions", f.src, "reserved")
	f.memory = b.intProp(r, "MemorySize", f.src, "memory")
	f.timeoutS = b.intProp(r, "Timeout", f.src, "timeout")
	if b.fnProp(r, "ProvisionedConcurrencyConfig") != nil {
		b.note(r, "provisioned concurrency is not modelled (no cold starts are)")
	}
	f.url = b.fnProp(r, "FunctionUrlConfig") != nil
	b.fns[r.qid] = f
	b.fnOrder = append(b.fnOrder, r.qid)
	for _, e := range pairs(b.t.prop(r.props, "Events")) {
		b.samEvent(r, e.key.Value, b.t.val(e.val))
	}
}

// functionURL reads an AWS::Lambda::Url: a Function URL invokes its target function.
func (b *builder) functionURL(r *resource) {
	if fn := b.q(b.t.ref(b.t.prop(r.props, "TargetFunctionArn"), lambdaTypes...)); fn != "" {
		b.urls = append(b.urls, fn)
		return
	}
	b.note(r, "its target %s is not a function of the template", b.t.describe(b.t.prop(r.props, "TargetFunctionArn")))
}

// fnProp is a function property, or for a SAM function the Globals section's.
func (b *builder) fnProp(r *resource, key string) *yaml.Node {
	if r.typ == "AWS::Serverless::Function" {
		return b.samProp(r, "Function", key)
	}
	return b.t.prop(r.props, key)
}

// intProp reads a whole-number function property, recording where it came from in src under
// field.
func (b *builder) intProp(r *resource, key string, src fields, field string) *int {
	node := b.fnProp(r, key)
	v, ok := b.number(r, node, key)
	if !ok {
		return nil
	}
	src.set(b.t, field, node)
	n := int(v)
	return &n
}

// samEvent reads one event of a SAM function.
func (b *builder) samEvent(r *resource, name string, ev *yaml.Node) {
	t := b.t
	typ, _ := t.str(t.prop(ev, "Type"))
	props := t.prop(ev, "Properties")
	switch typ {
	case "Api", "HttpApi":
		b.samAPIEvent(r, typ, props)
	case "SQS":
		b.addSource(r, r.qid, props, t.prop(props, "Queue"), "Events."+name)
	case "Schedule", "ScheduleV2":
		expr := t.prop(props, "Schedule")
		if typ == "ScheduleV2" {
			expr = t.prop(props, "ScheduleExpression")
		}
		b.addSchedule(r, expr, r.qid)
	case "EventBridgeRule", "CloudWatchEvent":
		b.async[r.qid] = append(b.async[r.qid], "its "+typ+" event "+name)
		b.note(r, "event %s (%s) invokes the function asynchronously for matching events: not modelled (a scenario has no asynchronous invocation)", name, typ)
	default:
		b.note(r, "event %s of type %s is not modelled", name, typ)
	}
}

// samAPIEvent reads a SAM function's Api or HttpApi event: a route of the API it names (or of
// the API SAM creates), its API key requirement, and the function as its backend.
func (b *builder) samAPIEvent(r *resource, typ string, props *yaml.Node) {
	t := b.t
	kind := map[string]string{"Api": "rest", "HttpApi": "http"}[typ]
	b.setAPI(r, kind)
	method, _ := t.str(t.prop(props, "Method"))
	path, _ := t.str(t.prop(props, "Path"))
	route := methodKey(method, path)
	b.addRoute(route)
	if !slices.Contains(b.backends, r.qid) {
		b.backends = append(b.backends, r.qid)
	}
	if kind != "rest" {
		return
	}
	api := b.q(rawRef(t.prop(props, "RestApiId"), t))
	if api == "" {
		api, b.implicitAPI = b.q("ServerlessRestApi"), true
	}
	b.keyAPI(api).routes[route] = t.optBool(t.prop(t.prop(props, "Auth"), "ApiKeyRequired"))
}

// eventSourceMapping reads an AWS::Lambda::EventSourceMapping.
func (b *builder) eventSourceMapping(r *resource) {
	t := b.t
	fn := b.q(t.ref(t.prop(r.props, "FunctionName"), lambdaTypes...))
	if fn == "" {
		if name, ok := t.str(t.prop(r.props, "FunctionName")); ok {
			fn = b.functionNamed(name)
		}
	}
	if fn == "" {
		b.note(r, "FunctionName %s is not a function of the template", t.describe(t.prop(r.props, "FunctionName")))
		return
	}
	b.addSource(r, fn, r.props, t.prop(r.props, "EventSourceArn"), "")
}

// functionNamed returns the logical id of the function whose FunctionName is name.
func (b *builder) functionNamed(name string) string {
	for _, r := range b.t.ofType(lambdaTypes...) {
		if s, ok := b.t.str(b.t.prop(r.props, "FunctionName")); ok && s == name {
			return r.qid
		}
	}
	return ""
}

// addSource records fn consuming the queue src names, with the mapping's properties props.
func (b *builder) addSource(r *resource, fn string, props, src *yaml.Node, where string) {
	t := b.t
	prefix := strings.TrimPrefix(where+".", ".")
	q := b.queueRef(src)
	if q == "" {
		b.note(r, "%sevent source %s is not an SQS queue of the template", prefix, t.describe(src))
		return
	}
	if on, known := t.boolean(t.prop(props, "Enabled")); known && !on {
		b.note(r, "%sevent source mapping from %s is disabled: left out", prefix, q)
		return
	}
	for _, p := range []string{"MaximumBatchingWindowInSeconds", "FilterCriteria", "FunctionResponseTypes"} {
		if v := t.prop(props, p); v != nil {
			b.note(r, "%s%s %s is not modelled", prefix, p, t.describe(v))
		}
	}
	es := &eventSource{r: r, queue: q, fn: fn, src: fields{}}
	if v, ok := b.number(r, t.prop(props, "BatchSize"), prefix+"BatchSize"); ok {
		n := int(v)
		es.batch = &n
		es.src.set(t, "batch", t.prop(props, "BatchSize"))
	}
	maxConc := t.prop(t.prop(props, "ScalingConfig"), "MaximumConcurrency")
	if v, ok := b.number(r, maxConc, prefix+"ScalingConfig.MaximumConcurrency"); ok {
		n := int(v)
		es.maxConc = &n
		es.src.set(t, "maxConc", maxConc)
	}
	b.consumers = append(b.consumers, es)
}
