package cfnimport

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// samAPI reads an AWS::Serverless::Api: MethodSettings, Auth.UsagePlan and an inline
// DefinitionBody, each falling back to the Globals section's Api.
func (b *builder) samAPI(r *resource) {
	b.api = true
	b.methodSettings(r, b.samProp(r, "Api", "MethodSettings"), "MethodSettings")
	b.samUsagePlan(r, r.id, get(b.samProp(r, "Api", "Auth"), "UsagePlan"))
	b.openAPI(r, b.t.prop(r.props, "DefinitionBody"))
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

// samHTTPAPI reads an AWS::Serverless::HttpApi's route settings.
func (b *builder) samHTTPAPI(r *resource) {
	b.api = true
	b.routeSettings(r, b.samProp(r, "HttpApi", "DefaultRouteSettings"), b.samProp(r, "HttpApi", "RouteSettings"))
}

// samImplicitAPI reads the Globals section's Api for the API SAM creates for functions'
// Api events that name no RestApiId (ServerlessRestApi).
func (b *builder) samImplicitAPI() {
	if !b.implicitAPI || b.t.globals == nil {
		return
	}
	r := &resource{id: "ServerlessRestApi", typ: "AWS::Serverless::Api", line: lineOf(b.t.globals)}
	b.methodSettings(r, b.t.val(b.t.global("Api", "MethodSettings")), "Globals.Api.MethodSettings")
	b.samUsagePlan(r, r.id, get(b.t.val(b.t.global("Api", "Auth")), "UsagePlan"))
}

// v2Stage reads an AWS::ApiGatewayV2::Stage (HTTP and WebSocket APIs).
func (b *builder) v2Stage(r *resource) {
	b.api = true
	b.routeSettings(r, b.t.prop(r.props, "DefaultRouteSettings"), b.t.prop(r.props, "RouteSettings"))
}

// routeSettings reads HTTP API throttles: DefaultRouteSettings is the stage's, RouteSettings
// maps route keys ("POST /orders") to a route's.
func (b *builder) routeSettings(r *resource, def, routes *yaml.Node) {
	if bk, fill, ok := b.limits(r, def, "ThrottlingRateLimit", "ThrottlingBurstLimit", "DefaultRouteSettings"); ok {
		b.setStage(r, bk, r.id+".DefaultRouteSettings", fill)
	}
	for _, e := range pairs(routes) {
		where := "RouteSettings." + e.key.Value
		if bk, fill, ok := b.limits(r, b.t.val(e.val), "ThrottlingRateLimit", "ThrottlingBurstLimit", where); ok {
			b.addMethod(r, e.key.Value, bk, r.id+"."+where, fill)
		}
	}
}

// v2Route reads an AWS::ApiGatewayV2::Route's route key.
func (b *builder) v2Route(r *resource) {
	b.api = true
	if k, ok := b.t.str(b.t.prop(r.props, "RouteKey")); ok && checkKey(k) == "" {
		b.addRoute(k)
	}
}

// v2Integration reads an AWS::ApiGatewayV2::Integration: the SQS-SendMessage subtype sends
// to a queue, a Lambda proxy makes the function the backend.
func (b *builder) v2Integration(r *resource) {
	b.api = true
	sub, _ := b.t.str(b.t.prop(r.props, "IntegrationSubtype"))
	if strings.HasPrefix(sub, "SQS-SendMessage") {
		if b.sqs == nil {
			b.sqs = &sqsTarget{queue: b.t.ref(r.props, "AWS::SQS::Queue"), from: r.id}
		}
		return
	}
	if fn := b.t.ref(b.t.prop(r.props, "IntegrationUri"), lambdaTypes...); fn != "" {
		b.backends = append(b.backends, fn)
	}
}
