package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// shippedSchema compiles scenario.schema.json with a JSON Schema validator that nothing here
// wrote (santhosh-tekuri/jsonschema, draft 2020-12, Go's regexp for patterns).
func shippedSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("scenario.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("scenario.schema.json")
	if err != nil {
		t.Fatalf("the shipped schema does not compile: %v", err)
	}
	return s
}

// instance is a YAML scenario as the JSON value an editor's schema check sees.
func instance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestValidFilesPassSchemaAndValidate: every catalog file and every valid testdata file
// passes both the shipped JSON Schema and Load (decode, defaults, validate).
func TestValidFilesPassSchemaAndValidate(t *testing.T) {
	sch := shippedSchema(t)
	files, _ := filepath.Glob("*.yaml")
	more, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, more...)
	if len(files) < len(Catalog())+2 {
		t.Fatalf("only %d files: %v", len(files), files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(instance(t, data)); err != nil {
			t.Errorf("%s fails the schema: %v", f, err)
		}
		if _, err := LoadBytes(f, data); err != nil {
			t.Errorf("%s fails validate: %v", f, err)
		}
	}
	t.Logf("%d files pass the schema and validate", len(files))
}

// TestBrokenFilesFailSchemaAndValidate: each file of testdata/invalid has one problem, which
// the schema rejects and validate reports as its second line says.
func TestBrokenFilesFailSchemaAndValidate(t *testing.T) {
	sch := shippedSchema(t)
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) < 20 {
		t.Fatalf("only %d broken files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(data), "\n", 3)
		want := strings.TrimPrefix(lines[1], "# ")
		if err := sch.Validate(instance(t, data)); err == nil {
			t.Errorf("%s passes the schema", f)
		}
		_, err = LoadBytes(f, data)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: validate says %v, want %q", f, err, want)
		}
	}
}

// beyondSchema are the cases of validateCases that only validate can catch: references
// between fields, relations between values, and rules on a list's items as a whole.
var beyondSchema = []string{
	"client name twice", "burst after the end", "steps out of order", "retry base over cap",
	"retry none retrying", "integration queue without queues", "gateway queue unknown",
	"plan name twice", "plan key in two plans", "queue name twice", "content dedup",
	"consumer without queues", "order on concurrency", "order unknown queue", "order twice",
	"order empty", "orchestrator without pace", "schedule on concurrency", "state on priority",
	"task token heartbeat", "uniform order", "exponential mean", "lognormal order", "pareto min",
	"alarm name twice", "alarm period", "alarm period short", "drain takes the run over the maximum",
}

// TestSchemaCatchesWhatItCan runs every validateCases file through the schema: the schema
// rejects each, but for beyondSchema, which it accepts (so that list stays exact).
func TestSchemaCatchesWhatItCan(t *testing.T) {
	sch := shippedSchema(t)
	for _, tc := range validateCases {
		doc := tc.yaml
		if !strings.HasPrefix(doc, "name:") && !strings.HasPrefix(doc, "duration:") {
			doc = header + doc
		}
		err := sch.Validate(instance(t, []byte(doc)))
		switch beyond := slices.Contains(beyondSchema, tc.name); {
		case beyond && err != nil:
			t.Errorf("%s: the schema now rejects it (%v): take it off beyondSchema", tc.name, err)
		case !beyond && err == nil:
			t.Errorf("%s: the schema accepts\n%s", tc.name, doc)
		}
	}
}
