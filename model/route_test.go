package model

import (
	"strings"
	"testing"
	"time"
)

func TestNormRoute(t *testing.T) {
	for in, want := range map[string]string{
		"POST /plantest/":     "POST /plantest",
		"POST /plantest":      "POST /plantest",
		"GET /":               "GET /",
		"GET /a/b/":           "GET /a/b",
		"GET /orders?id=1":    "GET /orders",
		"GET /orders/?id=1":   "GET /orders",
		"GET /?x=1":           "GET /",
		"GET /orders/{id}/":   "GET /orders/{id}",
		"DELETE /a//":         "DELETE /a/",
		"PATCH /with space/":  "PATCH /with space",
		"OPTIONS /trailing//": "OPTIONS /trailing/",
	} {
		if got := normRoute(in); got != want {
			t.Errorf("normRoute(%q) = %q, want %q", in, got, want)
		}
	}
}

// Which key of a table a request matches, and that the most specific one wins.
func TestRouteTableMatch(t *testing.T) {
	keys := []string{"POST /plantest/", "GET /orders", "ANY /orders", "GET /orders/{id}", "ANY /orders/{proxy+}",
		"GET /orders/{id}/items", "DELETE /*", "ANY /", "PUT /files/*"}
	table, norm, errs := newRouteTable(keys)
	if len(errs) > 0 {
		t.Fatalf("newRouteTable: %v", errs)
	}
	if norm["POST /plantest/"] != "POST /plantest" {
		t.Errorf("norm = %v, want POST /plantest/ normalized to POST /plantest", norm)
	}
	for _, c := range []struct{ route, want string }{
		{"POST /plantest", "POST /plantest"},
		{"POST /plantest/", "POST /plantest"},
		{"GET /plantest", ""},
		{"GET /orders", "GET /orders"},
		{"POST /orders", "ANY /orders"},
		{"GET /orders/1", "GET /orders/{id}"},
		{"POST /orders/1", "ANY /orders/{proxy+}"},
		{"GET /orders/1/items", "GET /orders/{id}/items"},
		{"GET /orders/1/lines", "ANY /orders/{proxy+}"},
		{"GET /orders/1/items/2", "ANY /orders/{proxy+}"},
		{"DELETE /anything/at/all", "DELETE /*"},
		{"DELETE /orders/1", "ANY /orders/{proxy+}"},
		{"DELETE /", "DELETE /*"},
		{"GET /", "ANY /"},
		{"PUT /files", "PUT /files/*"},
		{"PUT /files/a/b", "PUT /files/*"},
		{"GET /other", ""},
		{"GET //orders", ""},
	} {
		got, ok := table.match(normRoute(c.route))
		if got != c.want || ok != (c.want != "") {
			t.Errorf("match(%q) = %q, %v; want %q", c.route, got, ok, c.want)
		}
	}
}

func TestRouteTableErrors(t *testing.T) {
	_, _, errs := newRouteTable([]string{"POST /a", "POST /a/", "GET /{proxy+}/x", "GET /*/x", "GET /a//b", "orders", "GET orders"})
	var all []string
	for _, e := range errs {
		all = append(all, e.Error())
	}
	msg := strings.Join(all, "\n")
	for _, want := range []string{`routes "POST /a" and "POST /a/" are the same route`, `{proxy+} must be the last`,
		`* must be the last`, `empty path segment`, `route "orders"`, `route "GET orders"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors %q do not mention %q", msg, want)
		}
	}
}

// A usage plan's method throttle written for /plantest/ (as a SAM event's Path) applies to
// requests for /plantest, and the reverse: API Gateway ignores a trailing slash.
func TestGatewayTrailingSlashMatchesPlanMethod(t *testing.T) {
	for _, c := range []struct{ key, route string }{{"POST /plantest", "POST /plantest/"}, {"POST /plantest/", "POST /plantest"}} {
		g := mustGateway(t, GatewayConfig{APIKeyRequired: true, Plans: []PlanConfig{{Keys: []string{"k"},
			Throttle: &BucketConfig{Rate: 15, Burst: 30},
			Methods:  map[string]BucketConfig{c.key: {Rate: 1e-6, Burst: 10}}}}})
		runGwReqs(t, g, gwCat(
			gwRepeat(10, gwReq{route: c.route, key: "k", outcome: Admitted}),
			[]gwReq{{route: c.route, key: "k", outcome: Throttled, layer: LayerPlanMethod}},
			[]gwReq{{route: "GET /plantest", key: "k", outcome: Admitted}},
		))
	}
}

// Per-route key requirements: a route that needs no key ignores the key a client sends (no
// plan throttle, no quota), one that needs a key refuses a missing or unknown one.
func TestGatewayKeyRoutes(t *testing.T) {
	tests := []struct {
		name      string
		required  bool
		keyRoutes map[string]bool
		quota     int64
		reqs      []gwReq
	}{
		{"default off, one route on", false, map[string]bool{"POST /orders/": true}, 100, gwCat(
			[]gwReq{{route: "POST /orders", outcome: Forbidden, layer: LayerKey}},
			[]gwReq{{route: "POST /orders", key: "nobody", outcome: Forbidden, layer: LayerKey}},
			gwRepeat(2, gwReq{route: "POST /orders", key: "k", outcome: Admitted}),
			[]gwReq{{route: "POST /orders", key: "k", outcome: Throttled, layer: LayerPlan}},
			gwRepeat(5, gwReq{route: "GET /health", key: "k", outcome: Admitted}),
			gwRepeat(5, gwReq{route: "GET /health", outcome: Admitted}),
		)},
		{"default on, one route off", true, map[string]bool{"GET /health": false}, 100, gwCat(
			[]gwReq{{route: "POST /orders", outcome: Forbidden, layer: LayerKey}},
			gwRepeat(5, gwReq{route: "GET /health/", key: "nobody", outcome: Admitted}),
			gwRepeat(2, gwReq{route: "PUT /x", key: "k", outcome: Admitted}),
			[]gwReq{{route: "PUT /x", key: "k", outcome: Throttled, layer: LayerPlan}},
		)},
		{"quota spent only by keyed routes", false, map[string]bool{"ANY /paid/{proxy+}": true}, 2, gwCat(
			[]gwReq{{route: "GET /paid/a", key: "k", outcome: Admitted}},
			gwRepeat(4, gwReq{route: "GET /free", key: "k", outcome: Admitted}),
			[]gwReq{{at: time.Hour, route: "GET /paid/b", key: "k", outcome: Admitted}},
			[]gwReq{{at: time.Hour, route: "GET /paid/c", key: "k", outcome: QuotaExceeded, layer: LayerQuota}},
		)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plans := []PlanConfig{{Keys: []string{"k"}, Throttle: gwSlow(2), Quota: &PlanQuotaConfig{Limit: tc.quota, Period: "day"}}}
			g := mustGateway(t, GatewayConfig{APIKeyRequired: tc.required, KeyRoutes: tc.keyRoutes, Plans: plans})
			runGwReqs(t, g, tc.reqs)
		})
	}
}

// Stage method throttles are matched by route pattern: a {id} method throttle is one bucket
// for every id, and a route without one takes the stage default, a bucket per route.
func TestGatewayMethodPatterns(t *testing.T) {
	g := mustGateway(t, GatewayConfig{Stage: gwSlow(1), Methods: map[string]BucketConfig{
		"GET /orders/{id}": *gwSlow(2), "ANY /admin/*": *gwSlow(1)}})
	runGwReqs(t, g, []gwReq{
		{route: "GET /orders/1", outcome: Admitted},
		{route: "GET /orders/2/", outcome: Admitted},
		{route: "GET /orders/3", outcome: Throttled, layer: LayerMethod},
		{route: "POST /admin/users/7", outcome: Admitted},
		{route: "DELETE /admin", outcome: Throttled, layer: LayerMethod},
		{route: "POST /a", outcome: Admitted},
		{route: "POST /a/", outcome: Throttled, layer: LayerStage},
		{route: "POST /b", outcome: Admitted},
	})
}

// With no API Gateway in front, nothing refuses: not even the account's bucket.
func TestGatewayBypass(t *testing.T) {
	g := mustGateway(t, GatewayConfig{Bypass: true})
	for i := range 20000 {
		if d := g.Decide(0, "POST /", ""); d.Outcome != Admitted {
			t.Fatalf("request %d at once: %v by %q, want admitted (there is no gateway)", i, d.Outcome, d.Layer)
		}
	}
	if _, err := NewGateway(GatewayConfig{Bypass: true, Stage: gwSlow(1)}); err == nil || !strings.Contains(err.Error(), "bypass") {
		t.Errorf("a bypassed gateway with a stage throttle: err = %v, want the bypass error", err)
	}
}

func TestGatewayKeyRequired(t *testing.T) {
	g := mustGateway(t, GatewayConfig{APIKeyRequired: true, KeyRoutes: map[string]bool{"GET /public/*": false, "GET /public/secret": true}})
	for route, want := range map[string]bool{"GET /public/a": false, "GET /public/secret/": true, "POST /public/a": true, "GET /": true} {
		if got := g.KeyRequired(route); got != want {
			t.Errorf("KeyRequired(%q) = %v, want %v", route, got, want)
		}
	}
}
