package cfnimport

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// AWS's default account-level throttle, which a stage or method inherits for a limit it
// leaves unset.
const (
	accountRate  = 10000
	accountBurst = 5000
)

// restAPI reads an AWS::ApiGateway::RestApi: an inline OpenAPI Body gives routes and
// integrations.
func (b *builder) restAPI(r *resource) {
	b.api = true
	b.openAPI(r, b.t.prop(r.props, "Body"))
}

// restStage reads an AWS::ApiGateway::Stage: MethodSettings, and the ThrottleSettings form
// that is not a Stage property but that seed 001 writes.
func (b *builder) restStage(r *resource) {
	b.api = true
	b.methodSettings(r, b.t.prop(r.props, "MethodSettings"), "MethodSettings")
	ts := b.t.prop(r.props, "ThrottleSettings")
	if ts == nil {
		return
	}
	bk, fill, ok := b.limits(r, ts, "RateLimit", "BurstLimit", "ThrottleSettings")
	if !ok {
		return
	}
	const why = "ThrottleSettings is not a property of AWS::ApiGateway::Stage (CloudFormation rejects it): " +
		"write MethodSettings with ResourcePath /*, HttpMethod * and ThrottlingRateLimit/ThrottlingBurstLimit"
	if b.stage != nil && strings.HasPrefix(b.stageFrom, r.id+".") {
		if *b.stage != bk {
			b.note(r, "ThrottleSettings %v/%v differs from MethodSettings, which the stage follows", float64(bk.Rate), bk.Burst)
		}
		b.comment("gateway.stage", "%s.%s", r.id, why)
		return
	}
	if b.setStage(r, bk, r.id+".ThrottleSettings", fill) {
		b.comment("gateway.stage", "%s", why)
	}
}

// deployment reads the stage an AWS::ApiGateway::Deployment creates (StageDescription).
func (b *builder) deployment(r *resource) {
	sd := b.t.prop(r.props, "StageDescription")
	if sd == nil {
		return
	}
	b.api = true
	if bk, fill, ok := b.limits(r, sd, "ThrottlingRateLimit", "ThrottlingBurstLimit", "StageDescription"); ok {
		b.setStage(r, bk, r.id+".StageDescription", fill)
	}
	b.methodSettings(r, b.t.prop(sd, "MethodSettings"), "StageDescription.MethodSettings")
}

// setStage sets the stage's default throttle unless an earlier stage did; it reports whether
// this one was taken.
func (b *builder) setStage(r *resource, bk scenarios.Bucket, from, fill string) bool {
	if b.stage != nil {
		b.note(r, "second stage throttle %v/%v (a scenario emulates one stage; %s is used)", float64(bk.Rate), bk.Burst, b.stageFrom)
		return false
	}
	b.stage, b.stageFrom = &bk, from
	b.comment("gateway.stage", "from %s", from)
	if fill != "" {
		b.comment("gateway.stage", "%s", fill)
	}
	return true
}

// methodSettings reads a MethodSettings list: /* * is the stage default, anything else a
// method throttle.
func (b *builder) methodSettings(r *resource, list *yaml.Node, where string) {
	for i, item := range items(list) {
		b.methodSetting(r, b.t.val(item), fmt.Sprintf("%s[%d]", where, i))
	}
}

// methodSetting reads one MethodSetting: its throttle, in the real form or seed 001's nested
// ThrottleSettings.
func (b *builder) methodSetting(r *resource, item *yaml.Node, where string) {
	t := b.t
	path, method := "/*", "*"
	if s, ok := t.str(t.prop(item, "ResourcePath")); ok {
		path = s
	}
	if s, ok := t.str(t.prop(item, "HttpMethod")); ok {
		method = s
	}
	if on, _ := t.boolean(t.prop(item, "CachingEnabled")); on {
		b.note(r, "%s: response caching on %s is not modelled (every request reaches the backend)", where, methodKey(method, decodePath(path)))
	}
	bk, fill, ok := b.limits(r, item, "ThrottlingRateLimit", "ThrottlingBurstLimit", where)
	nested := false
	if !ok {
		if ts := t.prop(item, "ThrottleSettings"); ts != nil {
			bk, fill, ok = b.limits(r, ts, "RateLimit", "BurstLimit", where+".ThrottleSettings")
			nested = true
		}
	}
	if !ok {
		return
	}
	from := fmt.Sprintf("%s.%s (ResourcePath %s, HttpMethod %s)", r.id, where, path, method)
	if nested {
		fill = strings.TrimPrefix(fill+"; ", "; ") + "ThrottleSettings is not a MethodSetting property: CloudFormation wants ThrottlingRateLimit and ThrottlingBurstLimit"
	}
	if path == "/*" && method == "*" {
		b.setStage(r, bk, from, fill)
		return
	}
	b.addMethod(r, methodKey(method, decodePath(path)), bk, from, fill)
}

// addMethod records a method throttle under its "METHOD /path" key.
func (b *builder) addMethod(r *resource, key string, bk scenarios.Bucket, from, fill string) {
	if msg := checkKey(key); msg != "" {
		b.note(r, "%s: %s", from, msg)
		return
	}
	if _, dup := b.methods[key]; dup {
		b.note(r, "%s: a second throttle for %s (the first is used)", from, key)
		return
	}
	b.methods[key] = bk
	b.comment("gateway.methods."+key, "from %s", from)
	if fill != "" {
		b.comment("gateway.methods."+key, "%s", fill)
	}
}

// limits reads a rate and a burst from m; a limit left unset, or that cannot be resolved, is
// AWS's account default, and fill says so. ok is false when m gives neither.
func (b *builder) limits(r *resource, m *yaml.Node, rateKey, burstKey, where string) (bk scenarios.Bucket, fill string, ok bool) {
	var fills []string
	get := func(key string, def int) (float64, bool) {
		n := b.t.prop(m, key)
		v, ok := b.number(r, n, where+"."+key)
		switch {
		case ok && v >= 0:
			return v, true
		case n != nil && !ok:
			fills = append(fills, fmt.Sprintf("%s %s cannot be resolved: the account default %d stands in", key, b.t.describe(n), def))
		default:
			fills = append(fills, fmt.Sprintf("%s not set: the account default %d", key, def))
		}
		return float64(def), false
	}
	rate, okR := get(rateKey, accountRate)
	burst, okB := get(burstKey, accountBurst)
	if !okR && !okB {
		return bk, "", false
	}
	return scenarios.Bucket{Rate: scenarios.Rate(rate), Burst: int(burst)}, strings.Join(fills, "; "), true
}

// number resolves a numeric property; one that is present but cannot be resolved is noted.
func (b *builder) number(r *resource, n *yaml.Node, where string) (float64, bool) {
	if n == nil {
		return 0, false
	}
	v, ok := b.t.num(n)
	if !ok {
		b.note(r, "%s = %s cannot be resolved from the template", where, b.t.describe(n))
	}
	return v, ok
}

// decodePath decodes a MethodSetting ResourcePath: "/~1orders~1{id}" is /orders/{id}.
func decodePath(p string) string {
	if p == "/*" || !strings.Contains(p, "~") {
		return p
	}
	p = strings.TrimPrefix(p, "/")
	p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// methodKey is the scenario's "METHOD /path" key; the method * is ANY.
func methodKey(method, path string) string {
	method = strings.ToUpper(method)
	if method == "*" || method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
		method = "ANY"
	}
	return method + " " + path
}

// checkKey returns what is wrong with a method key for a scenario, or "".
func checkKey(key string) string {
	method, path, _ := strings.Cut(key, " ")
	if !slices.Contains(scenarios.HTTPMethods, method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t") {
		return fmt.Sprintf("route %q is not a METHOD /path a scenario can throttle", key)
	}
	return ""
}

// restMethod reads an AWS::ApiGateway::Method: its route and its integration.
func (b *builder) restMethod(r *resource) {
	t := b.t
	b.api = true
	method, _ := t.str(t.prop(r.props, "HttpMethod"))
	path := b.resourcePath(t.prop(r.props, "ResourceId"), 0)
	b.addRoute(methodKey(method, path))
	b.integration(r, t.prop(r.props, "Integration"), "Type", "Uri")
}

// addRoute records a route a client may call.
func (b *builder) addRoute(route string) {
	if !slices.Contains(b.routes, route) {
		b.routes = append(b.routes, route)
	}
}

// integration reads an API integration: AWS with an SQS URI sends to a queue; a Lambda
// integration makes the function the backend.
func (b *builder) integration(r *resource, in *yaml.Node, typeKey, uriKey string) {
	if in == nil {
		return
	}
	typ, _ := b.t.str(b.t.prop(in, typeKey))
	uri := b.t.flat(b.t.prop(in, uriKey))
	switch {
	case strings.EqualFold(typ, "AWS") && strings.Contains(uri, ":sqs:"):
		b.sqsIntegration(r, in, uri)
	case strings.HasPrefix(strings.ToUpper(typ), "AWS"):
		if fn := b.t.ref(in, lambdaTypes...); fn != "" && !slices.Contains(b.backends, fn) {
			b.backends = append(b.backends, fn)
		}
	}
}

// sqsIntegration records an integration that sends to SQS.
func (b *builder) sqsIntegration(r *resource, in *yaml.Node, uri string) {
	if b.sqs != nil {
		return
	}
	tg := &sqsTarget{queue: b.t.ref(in, "AWS::SQS::Queue"), from: r.id}
	if tg.queue == "" {
		_, path, _ := strings.Cut(uri, ":sqs:path/")
		tg.name = path[strings.LastIndex(path, "/")+1:]
	}
	b.sqs = tg
}

// resourcePath is the path of an AWS::ApiGateway::Resource given by a ResourceId; the root
// resource (Fn::GetAtt Api.RootResourceId) is /.
func (b *builder) resourcePath(id *yaml.Node, depth int) string {
	r := b.t.byID[b.t.ref(id, "AWS::ApiGateway::Resource")]
	if r == nil || depth > 32 {
		return "/"
	}
	part, ok := b.t.str(b.t.prop(r.props, "PathPart"))
	if !ok {
		part = "{" + r.id + "}"
	}
	parent := b.resourcePath(b.t.prop(r.props, "ParentId"), depth+1)
	return strings.TrimSuffix(parent, "/") + "/" + part
}

// openAPI reads the routes and integrations of an inline OpenAPI (or Swagger) definition.
func (b *builder) openAPI(r *resource, body *yaml.Node) {
	for _, p := range pairs(get(body, "paths")) {
		for _, op := range pairs(p.val) {
			method := strings.ToUpper(op.key.Value)
			if !slices.Contains(scenarios.HTTPMethods, method) && method != "X-AMAZON-APIGATEWAY-ANY-METHOD" {
				continue
			}
			b.addRoute(methodKey(method, p.key.Value))
			b.integration(r, get(op.val, "x-amazon-apigateway-integration"), "type", "uri")
		}
	}
}

// lambdaTypes are the resource types of Lambda functions.
var lambdaTypes = []string{"AWS::Lambda::Function", "AWS::Serverless::Function"}
