package cfnimport

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// A Step Functions Task state whose Resource ends in .waitForTaskToken makes its execution
// wait for a callback with the task token: the scenario's consumer.task_token, when the token
// travels on a queue of the scenario (sqs:sendMessage.waitForTaskToken) and the queue's
// consumer calls back. TimeoutSeconds bounds the wait, HeartbeatSeconds the time between
// heartbeats.

// tokenTask is a Task state that waits for a task token.
type tokenTask struct {
	r         *resource
	state     string // the state's name
	resource  string // its Resource ARN, substitutions made
	queue     string // the qualified id of the template queue it sends the token to, or ""
	timeout   *int   // TimeoutSeconds; nil when not set
	heartbeat *int   // HeartbeatSeconds; nil when not set
	src       fields // "timeout", "heartbeat" -> property
}

// maxExecution is how long a Standard workflow's execution may run: a task without
// TimeoutSeconds waits at most this long for its token.
const maxExecution = 365 * 24 * time.Hour

// stateMachine reads the token tasks of an AWS::Serverless::StateMachine or
// AWS::StepFunctions::StateMachine definition.
func (b *builder) stateMachine(r *resource) {
	def := b.stateDefinition(r)
	if def == nil {
		return
	}
	subs := b.t.prop(r.props, "DefinitionSubstitutions")
	n := len(b.tokens)
	b.walkStates(r, def, subs)
	if len(b.tokens) == n {
		b.note(r, "no .waitForTaskToken task: the state machine is not modelled")
	}
}

// stateDefinition returns a state machine's definition: inline (Definition), a local file
// (SAM's DefinitionUri) or a JSON string (DefinitionString); one in S3 is noted.
func (b *builder) stateDefinition(r *resource) *yaml.Node {
	t := b.t
	if d := t.prop(r.props, "Definition"); d != nil {
		return d
	}
	if n := t.prop(r.props, "DefinitionUri"); n != nil {
		if s, ok := t.str(n); ok && !isRemote(s) {
			return b.readDefinition(r, "DefinitionUri", s)
		}
		b.note(r, "DefinitionUri %s is not read (it is in S3): its task tokens are not modelled", t.describe(n))
		return nil
	}
	if n := t.prop(r.props, "DefinitionString"); n != nil {
		root, err := parseDoc(t.file, []byte(t.flat(n)))
		if err != nil {
			b.note(r, "DefinitionString is not JSON: %v", err)
			return nil
		}
		b.indexAs(root, t.where(n))
		return root
	}
	if n := t.prop(r.props, "DefinitionS3Location"); n != nil {
		b.note(r, "DefinitionS3Location is not read (it is in S3): its task tokens are not modelled")
	}
	return nil
}

// indexAs gives every node under n the property path path (a definition parsed from a string
// property: its values came from that property).
func (b *builder) indexAs(n *yaml.Node, path string) {
	if n == nil || path == "" {
		return
	}
	b.t.ld.index[n] = path
	for _, c := range n.Content {
		b.indexAs(c, path)
	}
}

// walkStates finds the token tasks among the States of def, inside Parallel branches and Map
// iterators too.
func (b *builder) walkStates(r *resource, def, subs *yaml.Node) {
	for _, s := range pairs(get(def, "States")) {
		st := s.val
		typ, _ := b.t.str(get(st, "Type"))
		switch typ {
		case "Task":
			b.taskState(r, s.key.Value, st, subs)
		case "Parallel":
			for _, br := range items(get(st, "Branches")) {
				b.walkStates(r, br, subs)
			}
		case "Map":
			b.walkStates(r, get(st, "Iterator"), subs)
			b.walkStates(r, get(st, "ItemProcessor"), subs)
		}
	}
}

// substitution matches a ${Name} placeholder of a definition.
var substitution = regexp.MustCompile(`\$\{([^}]+)\}`)

// subst resolves a definition string: ${Name} takes DefinitionSubstitutions' Name, returned as
// the node it names when the whole string is one placeholder.
func (b *builder) subst(s string, subs *yaml.Node) (string, *yaml.Node) {
	if m := substitution.FindStringSubmatch(s); m != nil && m[0] == s {
		if v := b.t.prop(subs, m[1]); v != nil {
			return b.t.flat(v), v
		}
	}
	return substitution.ReplaceAllStringFunc(s, func(p string) string {
		if v := b.t.prop(subs, p[2:len(p)-1]); v != nil {
			return b.t.flat(v)
		}
		return p
	}), nil
}

// taskState records a Task state that waits for a task token.
func (b *builder) taskState(r *resource, name string, st, subs *yaml.Node) {
	res, _ := b.subst(b.t.flat(get(st, "Resource")), subs)
	if !strings.HasSuffix(res, ".waitForTaskToken") {
		return
	}
	tk := &tokenTask{r: r, state: name, resource: res, src: fields{}}
	if q := b.t.prop(b.t.prop(st, "Parameters"), "QueueUrl"); q != nil && strings.Contains(res, ":sqs:") {
		if s, n := b.subst(b.t.flat(q), subs); n != nil {
			tk.queue = b.queueRef(n)
		} else {
			tk.queue = b.queueRef(literal(s))
		}
	}
	for _, f := range []struct {
		key string
		v   **int
	}{{"TimeoutSeconds", &tk.timeout}, {"HeartbeatSeconds", &tk.heartbeat}} {
		if get(st, f.key+"Path") != nil {
			b.note(r, "state %s: %sPath is read at run time: not modelled", name, f.key)
		}
		n := b.t.prop(st, f.key)
		if v, ok := b.number(r, n, "state "+name+"."+f.key); ok && v >= 1 {
			i := int(v)
			*f.v = &i
			tk.src.set(b.t, strings.ToLower(strings.TrimSuffix(f.key, "Seconds")), n)
		}
	}
	b.tokens = append(b.tokens, tk)
}

// literal is a string node, for a value resolved from a definition.
func literal(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// taskToken sets consumer.task_token from the first token task that sends its token on the
// queue the scenario's gateway sends to; every other token task is noted.
func (b *builder) taskToken(sc *scenarios.Scenario, c *scenarios.Consumer) {
	var used *tokenTask
	for _, tk := range b.tokens {
		switch {
		case used != nil:
			b.note(tk.r, "state %s also waits for a task token: a scenario models one wait (%s's state %s)", tk.state, used.r.qid, used.state)
		case c == nil || tk.queue == "" || b.queueByID(tk.queue) != sc.GatewayQueue(""):
			b.note(tk.r, "state %s (%s) waits for a task token, but not on the queue the scenario's requests go to and its consumer drains: "+
				"consumer.task_token is not set (its timeout %s, heartbeat %s)", tk.state, tk.resource, secs(tk.timeout), secs(tk.heartbeat))
		default:
			used = tk
			b.setTaskToken(c, tk)
		}
	}
}

// setTaskToken sets the consumer's task token from tk.
func (b *builder) setTaskToken(c *scenarios.Consumer, tk *tokenTask) {
	tt := &scenarios.TaskToken{Timeout: scenarios.Duration(maxExecution)}
	b.comment("consumer.task_token", "%s's state %s waits for its task token (%s)", tk.r.qid, tk.state, tk.resource)
	if tk.timeout != nil {
		tt.Timeout = scenarios.Duration(time.Duration(*tk.timeout) * time.Second)
	} else {
		b.comment("consumer.task_token", "TimeoutSeconds not set: the task waits as long as a Standard workflow's execution may run, a year")
	}
	if h := tk.heartbeat; h != nil && time.Duration(*h)*time.Second < tt.Timeout.D() {
		tt.Heartbeat = scenarios.Duration(time.Duration(*h) * time.Second)
	} else if h != nil {
		b.note(tk.r, "state %s: HeartbeatSeconds %d is not less than the timeout: left out", tk.state, *h)
		delete(tk.src, "heartbeat")
	}
	tk.src.under(b.fields, "consumer.task_token.")
	c.TaskToken = tt
}

// secs formats an optional number of seconds.
func secs(v *int) string {
	if v == nil {
		return "not set"
	}
	return fmt.Sprintf("%ds", *v)
}
