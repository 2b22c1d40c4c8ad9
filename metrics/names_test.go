package metrics

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestKnownCoversTheContract: the list names every summary metric of SCENARIOS.md, the JSON
// example's and the extensions', and nothing twice.
func TestKnownCoversTheContract(t *testing.T) {
	b, err := os.ReadFile("../docs/SCENARIOS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, `"metrics": {`)
	end := strings.Index(doc[start:], "}") + start
	added := doc[strings.Index(doc, "Summary metrics added"):]
	added = added[:strings.Index(added, "`summary.json` also")]
	names := regexp.MustCompile(`"([a-z0-9_]+)"`).FindAllStringSubmatch(doc[start:end], -1)
	names = append(names, regexp.MustCompile("`([a-z0-9_]+)`").FindAllStringSubmatch(added, -1)...)
	if len(names) < 40 {
		t.Fatalf("found only %d metric names in SCENARIOS.md", len(names))
	}
	for _, n := range names {
		if _, ok := Find(n[1]); !ok && n[1] != "metrics" {
			t.Errorf("Known has no %s", n[1])
		}
	}
	seen := map[string]bool{}
	for _, list := range [][]Metric{Known, AlarmSuffixes, CostItems} {
		for _, k := range list {
			if seen[k.Name] {
				t.Errorf("%s is listed twice", k.Name)
			}
			if k.Help == "" {
				t.Errorf("%s has no help", k.Name)
			}
			seen[k.Name] = true
		}
	}
}

// TestRecorderWritesKnownNames: what Finish writes, run-wide and per group, is in Known, and
// the per-group names are exactly those marked PerGroup.
func TestRecorderWritesKnownNames(t *testing.T) {
	r := NewRecorder(Config{Clients: []ClientInfo{{Name: "a", Priority: "high"}}}, nil)
	r.Offered(0, 0)
	s, ser := r.Finish(0, nil)
	for name := range s.Metrics {
		if _, ok := Find(name); !ok {
			t.Errorf("summary metric %s is not in Known", name)
		}
	}
	var want, got []string
	for _, k := range Known {
		if k.PerGroup {
			want = append(want, k.Name)
		}
	}
	for name := range s.PerClient["a"] {
		got = append(got, name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("per-client metrics %v, PerGroup %v", got, want)
	}
	if !slices.Equal(ser.Columns, SeriesColumns(nil, []string{"a"})) {
		t.Errorf("series columns %v", ser.Columns)
	}
}
