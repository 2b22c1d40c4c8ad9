package scenarios

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite scenario.schema.json")

// TestSchemaUpToDate regenerates the JSON Schema and compares it with the shipped file;
// go test ./scenarios -run TestSchemaUpToDate -update rewrites it.
func TestSchemaUpToDate(t *testing.T) {
	got, err := GenerateSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("scenario.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("scenario.schema.json is out of date: run go generate ./scenarios (or this test with -update)")
	}
}

// schemaDoc is the part of a JSON Schema the tests look at.
type schemaDoc struct {
	Defs       map[string]schemaDoc `json:"$defs"`
	Properties map[string]schemaDoc `json:"properties"`
	Items      *schemaDoc           `json:"items"`
	Enum       []string             `json:"enum"`
	Required   []string             `json:"required"`
	Additional json.RawMessage      `json:"additionalProperties"`
	Pattern    string               `json:"pattern"`
	OneOf      []schemaDoc          `json:"oneOf"`
}

func loadSchemaDoc(t *testing.T) schemaDoc {
	t.Helper()
	var d schemaDoc
	if err := json.Unmarshal(SchemaJSON(), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSchemaEnums: the enums of the schema (from jsonschema tags) list the same names as
// the package's lists, which Validate uses.
func TestSchemaEnums(t *testing.T) {
	d := loadSchemaDoc(t)
	cases := []struct {
		def, prop string
		want      []string
	}{
		{"", "mode", Modes},
		{"Client", "priority", Priorities},
		{"Client", "method", clientMethods},
		{"Arrival", "shape", Shapes},
		{"Retry", "policy", Policies},
		{"Gateway", "headers", HeaderStyles},
		{"Gateway", "integration", Integrations},
		{"PlanQuota", "period", Periods},
		{"Consumer", "pattern", Patterns},
		{"Consumer", "state", StateStores},
		{"Quota", "window", Windows},
		{"Latency", "dist", Distributions},
		{"Outage", "mode", OutageModes},
		{"Alarm", "stat", Stats},
		{"Alarm", "comparison", Comparisons},
	}
	for _, tc := range cases {
		obj := d
		if tc.def != "" {
			obj = d.Defs[tc.def]
		}
		if got := obj.Properties[tc.prop].Enum; !slices.Equal(got, tc.want) {
			t.Errorf("%s.%s: schema enum %v, list %v", tc.def, tc.prop, got, tc.want)
		}
	}
}

// TestSchemaStrict: every object of the schema forbids other properties, as the decoder does.
func TestSchemaStrict(t *testing.T) {
	d := loadSchemaDoc(t)
	objs := map[string]schemaDoc{"(root)": d}
	for name, def := range d.Defs {
		objs[name] = def
	}
	for name, o := range objs {
		if o.Properties != nil && string(o.Additional) != "false" {
			t.Errorf("%s allows additional properties", name)
		}
	}
	if fmt.Sprint(d.Required) != "[clients]" {
		t.Errorf("root requires %v", d.Required)
	}
	if len(d.Defs["Duration"].OneOf) != 2 || len(d.Defs["Rate"].OneOf) != 2 {
		t.Errorf("Duration or Rate is not a oneOf of two")
	}
}
