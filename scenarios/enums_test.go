package scenarios

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/throttlelab/throttlelab/model"
)

// The names validation and the shipped JSON Schema accept for each pluggable part are exactly
// those the model's registries build: a shape, policy, distribution, window or consumer
// pattern registered and not listed (or listed and not registered) fails here.
func TestEnumsAreTheRegistries(t *testing.T) {
	b, err := os.ReadFile("scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name          string
		listed        []string
		registry      []string
		def, property string
	}{
		{"arrival shapes", Shapes, model.Shapes(), "Arrival", "shape"},
		{"retry policies", Policies, model.RetryPolicies(), "Retry", "policy"},
		{"latency distributions", Distributions, model.Latencies(), "Latency", "dist"},
		{"quota windows", Windows, model.WindowNames(), "Quota", "window"},
		{"consumer patterns", Patterns, model.Patterns(), "Consumer", "pattern"},
	} {
		if got := slices.Sorted(slices.Values(c.listed)); !slices.Equal(got, c.registry) {
			t.Errorf("%s: validation takes %v, the model's registry builds %v", c.name, got, c.registry)
		}
		enum := schema.Defs[c.def].Properties[c.property].Enum
		if got := slices.Sorted(slices.Values(enum)); !slices.Equal(got, c.registry) {
			t.Errorf("%s: the schema's %s.%s enum is %v, the model's registry builds %v", c.name, c.def, c.property, enum, c.registry)
		}
	}
}
