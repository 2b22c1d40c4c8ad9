package sweep

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/scenarios"
	"gopkg.in/yaml.v3"
)

// PatchChange is one template property template.patch.yaml asks to change, old → new, in the
// template's units (per second for rates, seconds for durations).
type PatchChange struct {
	Field    string `yaml:"field"`          // the scenario field tuned, "gateway.stage.rate"
	Resource string `yaml:"resource"`       // the logical ID, or the parameter's name
	Type     string `yaml:"type,omitempty"` // the resource's Type, or "Parameter"
	Property string `yaml:"property"`       // below the resource: "Properties.MethodSettings[0].ThrottlingRateLimit", or "Default"
	Old      any    `yaml:"old"`
	New      any    `yaml:"new"`
}

// TemplatePatch is template.patch.yaml.
type TemplatePatch struct {
	Template string            `yaml:"template"`
	Params   map[string]string `yaml:"params,omitempty"`
	Changes  []PatchChange     `yaml:"changes"`
}

// TemplatePatchYAML returns template.patch.yaml for a scenario imported from a template
// (base.Origin set; false otherwise), to be written into dir: for each knob whose field
// source.fields names, the property to change, its old value (the template's literal when the
// template can be read and holds one, else the scenario's value) and the recommended one; for
// the other knobs, a comment saying there is no template property to patch.
func (r *Recommendation) TemplatePatchYAML(base *scenarios.Scenario, dir string) ([]byte, bool, error) {
	if base.Origin == nil || r.Best == nil {
		return nil, false, nil
	}
	p := TemplatePatch{Template: base.Origin.Template, Params: base.Origin.Params, Changes: []PatchChange{}}
	var notes []string
	tmpl, terr := readTemplate(base)
	if terr == nil {
		if rel, err := filepath.Rel(absDir(dir), TemplatePath(base)); err == nil {
			p.Template = filepath.ToSlash(rel)
		}
	} else if base.Origin.Template != "" {
		notes = append(notes, fmt.Sprintf("the template could not be read (%v): each old value is the scenario's", terr))
	}
	fields := canonicalFields(base.Origin.Fields)
	for j, k := range r.Knobs {
		prop, ok := fields[canonicalPath(k.Path)]
		if !ok {
			notes = append(notes, k.Path+": no template property to patch: source.fields does not name it (it did not come from the template)")
			continue
		}
		c, note := patchChange(base, tmpl, k, prop, r.Best.Values[j])
		p.Changes = append(p.Changes, c)
		if note != "" {
			notes = append(notes, note)
		}
	}
	out, err := p.encode(base.Name, seedList(r.Seeds), notes)
	return out, true, err
}

// encode writes the patch: a header comment, the YAML, and the notes as comments.
func (p TemplatePatch) encode(scenario, seeds string, notes []string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# throttlelab recommend: the properties of %s to change so that the stack's limits are\n", p.Template)
	fmt.Fprintf(&b, "# recommended.yaml's (scenario %s; every SLO held on seeds %s). Values are in the template's\n", scenario, seeds)
	b.WriteString("# units: per second for rates, seconds for durations.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("template.patch.yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("template.patch.yaml: %w", err)
	}
	for _, n := range notes {
		b.WriteString("# " + n + "\n")
	}
	return b.Bytes(), nil
}

// patchChange describes one knob's change of the template property prop ("Id.Properties.X"
// or "Parameters.Name.Default"), with a note when the old value is not the template's literal.
func patchChange(base *scenarios.Scenario, tmpl *yaml.Node, k Knob, prop string, v float64) (PatchChange, string) {
	c := PatchChange{Field: k.Path, New: templateNumber(v)}
	head, rest, _ := strings.Cut(prop, ".")
	root := []string{"Resources", head}
	if head == "Parameters" {
		name, sub, _ := strings.Cut(rest, ".")
		c.Resource, c.Type, c.Property, root = name, "Parameter", sub, []string{"Parameters", name}
	} else {
		c.Resource, c.Property = head, rest
	}
	old, err := Get(base, k.Path)
	if err == nil {
		c.Old = templateNumber(old)
	}
	if tmpl == nil {
		return c, ""
	}
	if head != "Parameters" {
		if t, err := templateNode(tmpl, root, "Type"); err == nil && t.Kind == yaml.ScalarNode {
			c.Type = t.Value
		}
	}
	n, err := templateNode(tmpl, root, c.Property)
	switch {
	case err != nil:
		return c, fmt.Sprintf("%s: %s not found in the template (%v): old is the scenario's value", k.Path, prop, err)
	case n.Kind != yaml.ScalarNode || strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!"):
		return c, fmt.Sprintf("%s: the template computes %s (not a literal): old is the scenario's value; change what it refers to", k.Path, prop)
	}
	if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
		c.Old = templateNumber(f)
	} else {
		c.Old = n.Value
	}
	return c, ""
}

// templateNumber writes a value in base units as a template holds it: whole numbers as
// integers.
func templateNumber(v float64) any {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return int64(v)
	}
	return clean(v)
}

func readTemplate(base *scenarios.Scenario) (*yaml.Node, error) {
	if base.Origin.Template == "" {
		return nil, fmt.Errorf("source.template is empty")
	}
	data, err := os.ReadFile(TemplatePath(base))
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", base.Origin.Template, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s is empty", base.Origin.Template)
	}
	return doc.Content[0], nil
}

// templateNode walks the template from root's keys, then the property path below them
// ("Properties.MethodSettings[0].ThrottlingRateLimit").
func templateNode(tmpl *yaml.Node, root []string, property string) (*yaml.Node, error) {
	n := tmpl
	var err error
	for _, key := range root {
		if n, err = indexNode(n, key); err != nil {
			return nil, err
		}
	}
	steps, err := parsePath(property)
	if err != nil {
		return nil, err
	}
	for _, st := range steps {
		if n, err = indexNode(n, st.name); err != nil {
			return nil, err
		}
		for _, ix := range st.indexes {
			if n, err = indexNode(n, ix); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}

// canonicalFields keys source.fields by canonicalPath.
func canonicalFields(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for path, prop := range fields {
		out[canonicalPath(path)] = prop
	}
	return out
}

// canonicalPath writes a field path one way: list indexes bare, map keys quoted.
func canonicalPath(path string) string {
	steps, err := parsePath(path)
	if err != nil {
		return path
	}
	var b strings.Builder
	for i, st := range steps {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(st.name)
		for _, ix := range st.indexes {
			if _, err := strconv.Atoi(ix); err == nil {
				b.WriteString("[" + ix + "]")
			} else {
				b.WriteString("[" + strconv.Quote(ix) + "]")
			}
		}
	}
	return b.String()
}
