package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// gatewayTypeCases each hold a file with one problem of gateway.type, api_key_methods or the
// method keys, on the line marked #<.
var gatewayTypeCases = []struct {
	name, yaml, path, msg string
}{
	{"type", client + "gateway:\n  type: grpc #<\n", "gateway.type", `unknown type "grpc" (known: rest, http, none)`},
	{"http usage plans", client + "gateway:\n  type: http\n  usage_plans: #<\n    - {name: p, keys: [k]}\n", "gateway.usage_plans", "does not apply: an HTTP API has no API keys or usage plans"},
	{"http keys", client + "gateway:\n  type: http\n  api_key_required: true #<\n", "gateway.api_key_required", "does not apply: an HTTP API"},
	{"http key methods", client + "gateway:\n  type: http\n  api_key_methods: {GET /a: true} #<\n", "gateway.api_key_methods", "does not apply: an HTTP API"},
	{"none stage", client + "gateway:\n  type: none\n  stage: {rate: 1, burst: 1} #<\n", "gateway.stage", "does not apply: with type none there is no API Gateway"},
	{"none account", client + "gateway:\n  type: none\n  account: {rate: 1, burst: 1} #<\n", "gateway.account", "does not apply: with type none"},
	{"none methods", client + "gateway:\n  type: none\n  methods: {GET /a: {rate: 1, burst: 1}} #<\n", "gateway.methods", "does not apply: with type none"},
	{"none timeout", client + "gateway:\n  type: none\n  timeout: 10s #<\n", "gateway.timeout", "does not apply: with type none"},
	{"none informative", client + "gateway:\n  type: none\n  headers: informative #<\n", "gateway.headers", "does not apply: with type none"},
	{"key method form", client + "gateway:\n  api_key_methods:\n    orders: true #<\n", `gateway.api_key_methods["orders"]`, `method key "orders": want "METHOD /path"`},
	{"key method value", client + "gateway:\n  api_key_methods:\n    GET /a: yes please #<\n", `gateway.api_key_methods["GET /a"]`, `"yes please" is not true or false`},
	{"same method twice", client + "gateway:\n  methods:\n    POST /a: {rate: 1, burst: 1}\n    POST /a/: {rate: 1, burst: 1} #<\n", `gateway.methods["POST /a/"]`, `"POST /a" and "POST /a/" are the same method (a trailing slash does not count)`},
	{"greedy not last", client + "gateway:\n  methods:\n    GET /{proxy+}/x: {rate: 1, burst: 1} #<\n", `gateway.methods["GET /{proxy+}/x"]`, `method key "GET /{proxy+}/x": {proxy+} must be the last path segment`},
	{"empty segment", client + "gateway:\n  api_key_methods:\n    GET /a//b: true #<\n", `gateway.api_key_methods["GET /a//b"]`, `method key "GET /a//b": empty path segment`},
	{"source type", client + "source:\n  params: [a] #<\n", "source.params", "want a mapping, got a list"},
	{"source unknown", client + "source:\n  file: t.yaml #<\n", "source.file", "unknown field"},
}

func TestValidateGatewayTypes(t *testing.T) {
	for _, tc := range gatewayTypeCases {
		t.Run(tc.name, func(t *testing.T) {
			doc := header + tc.yaml
			_, err := LoadBytes("dir/t.yaml", []byte(doc))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want an ErrorList", err)
			}
			want := fmt.Sprintf("dir/t.yaml:%d: %s: %s", markerLine(t, doc), tc.path, tc.msg)
			if len(list) != 1 || !strings.HasPrefix(list[0].Error(), want) {
				t.Errorf("file:\n%s\ngot:\n%v\nwant one error starting %q", doc, err, want)
			}
		})
	}
}

// The new gateway fields and source decode, validate and take their defaults.
func TestGatewayTypesAndSourceLoad(t *testing.T) {
	doc := header + client + queue + `gateway:
  type: none
  integration: queue
source:
  template: ../templates/stack.yaml
  params: {Stage: prod}
  fields:
    queues[0].visibility_timeout: "Orders.Properties.VisibilityTimeout"
`
	s, err := LoadBytes("dir/t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	o := s.Origin
	if o == nil || o.Template != "../templates/stack.yaml" || o.Params["Stage"] != "prod" ||
		o.Fields["queues[0].visibility_timeout"] != "Orders.Properties.VisibilityTimeout" {
		t.Errorf("source = %+v", o)
	}
	if g := s.Gateway; g.Timeout.D() != 15*time.Minute || g.Headers != "aws" {
		t.Errorf("type none defaults: timeout %v headers %q, want 15m (no gateway timeout), aws", g.Timeout.D(), g.Headers)
	}
	for typ, want := range map[string]time.Duration{"": 29 * time.Second, "rest": 29 * time.Second, "http": 30 * time.Second} {
		s, err := LoadBytes("dir/t.yaml", []byte(header+client+"gateway:\n  type: "+typ+"\n  api_key_methods: {}\n"))
		if typ == "" {
			s, err = LoadBytes("dir/t.yaml", []byte(header+client+"gateway:\n  api_key_required: true\n  api_key_methods: {GET /health: false}\n"))
		}
		if err != nil {
			t.Fatalf("type %q: %v", typ, err)
		}
		if s.Gateway.Timeout.D() != want || s.Gateway.Type != map[string]string{"": "rest"}[typ]+typ {
			t.Errorf("type %q: timeout %v type %q, want %v", typ, s.Gateway.Timeout.D(), s.Gateway.Type, want)
		}
	}
}
