package cfnimport

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// samAPI reads an AWS::Serverless::Api: MethodSettings, Auth (UsagePlan, ApiKeyRequired) and
// a DefinitionBody (inline or AWS::Include), each falling back to the Globals section's Api.
func (b *builder) samAPI(r *resource) {
	b.setAPI(r, "rest", true)
	b.methodSettings(r, b.samProp(r, "Api", "MethodSettings"), "MethodSettings")
	auth := b.samProp(r, "Api", "Auth")
	b.samUsagePlan(r, r.qid, b.t.prop(auth, "UsagePlan"))
	k := b.keyAPI(r.qid)
	k.required = b.t.optBool(b.t.prop(auth, "ApiKeyRequired"))
	b.keySourceOf(r, b.samProp(r, "Api", "ApiKeySourceType"))
	n := len(b.routes)
	b.openAPI(r, b.definition(r, "DefinitionBody", "DefinitionUri"))
	for _, route := range b.routes[n:] {
		if _, ok := k.routes[route]; !ok {
			k.routes[route] = nil
		}
	}
}

// samProp is a property of a SAM resource, or the Globals section's when the resource has
// none.
func (b *builder) samProp(r *resource, section, key string) *yaml.Node {
	if v := b.t.prop(r.props, key); v != nil {
		return v
	}
	return b.t.val(b.t.global(section, key))
}

// samUsagePlan reads SAM's Auth.UsagePlan: PER_API makes a plan <api>UsagePlan with the key
// <api>ApiKey; SHARED one plan ServerlessUsagePlan with ServerlessApiKey for every API that
// asks for it; NONE none.
func (b *builder) samUsagePlan(r *resource, apiID string, up *yaml.Node) {
	if up == nil {
		return
	}
	mode, _ := b.t.str(b.t.prop(up, "CreateUsagePlan"))
	switch strings.ToUpper(mode) {
	case "PER_API":
		b.samPlan(r, apiID+"UsagePlan", apiID+"ApiKey", up)
	case "SHARED":
		for _, p := range b.plans {
			if p.id == "ServerlessUsagePlan" {
				return
			}
		}
		b.samPlan(r, "ServerlessUsagePlan", "ServerlessApiKey", up)
	case "NONE":
	default:
		b.note(r, "Auth.UsagePlan.CreateUsagePlan %q: want PER_API, SHARED or NONE", mode)
	}
}

// samPlan adds a plan SAM generates, with the key SAM generates for it.
func (b *builder) samPlan(r *resource, id, key string, up *yaml.Node) {
	p := b.planFrom(r, id, up)
	p.comments = append(p.comments, "SAM generates the plan "+id+" and the key "+key)
	b.keyLinks = append(b.keyLinks, keyLink{key: key, plan: id, r: r})
}

// samHTTPAPI reads an AWS::Serverless::HttpApi: its route settings and a DefinitionBody
// (inline or AWS::Include), whose integrations may send to SQS.
func (b *builder) samHTTPAPI(r *resource) {
	b.setAPI(r, "http", true)
	b.routeSettings(r, b.samProp(r, "HttpApi", "DefaultRouteSettings"), b.samProp(r, "HttpApi", "RouteSettings"))
	b.openAPI(r, b.definition(r, "DefinitionBody", "DefinitionUri"))
}

// samImplicitAPI reads the Globals section's Api for the API SAM creates for functions'
// Api events that name no RestApiId (ServerlessRestApi).
func (b *builder) samImplicitAPI() {
	if !b.implicitAPI || b.t.globals == nil {
		return
	}
	r := &resource{id: "ServerlessRestApi", qid: b.q("ServerlessRestApi"), typ: "AWS::Serverless::Api",
		line: lineOf(b.t.globals), file: b.t.rel}
	b.methodSettings(r, b.t.val(b.t.global("Api", "MethodSettings")), "Globals.Api.MethodSettings")
	auth := b.t.val(b.t.global("Api", "Auth"))
	b.samUsagePlan(r, r.qid, b.t.prop(auth, "UsagePlan"))
	b.keyAPI(r.qid).required = b.t.optBool(b.t.prop(auth, "ApiKeyRequired"))
}

// v2API reads an AWS::ApiGatewayV2::Api: an HTTP API, its inline OpenAPI Body (a
// BodyS3Location is not read), or a WebSocket API, which is not modelled.
func (b *builder) v2API(r *resource) {
	if p, _ := b.t.str(b.t.prop(r.props, "ProtocolType")); strings.EqualFold(p, "WEBSOCKET") {
		b.note(r, "WebSocket APIs are not modelled")
		return
	}
	b.setAPI(r, "http", true)
	b.openAPI(r, b.definition(r, "Body", "BodyS3Location"))
}

// v2Stage reads an AWS::ApiGatewayV2::Stage (HTTP and WebSocket APIs).
func (b *builder) v2Stage(r *resource) {
	b.setAPI(r, "http")
	b.routeSettings(r, b.t.prop(r.props, "DefaultRouteSettings"), b.t.prop(r.props, "RouteSettings"))
}

// routeSettings reads HTTP API throttles: DefaultRouteSettings is the stage's, RouteSettings
// maps route keys ("POST /orders") to a route's.
func (b *builder) routeSettings(r *resource, def, routes *yaml.Node) {
	if bk, fill, src, ok := b.limits(r, def, "ThrottlingRateLimit", "ThrottlingBurstLimit", "DefaultRouteSettings"); ok {
		b.setStage(r, bk, r.qid+".DefaultRouteSettings", fill, src)
	}
	for _, e := range pairs(routes) {
		where := "RouteSettings." + e.key.Value
		if bk, fill, src, ok := b.limits(r, b.t.val(e.val), "ThrottlingRateLimit", "ThrottlingBurstLimit", where); ok {
			b.addMethod(r, e.key.Value, bk, r.qid+"."+where, fill, src)
		}
	}
}

// v2Route reads an AWS::ApiGatewayV2::Route's route key.
func (b *builder) v2Route(r *resource) {
	b.setAPI(r, "http")
	if k, ok := b.t.str(b.t.prop(r.props, "RouteKey")); ok && checkKey(k) == "" {
		m, p, _ := strings.Cut(k, " ")
		b.addRoute(methodKey(m, p))
	}
}

// v2Integration reads an AWS::ApiGatewayV2::Integration: the SQS-SendMessage subtype sends
// to a queue, a Lambda proxy makes the function the backend.
func (b *builder) v2Integration(r *resource) {
	b.setAPI(r, "http")
	sub, _ := b.t.str(b.t.prop(r.props, "IntegrationSubtype"))
	if strings.HasPrefix(sub, "SQS-SendMessage") {
		b.sqsIntegration(r, b.t.prop(r.props, "RequestParameters"), "")
		return
	}
	if fn := b.q(b.t.ref(b.t.prop(r.props, "IntegrationUri"), lambdaTypes...)); fn != "" && !slices.Contains(b.backends, fn) {
		b.backends = append(b.backends, fn)
	}
}
