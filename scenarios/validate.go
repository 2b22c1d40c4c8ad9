package scenarios

import (
	"cmp"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Validate checks a scenario's values and returns every problem at once, each a *FieldError
// placed at the line of the field it names, in line order; nil means the scenario is valid.
// It expects ApplyDefaults to have run, as Load does: fields with a default are checked with
// it.
//
// A field the contract requires (a field whose json tag has no omitempty, as in the JSON
// Schema) and that the file leaves out is reported once, as missing; nothing else is reported
// about it or about what it contains. Bounds and name lists come from the fields' limit and
// enum tags (limits.go), which the JSON Schema carries too; the rules go beyond the schema
// in references between sections (gateway.queue and consumer.order name queues, a burst
// inside the duration) and in relations between values (base <= cap).
//
// throttlelab does not require FIFO queue names to end in ".fifo", as AWS does: a queue is
// FIFO when its fifo field says so, whatever its name.
func (s *Scenario) Validate() []error {
	v := &validator{s: s}
	v.required(reflect.ValueOf(s).Elem(), "")
	v.tagged(reflect.ValueOf(s).Elem(), "")
	v.top()
	v.clients()
	v.gateway()
	v.queues()
	v.consumer()
	v.downstream()
	v.alarms()
	v.slo()
	slices.SortStableFunc(v.errs, func(a, b *FieldError) int { return cmp.Compare(a.Line, b.Line) })
	var errs []error
	for _, e := range v.errs {
		errs = append(errs, e)
	}
	return errs
}

// validator collects the problems of one scenario.
type validator struct {
	s    *Scenario
	errs ErrorList
	// missing are the paths of required fields left out; errors inside them are dropped.
	missing []string
	// metricRefs, once built, is what thresholds and alarms may name (refs).
	metricRefs *metricRefs
}

// errf records a problem with the field at path, unless that field is known to be missing.
func (v *validator) errf(path, format string, args ...any) {
	for _, m := range v.missing {
		if within(path, m) {
			return
		}
	}
	v.errs = append(v.errs, &FieldError{File: v.s.File, Line: v.s.Line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// within reports whether path is p or names something inside p.
func within(path, p string) bool {
	if !strings.HasPrefix(path, p) {
		return false
	}
	return len(path) == len(p) || path[len(p)] == '.' || path[len(p)] == '['
}

// given reports whether the field at path was written; without line information (a scenario
// built in code) every field counts as written.
func (v *validator) given(path string) bool {
	if v.s.lines == nil {
		return true
	}
	_, ok := v.s.lines[path]
	return ok
}

// required reports the required fields left out anywhere under rv.
func (v *validator) required(rv reflect.Value, path string) {
	switch rv.Kind() {
	case reflect.Pointer:
		if !rv.IsNil() {
			v.required(rv.Elem(), path)
		}
	case reflect.Slice:
		for i := range rv.Len() {
			v.required(rv.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.String(), b.String()) })
		for _, k := range keys {
			v.required(rv.MapIndex(k), fmt.Sprintf("%s[%q]", path, k.String()))
		}
	case reflect.Struct:
		if rv.Type() != timeType {
			v.requiredFields(rv, path)
		}
	}
}

func (v *validator) requiredFields(rv reflect.Value, path string) {
	t := rv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		p := join(path, name)
		if isRequired(f) && !v.given(p) {
			v.errf(p, "required field is missing")
			v.missing = append(v.missing, p)
			continue
		}
		v.required(rv.Field(i), p)
	}
}

// isRequired reports whether the contract requires a field: its json tag has no omitempty.
func isRequired(f reflect.StructField) bool {
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name != "-" && !slices.Contains(strings.Split(opts, ","), "omitempty")
}

// oneOf checks that val is one of the known names.
func (v *validator) oneOf(path, what, val string, known []string) bool {
	if slices.Contains(known, val) {
		return true
	}
	v.errf(path, "unknown %s %q (known: %s)", what, val, strings.Join(known, ", "))
	return false
}

// positive checks d > 0, for durations that must be positive only in some uses.
func (v *validator) positive(path string, d Duration) {
	if d <= 0 {
		v.errf(path, "must be greater than 0, got %s", ShortDuration(d.D()))
	}
}

// param is one optional parameter of an arrival shape or a latency distribution.
type param struct {
	name string
	set  bool
}

// params checks that exactly the parameters kind (a shape, a distribution) uses are set.
func (v *validator) params(path, what, kind string, want []string, have []param) {
	for _, p := range have {
		needed := slices.Contains(want, p.name)
		switch {
		case needed && !p.set:
			v.errf(join(path, p.name), "%s %s requires %s", what, kind, p.name)
		case !needed && p.set:
			v.errf(join(path, p.name), "%s does not apply to %s %s", p.name, what, kind)
		}
	}
}

func (v *validator) top() {
	s := v.s
	if s.Name == "" {
		v.errf("name", "must not be empty")
	}
	if s.Duration == 0 && !v.given("duration") && !s.replays() {
		v.errf("duration", "required field is missing (or replay a trace, whose span it defaults to)")
	}
	v.runLength()
	if len(s.Clients) == 0 {
		v.errf("clients", "at least one client is required")
	}
}

// MaxRunLength is the longest run a scenario may ask for: its duration plus its drain. A run
// keeps its per-second series (one row per second of scenario time, wider with every client
// and queue) and the charts drawn from it in memory, so its memory grows with its length
// whatever the request rate. Measured at this maximum (quota-day stretched to 191h50m plus
// its 10m drain, in the simulator): 843–870 MB peak resident memory with one client and one
// queue, 2,072–2,115 MB with ten clients (about 140 MB more per client).
const MaxRunLength = 8 * 24 * time.Hour

// runLength checks duration + drain against MaxRunLength, naming the field that takes the
// run over it.
func (v *validator) runLength() {
	s := v.s
	drain := time.Duration(0)
	if s.Drain != nil && *s.Drain > 0 {
		drain = s.Drain.D()
	}
	total := s.Duration.D() + drain
	if total <= MaxRunLength && total >= s.Duration.D() {
		return
	}
	path := "duration"
	if s.Duration.D() <= MaxRunLength && v.given("drain") {
		path = "drain"
	}
	v.errf(path, "a run of %s (duration %s + drain %s) is longer than the maximum of 8d (%s): a run holds "+
		"one row per second of scenario time in memory (about 0.9 GB at 8d with one client; docs/SCENARIOS.md); "+
		"shorten it, or split it into runs",
		ShortDuration(total), ShortDuration(s.Duration.D()), ShortDuration(drain), ShortDuration(MaxRunLength))
}

// fileBase returns the base name of file without a .yaml or .yml extension ("" for no file).
func fileBase(file string) string {
	if file == "" {
		return ""
	}
	base := filepath.Base(file)
	for _, ext := range []string{".yaml", ".yml"} {
		if name, ok := strings.CutSuffix(base, ext); ok {
			return name
		}
	}
	return base
}

// Warnings returns what is questionable in a scenario but does not stop it from running,
// each a *FieldError with Warning set, placed at its field's line: for now a name that
// differs from the file's base name (the results directory and the reports use the name).
func (s *Scenario) Warnings() ErrorList {
	var ws ErrorList
	if base := fileBase(s.File); s.Name != "" && base != "" && s.Name != base {
		ws = append(ws, &FieldError{File: s.File, Line: s.Line("name"), Path: "name", Warning: true,
			Msg: fmt.Sprintf("name %q differs from the file name %q: results and reports use %q", s.Name, base, s.Name)})
	}
	return ws
}

func (v *validator) clients() {
	seen := map[string]int{}
	for i := range v.s.Clients {
		c, p := &v.s.Clients[i], fmt.Sprintf("clients[%d]", i)
		if c.Name == "" {
			v.errf(p+".name", "must not be empty")
		} else if j, dup := seen[c.Name]; dup {
			v.errf(p+".name", "client %q is also clients[%d]", c.Name, j)
		} else {
			seen[c.Name] = i
		}
		if !strings.HasPrefix(c.Path, "/") {
			v.errf(p+".path", "path %q must start with /", c.Path)
		}
		v.arrival(p+".arrival", &c.Arrival)
		if c.Retry != nil {
			v.retry(p+".retry", c.Retry)
		}
	}
}

// shapeParams are the parameters each arrival shape requires; no other applies.
var shapeParams = map[string][]string{
	"constant": {"rate"},
	"poisson":  {"rate"},
	"ramp":     {"from", "to"},
	"burst":    {"rate", "peak", "at", "for"},
	"sine":     {"rate", "amplitude", "period"},
	"steps":    {"steps"},
	"replay":   {"file"},
}

func (v *validator) arrival(p string, a *Arrival) {
	if !slices.Contains(Shapes, a.Shape) {
		return // reported by the enum check
	}
	have := []param{
		{"rate", a.Rate != nil}, {"peak", a.Peak != nil}, {"at", a.At != nil},
		{"for", a.For != nil}, {"from", a.From != nil}, {"to", a.To != nil},
		{"amplitude", a.Amplitude != nil}, {"period", a.Period != nil}, {"steps", len(a.Steps) > 0},
		{"file", a.File != ""},
	}
	if a.Shape == "replay" {
		v.validateReplay(p, a)
	} else { // replay's optional parameters
		have = append(have, param{"format", a.Format != ""}, param{"speed", a.Speed != nil},
			param{"api_key", a.APIKey != ""}, param{"fields", a.Fields != nil})
	}
	v.params(p, "shape", a.Shape, shapeParams[a.Shape], have)
	if a.At != nil && *a.At >= v.s.Duration && v.s.Duration > 0 {
		v.errf(p+".at", "the burst starts at %s, not before the load ends (duration %s)", ShortDuration(a.At.D()), ShortDuration(v.s.Duration.D()))
	}
	for i, st := range a.Steps {
		sp := fmt.Sprintf("%s.steps[%d].at", p, i)
		if i > 0 && st.At >= 0 && st.At <= a.Steps[i-1].At {
			v.errf(sp, "steps must be in increasing order of at: %s is not after %s", ShortDuration(st.At.D()), ShortDuration(a.Steps[i-1].At.D()))
		}
	}
}

func (v *validator) retry(p string, r *Retry) {
	if r.Base != nil && r.Cap != nil && *r.Base > *r.Cap {
		v.errf(p+".base", "base %s is greater than cap %s", ShortDuration(r.Base.D()), ShortDuration(r.Cap.D()))
	}
	if r.Policy == "none" && r.MaxAttempts > 1 {
		v.errf(p+".max_attempts", "policy none makes no retries: max_attempts must be 1, got %d", r.MaxAttempts)
	}
}
