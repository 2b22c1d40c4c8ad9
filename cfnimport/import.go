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
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/throttlelab/throttlelab/scenarios"
)

// Options tune an import.
type Options struct {
	// Name is the scenario's name; default: the template's file name without its extension.
	Name string
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

// ImportFile reads the template at path and imports it.
func ImportFile(path string, opts Options) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return Import(path, data, opts)
}

// Import turns the template data, read from file (named in messages and in the scenario's
// description), into a scenario. It fails only when data is not a template (not YAML or
// JSON, or without Resources); the error is an *Error with the file and, where known, line.
func Import(file string, data []byte, opts Options) (*Result, error) {
	t, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = DefaultName(file)
	}
	b := newBuilder(t)
	b.collect()
	sc := b.assemble(name, file)
	out, err := render(sc, b, file)
	if err != nil {
		return nil, fmt.Errorf("render scenario: %w", err)
	}
	return &Result{Name: name, YAML: out, NotMapped: b.notes}, nil
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
	t        *tmpl
	notes    []string            // the "not mapped" lines
	comments map[string][]string // comments placed before output fields, by field path
	dlqs     map[string]bool     // queues some redrive policy sends dead letters to

	api       bool              // the template has an API (REST or HTTP)
	stage     *scenarios.Bucket // the stage's default throttle
	stageFrom string            // where it came from
	methods   map[string]scenarios.Bucket
	plans     []*plan
	keyLinks  []keyLink
	apiKeys   []*resource
	routes    []string // "POST /orders", in template order
	sqs       *sqsTarget
	backends  []string // functions behind the API (direct integrations)
	// implicitAPI: a SAM function's Api event names no RestApiId, so SAM creates the API.
	implicitAPI bool

	queues    []*queue
	fns       map[string]*function
	consumers []*eventSource
	schedules []*schedule
	alarms    []alarmOut
}

// plan is a usage plan as the template gives it.
type plan struct {
	id       string
	name     string
	throttle *scenarios.Bucket
	quota    *scenarios.PlanQuota
	methods  map[string]scenarios.Bucket
	keys     []string
	comments []string
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
	return &builder{t: t, comments: map[string][]string{}, dlqs: map[string]bool{},
		methods: map[string]scenarios.Bucket{}, fns: map[string]*function{}}
}

// note records something the scenario does not express, about resource r (nil: the template).
func (b *builder) note(r *resource, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r != nil {
		msg = fmt.Sprintf("%s (%s, line %d): %s", r.id, r.typ, r.line, msg)
	}
	b.notes = append(b.notes, msg)
}

// comment records a comment for the output field at path.
func (b *builder) comment(path, format string, args ...any) {
	b.comments[path] = append(b.comments[path], fmt.Sprintf(format, args...))
}

// handlers map the resource types the importer reads to what reads them.
func (b *builder) handlers() map[string]func(*resource) {
	return map[string]func(*resource){
		"AWS::ApiGateway::RestApi":        b.restAPI,
		"AWS::ApiGateway::Stage":          b.restStage,
		"AWS::ApiGateway::Deployment":     b.deployment,
		"AWS::ApiGateway::Method":         b.restMethod,
		"AWS::ApiGateway::UsagePlan":      b.usagePlan,
		"AWS::ApiGateway::UsagePlanKey":   b.usagePlanKey,
		"AWS::ApiGateway::ApiKey":         b.apiKey,
		"AWS::ApiGatewayV2::Api":          func(*resource) { b.api = true },
		"AWS::ApiGatewayV2::Stage":        b.v2Stage,
		"AWS::ApiGatewayV2::Route":        b.v2Route,
		"AWS::ApiGatewayV2::Integration":  b.v2Integration,
		"AWS::Serverless::Api":            b.samAPI,
		"AWS::Serverless::HttpApi":        b.samHTTPAPI,
		"AWS::Serverless::Function":       b.function,
		"AWS::Lambda::Function":           b.function,
		"AWS::Lambda::EventSourceMapping": b.eventSourceMapping,
		"AWS::SQS::Queue":                 b.queue,
		"AWS::Events::Rule":               b.eventsRule,
		"AWS::Scheduler::Schedule":        b.schedulerSchedule,
		"AWS::CloudWatch::Alarm":          b.alarm,
		"AWS::WAFv2::WebACL":              b.wafACL,
		"AWS::WAFv2::RuleGroup":           b.wafACL,
	}
}

// collect reads every resource of the template.
func (b *builder) collect() {
	b.findDLQs()
	hs := b.handlers()
	for _, r := range b.t.res {
		if r.cond != "" {
			if v, known := b.t.cond(r.cond); known && !v {
				b.note(r, "left out: its condition %s is false with the parameters' defaults", r.cond)
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
