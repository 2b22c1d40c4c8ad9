package scenarios

import (
	"bytes"
	_ "embed" // the shipped JSON Schema
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
)

//go:generate go run ./internal/genschema -o scenario.schema.json

// schemaJSON is scenario.schema.json as shipped; TestSchemaUpToDate keeps it equal to
// GenerateSchema's output.
//
//go:embed scenario.schema.json
var schemaJSON []byte

// SchemaJSON returns the JSON Schema of scenario files as shipped in scenario.schema.json
// (catalog files point editors at it with a yaml-language-server comment).
func SchemaJSON() []byte { return slices.Clone(schemaJSON) }

// Patterns of the JSON Schema for values that are strings in a scenario file.
const (
	numberPattern   = `([0-9]+(\.[0-9]*)?|\.[0-9]+)`
	goDuration      = `(` + numberPattern + `(ns|us|µs|μs|ms|s|m|h))+`
	durationPattern = `^(0|[0-9]+d|` + goDuration + `)$`
	ratePattern     = `^` + numberPattern + `([eE][-+]?[0-9]+)?(\s*/\s*(ms|s|sec|m|min|h|d|day|` + goDuration + `))?$`
	sloPattern      = `^\s*[a-z0-9_.]+\s*(==|!=|<=|>=|<|>)\s*[-+]?` + numberPattern + `([eE][-+]?[0-9]+)?\s*$`
)

// GenerateSchema reflects the JSON Schema of scenario files from the Scenario type and its json
// tags: objects allow no other properties, durations and rates are strings with a pattern (a
// rate may also be a number per second). go generate writes it to scenario.schema.json.
func GenerateSchema() ([]byte, error) {
	r := &jsonschema.Reflector{ExpandedStruct: true}
	s := r.ReflectFromType(reflect.TypeFor[Scenario]())
	s.Title = "throttlelab scenario"
	s.Description = "A throttlelab scenario file: who sends what traffic through which throttling design to which rate-limited API (SCENARIOS.md)."
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	// Schema.MarshalJSON escapes <, > and & whatever the encoder says; the schema is for
	// people too, so write them plainly.
	return []byte(unescapeHTML.Replace(b.String())), nil
}

var unescapeHTML = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// JSONSchema describes a Duration: a Go duration, whole days, or a bare 0.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "a Go duration (250ms, 30s, 2m, 24h), whole days (2d) or 0",
		OneOf: []*jsonschema.Schema{
			{Type: "string", Pattern: durationPattern},
			{Type: "integer", Const: 0},
		},
	}
}

// JSONSchema describes a Rate: "N/unit" or a number per second.
func (Rate) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "events per unit (200/s, 6000/m, 50000/d, 10/5m) or a number per second",
		OneOf: []*jsonschema.Schema{
			{Type: "string", Pattern: ratePattern},
			{Type: "number", Minimum: "0"},
		},
	}
}

// JSONSchemaExtend constrains slo entries to "METRIC OP NUMBER", and requires duration unless
// a client replays a trace (whose span it then defaults to).
func (Scenario) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("slo"); ok && p.Items != nil {
		p.Items.Pattern = sloPattern
	}
	prop := func(name string, v *jsonschema.Schema) *jsonschema.Schema {
		props := jsonschema.NewProperties()
		props.Set(name, v)
		return &jsonschema.Schema{Properties: props, Required: []string{name}}
	}
	replay := prop("clients", &jsonschema.Schema{Contains: prop("arrival", prop("shape", &jsonschema.Schema{Const: "replay"}))})
	s.AnyOf = append(s.AnyOf, &jsonschema.Schema{Required: []string{"duration"}}, replay)
}

// JSONSchemaExtend constrains method keys to "METHOD /path".
func (Gateway) JSONSchemaExtend(s *jsonschema.Schema) {
	methodKeys(s)
	if p, ok := s.Properties.Get("api_key_methods"); ok {
		p.PropertyNames = &jsonschema.Schema{Pattern: `^(` + strings.Join(HTTPMethods, "|") + `) /\S*$`}
	}
}

// JSONSchemaExtend constrains method keys to "METHOD /path".
func (UsagePlan) JSONSchemaExtend(s *jsonschema.Schema) { methodKeys(s) }

func methodKeys(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("methods"); ok {
		p.PropertyNames = &jsonschema.Schema{Pattern: `^(` + strings.Join(HTTPMethods, "|") + `) /\S*$`}
	}
}

// JSONSchemaExtend lets a template parameter's value be written as YAML writes it: a string,
// a number or a boolean (decoding keeps its text).
func (Origin) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("params"); ok {
		p.AdditionalProperties = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
			{Type: "string"}, {Type: "number"}, {Type: "boolean"}}}
	}
}
