package scenarios

import (
	"bytes"
	_ "embed" // the shipped JSON Schema
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/throttlelab/throttlelab/metrics"
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
	ratePattern     = `^` + numberExp + `(\s*/\s*(ms|s|sec|m|min|h|d|day|` + goDuration + `))?$`
	numberExp       = numberPattern + `([eE][-+]?[0-9]+)?`
)

// GenerateSchema reflects the JSON Schema of scenario files from the Scenario type and its json
// tags: objects allow no other properties, durations and rates are strings with a pattern (a
// rate may also be a number per second). go generate writes it to scenario.schema.json.
func GenerateSchema() ([]byte, error) {
	r := &jsonschema.Reflector{ExpandedStruct: true}
	s := r.ReflectFromType(reflect.TypeFor[Scenario]())
	if err := applyRules(s); err != nil {
		return nil, fmt.Errorf("generate schema: %w", err)
	}
	conditionals(s.Definitions)
	runLengthRule(s)
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

// JSONSchemaExtend constrains slo entries to "METRIC OP NUMBER" with a metric a run writes
// (metrics.Known and its families; which clients, priorities and alarms exist only validate
// knows), and requires duration unless a client replays a trace (whose span it then defaults
// to).
func (Scenario) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("slo"); ok && p.Items != nil {
		p.Items.Pattern = `^\s*` + summaryNamePattern() + `\s*(` + strings.Join(Ops, "|") + `)\s*[-+]?` + numberExp + `\s*$`
	}
	prop := func(name string, v *jsonschema.Schema) *jsonschema.Schema {
		props := jsonschema.NewProperties()
		props.Set(name, v)
		return &jsonschema.Schema{Properties: props, Required: []string{name}}
	}
	replay := prop("clients", &jsonschema.Schema{Contains: prop("arrival", prop("shape", &jsonschema.Schema{Const: "replay"}))})
	s.AnyOf = append(s.AnyOf, &jsonschema.Schema{Required: []string{"duration"}}, replay)
}

// summaryNamePattern matches the metric names of summary.json: metrics.Known, their per_client
// and per_priority forms, alarm.NAME.SUFFIX and cost.ITEM_usd.
func summaryNamePattern() string {
	var flat, group, alarm []string
	for _, k := range metrics.Known {
		flat = append(flat, k.Name)
		if k.PerGroup {
			group = append(group, k.Name)
		}
	}
	for _, k := range metrics.AlarmSuffixes {
		alarm = append(alarm, k.Name)
	}
	name := `[` + metricChars + `]+`
	return `(` + strings.Join(flat, "|") +
		`|per_client\.` + name + `\.(` + strings.Join(group, "|") + `)` +
		`|per_priority\.(` + strings.Join(Priorities, "|") + `)\.(` + strings.Join(group, "|") + `)` +
		`|alarm\.` + name + `\.(` + strings.Join(alarm, "|") + `)` +
		`|cost\.(` + strings.Join(metrics.Names(metrics.CostItems), "|") + `)_usd)`
}

// JSONSchemaExtend constrains an alarm's metric to the series of series.csv
// (metrics.SeriesColumns), with any queue or client name.
func (Alarm) JSONSchemaExtend(s *jsonschema.Schema) {
	const queue, client = "\x00QUEUE\x00", "\x00CLIENT\x00"
	var alts []string
	for _, c := range metrics.SeriesColumns([]string{queue}, []string{client})[1:] {
		c = regexp.QuoteMeta(c)
		c = strings.ReplaceAll(strings.ReplaceAll(c, queue, ".+"), client, ".+")
		alts = append(alts, c)
	}
	if p, ok := s.Properties.Get("metric"); ok {
		p.Pattern = `^(` + strings.Join(alts, "|") + `)$`
	}
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
