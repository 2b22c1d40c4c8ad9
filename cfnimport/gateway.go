package cfnimport

import (
	"fmt"
	"regexp"
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
	b.setAPI(r, "rest", true)
	b.keySourceOf(r, b.t.prop(r.props, "ApiKeySourceType"))
	b.openAPI(r, b.definition(r, "Body", "BodyS3Location"))
}

// restStage reads an AWS::ApiGateway::Stage: MethodSettings, and the ThrottleSettings form
// that is not a Stage property but that seed 001 writes.
func (b *builder) restStage(r *resource) {
	b.setAPI(r, "rest")
	b.methodSettings(r, b.t.prop(r.props, "MethodSettings"), "MethodSettings")
	ts := b.t.prop(r.props, "ThrottleSettings")
	if ts == nil {
		return
	}
	bk, fill, src, ok := b.limits(r, ts, "RateLimit", "BurstLimit", "ThrottleSettings")
	if !ok {
		return
	}
	const why = "ThrottleSettings is not a property of AWS::ApiGateway::Stage (CloudFormation rejects it): " +
		"write MethodSettings with ResourcePath /*, HttpMethod * and ThrottlingRateLimit/ThrottlingBurstLimit"
	if b.stage != nil && strings.HasPrefix(b.stageFrom, r.qid+".") {
		if *b.stage != bk {
			b.note(r, "ThrottleSettings %v/%v differs from MethodSettings, which the stage follows", float64(bk.Rate), bk.Burst)
		}
		b.comment("gateway.stage", "%s.%s", r.qid, why)
		return
	}
	if b.setStage(r, bk, r.qid+".ThrottleSettings", fill, src) {
		b.comment("gateway.stage", "%s", why)
	}
}

// deployment reads the stage an AWS::ApiGateway::Deployment creates (StageDescription).
func (b *builder) deployment(r *resource) {
	sd := b.t.prop(r.props, "StageDescription")
	if sd == nil {
		return
	}
	b.setAPI(r, "rest")
	if bk, fill, src, ok := b.limits(r, sd, "ThrottlingRateLimit", "ThrottlingBurstLimit", "StageDescription"); ok {
		b.setStage(r, bk, r.qid+".StageDescription", fill, src)
	}
	b.methodSettings(r, b.t.prop(sd, "MethodSettings"), "StageDescription.MethodSettings")
}

// setStage sets the stage's default throttle unless an earlier stage did; it reports whether
// this one was taken.
func (b *builder) setStage(r *resource, bk scenarios.Bucket, from, fill string, src fields) bool {
	if b.stage != nil {
		b.note(r, "second stage throttle %v/%v (a scenario emulates one stage; %s is used)", float64(bk.Rate), bk.Burst, b.stageFrom)
		return false
	}
	b.stage, b.stageFrom, b.stageSrc = &bk, from, src
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
	bk, fill, src, ok := b.limits(r, item, "ThrottlingRateLimit", "ThrottlingBurstLimit", where)
	nested := false
	if !ok {
		if ts := t.prop(item, "ThrottleSettings"); ts != nil {
			bk, fill, src, ok = b.limits(r, ts, "RateLimit", "BurstLimit", where+".ThrottleSettings")
			nested = true
		}
	}
	if !ok {
		return
	}
	from := fmt.Sprintf("%s.%s (ResourcePath %s, HttpMethod %s)", r.qid, where, path, method)
	if nested {
		fill = strings.TrimPrefix(fill+"; ", "; ") + "ThrottleSettings is not a MethodSetting property: CloudFormation wants ThrottlingRateLimit and ThrottlingBurstLimit"
	}
	if path == "/*" && method == "*" {
		b.setStage(r, bk, from, fill, src)
		return
	}
	b.addMethod(r, methodKey(method, decodePath(path)), bk, from, fill, src)
}

// addMethod records a method throttle under its "METHOD /path" key.
func (b *builder) addMethod(r *resource, key string, bk scenarios.Bucket, from, fill string, src fields) {
	if msg := checkKey(key); msg != "" {
		b.note(r, "%s: %s", from, msg)
		return
	}
	if _, dup := b.methods[key]; dup {
		b.note(r, "%s: a second throttle for %s (the first is used)", from, key)
		return
	}
	b.methods[key], b.methodSrc[key] = bk, src
	b.comment("gateway.methods."+key, "from %s", from)
	if fill != "" {
		b.comment("gateway.methods."+key, "%s", fill)
	}
}

// limits reads a rate and a burst from m; a limit left unset, or that cannot be resolved, is
// AWS's account default, and fill says so. src says where the two came from ("rate",
// "burst"). ok is false when m gives neither.
func (b *builder) limits(r *resource, m *yaml.Node, rateKey, burstKey, where string) (bk scenarios.Bucket, fill string, src fields, ok bool) {
	var fills []string
	src = fields{}
	get := func(key string, def int) (float64, bool) {
		n := b.t.prop(m, key)
		v, ok := b.number(r, n, where+"."+key)
		switch {
		case ok && v >= 0:
			src.set(b.t, map[string]string{rateKey: "rate", burstKey: "burst"}[key], n)
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
		return bk, "", nil, false
	}
	return scenarios.Bucket{Rate: scenarios.Rate(rate), Burst: int(burst)}, strings.Join(fills, "; "), src, true
}

// number resolves a numeric property; one that is present but cannot be resolved is noted.
func (b *builder) number(r *resource, n *yaml.Node, where string) (float64, bool) {
	if n == nil {
		return 0, false
	}
	v, ok := b.t.num(n)
	if !ok {
		b.note(r, "%s = %s cannot be resolved from the template%s", where, b.t.describe(n), b.t.paramHint(n))
	}
	return v, ok
}

// decodePath decodes a MethodSetting ResourcePath: "/~1orders~1{id}" is /orders/{id}.
func decodePath(p string) string {
	if p == "/*" || !strings.Contains(p, "~") {
		return normPath(p)
	}
	p = strings.TrimPrefix(p, "/")
	p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return normPath(p)
}

// normPath is a route's path as API Gateway serves it: /plantest/ is /plantest (a REST API
// deploys a resource path written with a trailing slash without it, and routes /plantest/ to
// /plantest; an HTTP API route cannot end in a slash).
func normPath(p string) string {
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	if p == "" {
		return "/"
	}
	return p
}

// methodKey is the scenario's "METHOD /path" key; the method * is ANY.
func methodKey(method, path string) string {
	method = strings.ToUpper(method)
	if method == "*" || method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
		method = "ANY"
	}
	return method + " " + normPath(path)
}

// checkKey returns what is wrong with a method key for a scenario, or "".
func checkKey(key string) string {
	method, path, _ := strings.Cut(key, " ")
	if !slices.Contains(scenarios.HTTPMethods, method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t") {
		return fmt.Sprintf("route %q is not a METHOD /path a scenario can throttle", key)
	}
	return ""
}

// restMethod reads an AWS::ApiGateway::Method: its route, whether it requires an API key, and
// its integration.
func (b *builder) restMethod(r *resource) {
	t := b.t
	b.setAPI(r, "rest")
	method, _ := t.str(t.prop(r.props, "HttpMethod"))
	path := b.resourcePath(t.prop(r.props, "ResourceId"), 0)
	route := methodKey(method, path)
	b.addRoute(route)
	required, _ := t.boolean(t.prop(r.props, "ApiKeyRequired"))
	b.keyReq[route] = required // AWS's default is false
	b.integration(r, t.prop(r.props, "Integration"), "Type", "Uri")
}

// addRoute records a route a client may call.
func (b *builder) addRoute(route string) {
	if !slices.Contains(b.routes, route) {
		b.routes = append(b.routes, route)
	}
}

// awsService matches the service and action of an AWS integration URI:
// arn:aws:apigateway:REGION:dynamodb:action/PutItem.
var awsService = regexp.MustCompile(`:apigateway:(?:\$\{[^}]*\}|[^:]*):([a-z0-9-]+):((?:action|path)/[^/]*)`)

// integration reads an API integration: AWS with an SQS URI, or the HTTP API subtype
// SQS-SendMessage, sends to a queue; a Lambda integration makes the function the backend;
// another AWS service integrated directly is recorded for a comment.
func (b *builder) integration(r *resource, in *yaml.Node, typeKey, uriKey string) {
	if in == nil {
		return
	}
	typ, _ := b.t.str(b.t.prop(in, typeKey))
	uri := b.t.flat(b.t.prop(in, uriKey))
	sub, _ := b.t.str(b.t.prop(in, "integrationSubtype"))
	switch {
	case strings.HasPrefix(sub, "SQS-SendMessage"):
		b.sqsIntegration(r, b.t.prop(in, "requestParameters"), "")
	case strings.EqualFold(typ, "AWS") && strings.Contains(uri, ":sqs:"):
		b.sqsIntegration(r, in, uri)
	case strings.HasPrefix(strings.ToUpper(typ), "AWS"):
		if fn := b.q(b.t.ref(in, lambdaTypes...)); fn != "" && !slices.Contains(b.backends, fn) {
			b.backends = append(b.backends, fn)
		} else if m := awsService.FindStringSubmatch(uri); fn == "" && m != nil && m[1] != "lambda" {
			if svc := m[1] + ":" + m[2]; !slices.Contains(b.services, svc) {
				b.services = append(b.services, svc)
			}
		}
	}
}

// sqsIntegration records an integration that sends to SQS: the queue in refs, or named by
// the URI's path.
func (b *builder) sqsIntegration(r *resource, refs *yaml.Node, uri string) {
	if b.sqs != nil {
		return
	}
	tg := &sqsTarget{queue: b.queueRef(refs), from: r.qid}
	if tg.queue == "" && strings.Contains(uri, ":sqs:path/") {
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

// openAPI reads the routes, API key requirements and integrations of an OpenAPI (or
// Swagger) definition.
func (b *builder) openAPI(r *resource, body *yaml.Node) {
	if body == nil {
		return
	}
	keys := apiKeySchemes(b.t, body)
	b.keySourceOf(r, b.t.prop(body, "x-amazon-apigateway-api-key-source"))
	for _, p := range pairs(b.t.prop(body, "paths")) {
		for _, op := range pairs(b.t.val(p.val)) {
			method := strings.ToUpper(op.key.Value)
			if !slices.Contains(scenarios.HTTPMethods, method) && method != "X-AMAZON-APIGATEWAY-ANY-METHOD" {
				continue
			}
			route := methodKey(method, p.key.Value)
			b.addRoute(route)
			if r.typ == "AWS::ApiGateway::RestApi" || r.typ == "AWS::Serverless::Api" {
				b.keyReq[route] = b.securityNeedsKey(body, b.t.val(op.val), keys)
			}
			b.integration(r, b.t.prop(op.val, "x-amazon-apigateway-integration"), "type", "uri")
		}
	}
}

// lambdaTypes are the resource types of Lambda functions.
var lambdaTypes = []string{"AWS::Lambda::Function", "AWS::Serverless::Function"}
