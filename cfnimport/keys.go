package cfnimport

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// Which methods require an API key. API Gateway decides it per method: a usage plan's
// throttle and quota apply to a request only on a method that requires a key. A template says
// it with AWS::ApiGateway::Method's ApiKeyRequired, an OpenAPI operation's security naming an
// api_key scheme (or the definition's global security), and SAM's Auth.ApiKeyRequired on an
// AWS::Serverless::Api (every method of that API) or on a function's Api event (that method).

// keyAPI is a SAM API's Auth.ApiKeyRequired and the routes of its events and definition.
type keyAPI struct {
	id       string           // qualified logical id; ServerlessRestApi for SAM's implicit API
	required *bool            // Auth.ApiKeyRequired of the API; nil when not set
	routes   map[string]*bool // route -> its event's Auth.ApiKeyRequired; nil when not set
}

// keyAPI returns the record of the SAM API with qualified id, adding it when new.
func (b *builder) keyAPI(id string) *keyAPI {
	for _, k := range b.keyAPIs {
		if k.id == id {
			return k
		}
	}
	k := &keyAPI{id: id, routes: map[string]*bool{}}
	b.keyAPIs = append(b.keyAPIs, k)
	return k
}

// optBool resolves a boolean property; nil when it is not set or not known.
func (t *tmpl) optBool(n *yaml.Node) *bool {
	if v, ok := t.boolean(n); ok {
		return &v
	}
	return nil
}

// keySourceOf records an API's key source (ApiKeySourceType, x-amazon-apigateway-api-key-source).
func (b *builder) keySourceOf(r *resource, n *yaml.Node) {
	if s, _ := b.t.str(n); strings.EqualFold(s, "AUTHORIZER") {
		b.keySource = "AUTHORIZER"
	}
}

// apiKeySchemes returns the security schemes of an OpenAPI (components.securitySchemes) or
// Swagger (securityDefinitions) definition that are API Gateway API keys: type apiKey, in the
// x-api-key header, with no x-amazon-apigateway-authtype (which makes a scheme a Lambda
// authorizer or SigV4 instead).
func apiKeySchemes(t *tmpl, body *yaml.Node) map[string]bool {
	out := map[string]bool{}
	schemes := t.prop(t.prop(body, "components"), "securitySchemes")
	if schemes == nil {
		schemes = t.prop(body, "securityDefinitions")
	}
	for _, s := range pairs(schemes) {
		typ, _ := t.str(t.prop(s.val, "type"))
		in, _ := t.str(t.prop(s.val, "in"))
		name, _ := t.str(t.prop(s.val, "name"))
		if strings.EqualFold(typ, "apiKey") && strings.EqualFold(in, "header") && strings.EqualFold(name, "x-api-key") &&
			get(s.val, "x-amazon-apigateway-authtype") == nil {
			out[s.key.Value] = true
		}
	}
	return out
}

// securityNeedsKey reports whether an operation requires an API key: one of the security
// requirements that apply to it (its own, else the definition's) names an API key scheme.
func (b *builder) securityNeedsKey(body, op *yaml.Node, keys map[string]bool) bool {
	sec := get(op, "security")
	if sec == nil {
		sec = get(body, "security")
	}
	for _, req := range items(sec) {
		for _, s := range pairs(req) {
			if keys[s.key.Value] {
				return true
			}
		}
	}
	return false
}

// resolveKeyAPIs applies SAM's Auth.ApiKeyRequired: an event's own setting, else its API's,
// else what the definition body said (else no key).
func (b *builder) resolveKeyAPIs() {
	for _, k := range b.keyAPIs {
		for route, own := range k.routes {
			switch {
			case own != nil:
				b.keyReq[route] = *own
			case k.required != nil && *k.required:
				b.keyReq[route] = true
			}
		}
	}
}

// keyFields sets api_key_required and api_key_methods from what the template says of each
// route: the setting most routes share becomes api_key_required, the others are listed.
func (b *builder) keyFields(g *scenarios.Gateway) {
	b.resolveKeyAPIs()
	var need, free []string
	for _, r := range b.routes {
		if b.keyReq[r] {
			need = append(need, r)
		} else {
			free = append(free, r)
		}
	}
	if b.keySource == "AUTHORIZER" {
		b.comment("gateway.usage_plans", "API keys come from a Lambda authorizer (key source AUTHORIZER): a client's api_key stands for the usageIdentifierKey it returns")
	}
	switch {
	case len(g.UsagePlans) == 0 && len(need) == 0:
	case len(b.routes) == 0:
		g.APIKeyRequired = true
		b.comment("gateway.api_key_required", "the template names no methods: every method is taken to require an API key (a usage plan applies only to methods that do)")
	case len(need) == 0:
		b.comment("gateway.usage_plans", "no method of the template requires an API key: AWS applies a usage plan only on methods that do, so these plans limit nothing")
	default:
		g.APIKeyRequired = len(need) >= len(free)
		exceptions := free
		if !g.APIKeyRequired {
			exceptions = need
		}
		for _, r := range exceptions {
			if g.APIKeyMethods == nil {
				g.APIKeyMethods = map[string]bool{}
			}
			g.APIKeyMethods[r] = !g.APIKeyRequired
		}
		path := "gateway.api_key_required"
		if !g.APIKeyRequired {
			path = "gateway.api_key_methods"
		}
		if len(free) == 0 {
			b.comment(path, "every method requires an API key (ApiKeyRequired, an OpenAPI security api_key or SAM's Auth.ApiKeyRequired)")
			return
		}
		b.comment(path, "%d of %d methods require an API key (ApiKeyRequired, an OpenAPI security api_key or SAM's Auth.ApiKeyRequired); usage plans apply only to those",
			len(need), len(b.routes))
	}
}

// keyedRoute is the route keyed clients call: the first that requires a key, else the first.
func (b *builder) keyedRoute(g *scenarios.Gateway) (method, path string) {
	return b.route(func(route string) bool {
		if g == nil {
			return true
		}
		if v, ok := g.APIKeyMethods[route]; ok {
			return v
		}
		return g.APIKeyRequired
	})
}

// anyRoute accepts every route.
func anyRoute(string) bool { return true }

// routeOrder lists the template's callable routes (no OPTIONS, no wildcard), those pred accepts
// first.
func (b *builder) routeOrder(pred func(string) bool) []string {
	var first, rest []string
	for _, r := range b.routes {
		m, p, _ := strings.Cut(r, " ")
		if m == "OPTIONS" || strings.Contains(p, "*") {
			continue
		}
		if pred(r) {
			first = append(first, r)
		} else {
			rest = append(rest, r)
		}
	}
	return slices.Concat(first, rest)
}
