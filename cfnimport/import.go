// Package cfnimport reads the throttling limits of a CloudFormation or SAM template (YAML with
// the short-form intrinsic tags, or JSON) and writes them as a scenario file of SCENARIOS.md:
// API Gateway stage and method throttles, usage plans with their quotas and keys, SQS queues
// and redrive policies, the Lambda function that consumes them (reserved concurrency, batch
// size, event-source maximum concurrency), schedules and CloudWatch alarms. What it cannot
// map is listed as "# not mapped: …" comments at the top of the output.
//
// Intrinsic functions are resolved as far as the template alone allows: a Ref to a parameter
// takes its Default, conditions are evaluated with the defaults, Fn::FindInMap, Fn::Select,
// Fn::Join and Fn::Sub are computed; a Ref or Fn::GetAtt to a resource links the two by
// logical id. Anything else (pseudo parameters, Fn::ImportValue) is kept symbolic.
package cfnimport

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// Options tune an import.
type Options struct {
	// Name is the scenario's name; default: the template's file name without its extension.
	Name string
	// Params are parameter values, by name, as `aws cloudformation deploy
	// --parameter-overrides` gives them: a Ref to a parameter takes its value here, else its
	// Default. A name the template does not declare is an error.
	Params map[string]string
	// Template is the template's path as the scenario's source.template records it; default:
	// the path given to ImportFile or Import.
	Template string
}

// Result is an imported scenario.
type Result struct {
	// Name is the scenario's name: save YAML as Name + ".yaml", since a scenario's name must
	// match its file name.
	Name string
	// YAML is the scenario file, with comments.
	YAML []byte
	// NotMapped lists what the template holds that the scenario does not express, as the
	// "# not mapped:" comments of YAML say.
	NotMapped []string
}

// ImportFile reads the template at path and imports it. Files the template names (nested
// stacks' templates, AWS::Include files, state machine definitions) are read relative to its
// directory.
func ImportFile(path string, opts Options) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return Import(path, data, opts)
}

// Import turns the template data, read from file (named in messages and in the scenario's
// description), into a scenario. It fails only when data is not a template (not YAML or
// JSON, or without Resources) or a --param names no parameter of it; the error is an *Error
// with the file and, where known, line.
func Import(file string, data []byte, opts Options) (*Result, error) {
	ld := newLoader(file)
	ld.chain = []string{absPath(file)}
	t, err := parse(ld, file, data, "", "")
	if err != nil {
		return nil, err
	}
	values := map[string]*yaml.Node{}
	for name, v := range opts.Params {
		values[name] = ld.synthetic(v, "Parameters."+name)
	}
	if err := t.setParams(values); err != nil {
		return nil, err
	}
	name := cmp.Or(opts.Name, DefaultName(file))
	b := newBuilder(t)
	b.collect()
	sc := b.assemble(name, file)
	sc.Origin = &scenarios.Origin{Template: cmp.Or(opts.Template, file), Params: opts.Params, Fields: b.fields}
	out, err := render(sc, b, file)
	if err != nil {
		return nil, fmt.Errorf("render scenario: %w", err)
	}
	return &Result{Name: name, YAML: out, NotMapped: b.notes}, nil
}

// absPath is path made absolute, or path when that fails.
func absPath(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// DefaultName is the scenario name of a template file: its base name without the extension
// (.yaml, .yml, .json, .template).
func DefaultName(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".yaml", ".yml", ".json", ".template"} {
		if n, ok := strings.CutSuffix(base, ext); ok && n != "" {
			base = n
			break
		}
	}
	return base
}

// builder collects what a template says about limits, then assembles the scenario.
type builder struct {
	t        *tmpl               // the template being read (a nested stack's while it is read)
	notes    []string            // the "not mapped" lines
	read     []string            // the other files read ("api.yaml (AWS::Include in MyApi)")
	comments map[string][]string // comments placed before output fields, by field path
	fields   map[string]string   // source.fields: scenario field path -> template property
	dlqs     map[string]bool     // queues some redrive policy sends dead letters to

	apiKind    string            // the first API's kind: rest or http; "" when there is none
	apis       []string          // the API resources, in template order
	mixedNoted bool              // a second kind of API was noted
	stage      *scenarios.Bucket // the stage's default throttle
	stageFrom  string            // where it came from
	stageSrc   fields
	methods    map[string]scenarios.Bucket
	methodSrc  map[string]fields
	plans      []*plan
	keyLinks   []keyLink
	apiKeys    []namedKey
	routes     []string        // "POST /orders", in template order
	keyReq     map[string]bool // route -> whether it requires an API key, where the template says
	keyAPIs    []*keyAPI       // SAM APIs' Auth.ApiKeyRequired and the routes of their events
	keySource  string          // where API keys are read: HEADER (default) or AUTHORIZER
	sqs        *sqsTarget
	backends   []string // functions behind the API (direct integrations)
	services   []string // AWS services the API integrates directly ("dynamodb:action/PutItem")
	// implicitAPI: a SAM function's Api event names no RestApiId, so SAM creates the API.
	implicitAPI bool

	queues    []*queue
	fns       map[string]*function
	fnOrder   []string            // functions in template order
	urls      []string            // functions an AWS::Lambda::Url invokes
	async     map[string][]string // function -> what invokes it asynchronously ("EventBridge rule R")
	consumers []*eventSource
	schedules []*schedule
	tokens    []*tokenTask
	alarms    []alarmOut
}

// plan is a usage plan as the template gives it.
type plan struct {
	id        string
	name      string
	throttle  *scenarios.Bucket
	quota     *scenarios.PlanQuota
	methods   map[string]scenarios.Bucket
	keys      []string
	comments  []string
	src       fields // "throttle.rate", "quota.limit", …
	methodSrc map[string]fields
}

// keyLink is an AWS::ApiGateway::UsagePlanKey: a key on a plan (plan is a logical id).
type keyLink struct {
	key  string
	plan string
	r    *resource
}

// sqsTarget is an API integration that sends to SQS.
type sqsTarget struct {
	queue string // logical id of the queue, or "" when not known
	name  string // a literal queue name from the URI, when queue is ""
	from  string // the resource that integrates
}

// newBuilder returns a builder for the template t.
func newBuilder(t *tmpl) *builder {
	return &builder{t: t, comments: map[string][]string{}, fields: map[string]string{}, dlqs: map[string]bool{},
		methods: map[string]scenarios.Bucket{}, methodSrc: map[string]fields{}, keyReq: map[string]bool{},
		fns: map[string]*function{}, async: map[string][]string{}}
}

// q qualifies a logical id of the template being read with its nested stack ("" stays "").
func (b *builder) q(id string) string {
	if id == "" {
		return ""
	}
	return b.t.prefix + id
}

// note records something the scenario does not express, about resource r (nil: the template).
func (b *builder) note(r *resource, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case r != nil && r.file != "":
		msg = fmt.Sprintf("%s (%s, %s line %d): %s", r.qid, r.typ, r.file, r.line, msg)
	case r != nil:
		msg = fmt.Sprintf("%s (%s, line %d): %s", r.qid, r.typ, r.line, msg)
	}
	b.notes = append(b.notes, msg)
}

// comment records a comment for the output field at path.
func (b *builder) comment(path, format string, args ...any) {
	b.comments[path] = append(b.comments[path], fmt.Sprintf(format, args...))
}

// setAPI records that the template has an API of kind rest or http; the scenario emulates
// the first kind. An API resource (not a stage or method of one) is r with isAPI: a second
// one is noted, since its routes and throttles are merged into the one gateway.
func (b *builder) setAPI(r *resource, kind string, isAPI ...bool) {
	name := map[string]string{"rest": "REST", "http": "HTTP"}
	switch {
	case b.apiKind == "":
		b.apiKind = kind
	case b.apiKind != kind && !b.mixedNoted:
		b.mixedNoted = true
		b.note(r, "%s API besides the template's %s API: the scenario emulates one kind of API (%s)",
			map[string]string{"rest": "a REST", "http": "an HTTP"}[kind], name[b.apiKind], b.apiKind)
	}
	if len(isAPI) == 0 || !isAPI[0] {
		return
	}
	if len(b.apis) > 0 {
		b.note(r, "a second API besides %s: a scenario emulates one API stage, so their routes and throttles are merged", b.apis[0])
	}
	b.apis = append(b.apis, r.qid)
}

// handlers map the resource types the importer reads to what reads them.
func (b *builder) handlers() map[string]func(*resource) {
	return map[string]func(*resource){
		"AWS::ApiGateway::RestApi":         b.restAPI,
		"AWS::ApiGateway::Stage":           b.restStage,
		"AWS::ApiGateway::Deployment":      b.deployment,
		"AWS::ApiGateway::Method":          b.restMethod,
		"AWS::ApiGateway::UsagePlan":       b.usagePlan,
		"AWS::ApiGateway::UsagePlanKey":    b.usagePlanKey,
		"AWS::ApiGateway::ApiKey":          b.apiKey,
		"AWS::ApiGatewayV2::Api":           b.v2API,
		"AWS::ApiGatewayV2::Stage":         b.v2Stage,
		"AWS::ApiGatewayV2::Route":         b.v2Route,
		"AWS::ApiGatewayV2::Integration":   b.v2Integration,
		"AWS::Serverless::Api":             b.samAPI,
		"AWS::Serverless::HttpApi":         b.samHTTPAPI,
		"AWS::Serverless::Function":        b.function,
		"AWS::Lambda::Function":            b.function,
		"AWS::Lambda::Url":                 b.functionURL,
		"AWS::Lambda::EventSourceMapping":  b.eventSourceMapping,
		"AWS::SQS::Queue":                  b.queue,
		"AWS::Events::Rule":                b.eventsRule,
		"AWS::Scheduler::Schedule":         b.schedulerSchedule,
		"AWS::CloudWatch::Alarm":           b.alarm,
		"AWS::WAFv2::WebACL":               b.wafACL,
		"AWS::WAFv2::RuleGroup":            b.wafACL,
		"AWS::Serverless::StateMachine":    b.stateMachine,
		"AWS::StepFunctions::StateMachine": b.stateMachine,
		"AWS::Serverless::Application":     b.nestedStack,
		"AWS::CloudFormation::Stack":       b.nestedStack,
	}
}

// collect reads every resource of the template, and of the nested stacks it follows.
func (b *builder) collect() {
	b.collectTemplate(b.t)
}

// collectTemplate reads the resources of t, then restores the template being read.
func (b *builder) collectTemplate(t *tmpl) {
	outer, implicit := b.t, b.implicitAPI
	b.t, b.implicitAPI = t, false
	defer func() { b.t, b.implicitAPI = outer, implicit }()
	b.findDLQs()
	hs := b.handlers()
	for _, r := range b.t.res {
		if r.cond != "" {
			if v, known := b.t.cond(r.cond); known && !v {
				b.note(r, "left out: its condition %s is false with the parameter values", r.cond)
				continue
			}
		}
		if h := hs[r.typ]; h != nil {
			h(r)
			continue
		}
		b.unknown(r)
	}
	b.samImplicitAPI()
}
