package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
	"gopkg.in/yaml.v3"
)

func loadFile(t *testing.T, path string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func mustKnob(t *testing.T, spec string) Knob {
	t.Helper()
	k, err := ParseKnob(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// gridOptimum runs the full grid of the knobs on every seed and returns the lexicographic
// optimum of the configurations that hold every SLO on every seed (nil when none), and how
// many configurations were feasible.
func gridOptimum(t *testing.T, sc *scenarios.Scenario, knobs []Knob, seeds []int64) ([]float64, int) {
	t.Helper()
	var axes []Axis
	for _, k := range knobs {
		axes = append(axes, Axis{Path: k.Path, Kind: k.Kind, Values: k.Values})
	}
	grid, _ := Grid(axes)
	feasible := make([]bool, len(grid))
	for i := range feasible {
		feasible[i] = true
	}
	for _, seed := range seeds {
		pts, err := Run(sc, axes, nil, Options{Seed: &seed})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range pts {
			feasible[i] = feasible[i] && p.Err == nil && reports.Failed(p.Summary.Thresholds) == 0
		}
	}
	var best []float64
	n := 0
	for i, values := range grid {
		if !feasible[i] {
			continue
		}
		n++
		if best == nil || lexBetter(knobs, values, best) {
			best = values
		}
	}
	return best, n
}

// lexBetter compares two configurations knob by knob, each toward its direction.
func lexBetter(knobs []Knob, a, b []float64) bool {
	for j, k := range knobs {
		if a[j] != b[j] {
			return (a[j] < b[j]) != k.Max
		}
	}
	return false
}

// TestRecommendIsTheGridOptimum is issue 13's acceptance check: on a scenario with two knobs
// and SLOs, recommend's answer is the optimum of the feasible points of the full grid, its
// recommended.yaml holds every SLO on seeds it did not search with, and it took fewer runs
// than the grid.
func TestRecommendIsTheGridOptimum(t *testing.T) {
	sc := loadFile(t, "testdata/recommend.yaml")
	knobs := []Knob{mustKnob(t, "gateway.stage.rate=100..1000:100"), mustKnob(t, "gateway.stage.burst=100..1000:100")}
	r, err := Recommend(sc, Tuning{Knobs: knobs}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Seeds, []int64{7, 8, 9}) {
		t.Fatalf("seeds %v, want the scenario's (7) and the two after it", r.Seeds)
	}
	want, feasible := gridOptimum(t, sc, knobs, r.Seeds)
	if want == nil || r.Best == nil || !slices.Equal(r.Best.Values, want) {
		t.Fatalf("recommend chose %v, the grid's optimum is %v", r.Best, want)
	}
	gridRuns := int(r.GridPoints) * len(r.Seeds)
	if r.Runs >= gridRuns || r.GridPoints != 100 {
		t.Errorf("recommend took %d runs, the grid %d (%v points)", r.Runs, gridRuns, r.GridPoints)
	}
	t.Logf("answer %v = the grid's optimum of %d feasible points of %v; %d runs against the grid's %d",
		r.Best.Values, feasible, r.GridPoints, r.Runs, gridRuns)

	dir := t.TempDir()
	if _, err := r.WriteFiles(dir, sc); err != nil {
		t.Fatal(err)
	}
	rec := loadFile(t, filepath.Join(dir, "recommended.yaml")) // decodes strictly and validates
	unseen := []int64{10, 11, 12, 13, 14}
	for _, seed := range unseen {
		res, err := sim.Run(context.Background(), rec, sim.Options{Seed: &seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range reports.Evaluate(res.Summary, rec.SLO) {
			if !th.OK {
				t.Errorf("recommended.yaml, seed %d: %s failed (was %v)", seed, th.Expr, th.Value)
			}
		}
	}
	t.Logf("recommended.yaml held every SLO on unsearched seeds %v", unseen)
}

func TestRecommendFiles(t *testing.T) {
	sc := loadFile(t, "testdata/recommend.yaml")
	knobs := []Knob{mustKnob(t, "gateway.stage.rate=100..1000:300"), mustKnob(t, "gateway.stage.burst=100..1000:300")}
	r, err := Recommend(sc, Tuning{Knobs: knobs, Seeds: 2}, Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := r.WriteFiles(dir, sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"recommendation.json", "recommend.html", "recommend-points.svg", "recommend-cost.png", "recommended.yaml"} {
		if !slices.Contains(files, name) {
			t.Errorf("%s not written (wrote %v)", name, files)
		}
	}
	if slices.Contains(files, "template.patch.yaml") {
		t.Error("template.patch.yaml written for a scenario not imported from a template")
	}
	var got map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "recommendation.json"))
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	values, _ := got["values"].(map[string]any)
	if values["gateway.stage.rate"] != r.Best.Values[0] || values["gateway.stage.burst"] != r.Best.Values[1] {
		t.Errorf("values %v, want %v", values, r.Best.Values)
	}
	slo, _ := got["slo"].([]any)
	if len(slo) != 2 {
		t.Fatalf("slo %v", got["slo"])
	}
	first := slo[0].(map[string]any)
	if first["expr"] != "gateway_throttled_total == 0" || first["value"] != 0.0 || first["margin"] != 0.0 {
		t.Errorf("slo[0] %v", first)
	}
	if c, ok := got["cost_usd_per_million"].(float64); !ok || c <= 0 || got["runs"] != float64(r.Runs) {
		t.Errorf("cost %v runs %v (want %d)", got["cost_usd_per_million"], got["runs"], r.Runs)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "recommend.html"))
	for _, want := range []string{`<svg class="chart"`, "feasible frontier", "runner-up", `class="best"`, "cost per million"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("recommend.html lacks %q", want)
		}
	}
	yml, _ := os.ReadFile(filepath.Join(dir, "recommended.yaml"))
	for _, want := range []string{"name: recommended", "Recommended by throttlelab recommend", "rate: " + yamlValue(KindRate, r.Best.Values[0])} {
		if !bytes.Contains(yml, []byte(want)) {
			t.Errorf("recommended.yaml lacks %q:\n%s", want, yml)
		}
	}
}

// TestRecommendNonMonotone: only concurrency 2 holds both SLOs (1 leaves a backlog, 3 and more
// draw 429s), so bisection would be wrong; recommend must see the contradiction, say so, scan,
// and still find the grid's optimum.
func TestRecommendNonMonotone(t *testing.T) {
	sc := loadFile(t, "testdata/nonmonotone.yaml")
	knobs := []Knob{mustKnob(t, "consumer.concurrency=1..10")}
	r, err := Recommend(sc, Tuning{Knobs: knobs}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := gridOptimum(t, sc, knobs, r.Seeds)
	if r.Best == nil || !slices.Equal(r.Best.Values, want) || want[0] != 2 {
		t.Fatalf("recommend chose %v, the grid's optimum is %v", r.Best, want)
	}
	if r.Assumed || !strings.Contains(r.How[0], "not monotone") || !strings.Contains(r.How[0], "downstream_429_total == 0") {
		t.Errorf("how: %q (assumed %v)", r.How[0], r.Assumed)
	}
	var out bytes.Buffer
	r.WriteText(&out)
	if !strings.Contains(out.String(), "scanned, not bisected") || strings.Contains(out.String(), "assumed monotone") {
		t.Errorf("text does not say it scanned:\n%s", out.String())
	}
}

func TestRecommendNothingFeasible(t *testing.T) {
	sc := loadFile(t, "testdata/recommend.yaml")
	knobs := []Knob{mustKnob(t, "gateway.stage.rate=50..100:50"), mustKnob(t, "gateway.stage.burst=10..20:10")}
	r, err := Recommend(sc, Tuning{Knobs: knobs, Seeds: 1}, Options{})
	if !errors.Is(err, ErrNoFeasible) || r.Best != nil {
		t.Fatalf("err %v best %v", err, r.Best)
	}
	var out bytes.Buffer
	r.WriteText(&out)
	for _, want := range []string{"chosen        none", "gateway.stage.rate=100/s gateway.stage.burst=20, failed", "gateway_throttled_total == 0 (was "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
	if len(r.Points) != 2 {
		t.Errorf("judged %d configurations: the loosest and the tightest suffice", len(r.Points))
	}
}

// TestTemplatePatch: the stage rate is a literal property of the template, the burst a
// parameter's default, and the spike's peak did not come from the template.
func TestTemplatePatch(t *testing.T) {
	sc := loadFile(t, "testdata/imported.yaml")
	knobs := []Knob{mustKnob(t, "gateway.stage.rate=100..1000:300"), mustKnob(t, "gateway.stage.burst=100..1000:300"),
		mustKnob(t, "clients[1].arrival.peak=400..800:400,max")}
	r, err := Recommend(sc, Tuning{Knobs: knobs, Seeds: 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := r.WriteFiles(dir, sc)
	if err != nil || !slices.Contains(files, "template.patch.yaml") {
		t.Fatalf("wrote %v: %v", files, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "template.patch.yaml"))
	var p TemplatePatch
	if err := yaml.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	wantTmpl, _ := filepath.Rel(dir, absDir("testdata/template.yaml"))
	if p.Template != filepath.ToSlash(wantTmpl) || p.Params["Owner"] != "team-a" {
		t.Errorf("template %q params %v, want %q", p.Template, p.Params, wantTmpl)
	}
	want := []PatchChange{
		{Field: "gateway.stage.rate", Resource: "Stage", Type: "AWS::ApiGateway::Stage",
			Property: "Properties.MethodSettings[0].ThrottlingRateLimit", Old: 1000, New: int(r.Best.Values[0])},
		{Field: "gateway.stage.burst", Resource: "StageBurst", Type: "Parameter", Property: "Default", Old: 1000, New: int(r.Best.Values[1])},
	}
	if !reflect.DeepEqual(p.Changes, want) {
		t.Errorf("changes\n%+v\nwant\n%+v\n%s", p.Changes, want, data)
	}
	if !bytes.Contains(data, []byte("# clients[1].arrival.peak: no template property to patch")) {
		t.Errorf("no comment for the knob the template does not hold:\n%s", data)
	}
	// recommended.yaml keeps the source, its template path now relative to dir.
	rec := loadFile(t, filepath.Join(dir, "recommended.yaml"))
	if rec.Origin == nil || filepath.Join(dir, rec.Origin.Template) != absDir("testdata/template.yaml") {
		t.Errorf("recommended.yaml's source %+v", rec.Origin)
	}
}

// TestTemplatePatchNotes: a property the template computes (!Ref) or lacks keeps the
// scenario's value as old, and says so.
func TestTemplatePatchNotes(t *testing.T) {
	sc := loadFile(t, "testdata/imported.yaml")
	sc.Origin.Fields = map[string]string{
		"gateway.stage.burst": "Stage.Properties.MethodSettings[0].ThrottlingBurstLimit",
		"gateway.stage.rate":  "Stage.Properties.MethodSettings[1].ThrottlingRateLimit",
	}
	knobs := []Knob{mustKnob(t, "gateway.stage.rate=100..1000:300"), mustKnob(t, "gateway.stage.burst=100..1000:300")}
	r := &Recommendation{Knobs: knobs, Seeds: []int64{7}, Best: &Candidate{Values: []float64{400, 700}}}
	data, ok, err := r.TemplatePatchYAML(sc, t.TempDir())
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	for _, want := range []string{
		"# gateway.stage.rate: Stage.Properties.MethodSettings[1].ThrottlingRateLimit not found in the template (no entry [1]): old is the scenario's value",
		"# gateway.stage.burst: the template computes Stage.Properties.MethodSettings[0].ThrottlingBurstLimit (not a literal)",
		"old: 1000\n    new: 400", "old: 1000\n    new: 700",
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("template.patch.yaml lacks %q:\n%s", want, data)
		}
	}
	sc.Origin = nil
	if _, ok, _ := r.TemplatePatchYAML(sc, t.TempDir()); ok {
		t.Error("a patch for a scenario without a source")
	}
}

func TestParseKnob(t *testing.T) {
	tests := []struct {
		spec   string
		values []float64
		max    bool
	}{
		{"consumer.concurrency=1..5", []float64{1, 2, 3, 4, 5}, false},
		{"consumer.concurrency=1..10:4,max", []float64{1, 5, 9, 10}, true},
		{"gateway.stage.rate=50/s..6000/m:25", []float64{50, 75, 100}, false},
		{"queues[0].visibility_timeout=10s..20s:5s,min", []float64{10, 15, 20}, false},
		{"gateway.stage.burst=7..7", []float64{7}, false},
	}
	for _, tt := range tests {
		k, err := ParseKnob(tt.spec)
		if err != nil {
			t.Errorf("%s: %v", tt.spec, err)
			continue
		}
		if !slices.Equal(k.Values, tt.values) || k.Max != tt.max {
			t.Errorf("%s: values %v max %v, want %v %v", tt.spec, k.Values, k.Max, tt.values, tt.max)
		}
	}
	k := mustKnob(t, "downstream.errors.rate=0..0.5")
	if len(k.Values) != 101 || k.Step != 0.005 || k.Values[100] != 0.5 {
		t.Errorf("a float knob's default step: %v values, step %v, last %v", len(k.Values), k.Step, k.Values[len(k.Values)-1])
	}
	for _, bad := range []string{"gateway.stage.rate", "gateway.stage.rate=1..2,up", "gateway.stage=1..2",
		"consumer.concurrency=1..5:0.5", "consumer.concurrency=5..1", "consumer.concurrency=1..100000"} {
		if _, err := ParseKnob(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
