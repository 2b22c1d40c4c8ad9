package sweep

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/throttlelab/throttlelab/scenarios"
	"gopkg.in/yaml.v3"
)

// RecommendedName is the name recommended.yaml's scenario takes, as its file name requires.
const RecommendedName = "recommended"

// ScenarioYAML returns the scenario file with the answer's values, to be written as
// dir/recommended.yaml: base's own file (comments and layout kept as far as the YAML encoder
// does) with each knob's field set, its name made "recommended" as the file name requires,
// and a source template path made relative to dir. It checks that the result loads and
// validates, and holds the answer's values, and returns an error otherwise.
func (r *Recommendation) ScenarioYAML(base *scenarios.Scenario, dir string) ([]byte, error) {
	if r.Best == nil {
		return nil, ErrNoFeasible
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(base.Source, &doc); err != nil || doc.Kind != yaml.DocumentNode {
		return nil, fmt.Errorf("recommended.yaml: parse %s: %v", base.File, err)
	}
	root := doc.Content[0]
	for j, k := range r.Knobs {
		if err := setNode(root, k.Path, k.Kind, r.Best.Values[j]); err != nil {
			return nil, fmt.Errorf("recommended.yaml: %w", err)
		}
	}
	setScalar(mapEntry(root, "name"), "!!str", RecommendedName)
	if err := relocateTraces(root, base, dir); err != nil {
		return nil, fmt.Errorf("recommended.yaml: %w", err)
	}
	if base.Origin != nil && base.Origin.Template != "" {
		tmpl := TemplatePath(base)
		if rel, err := filepath.Rel(absDir(dir), tmpl); err == nil {
			tmpl = filepath.ToSlash(rel)
		}
		setScalar(mapEntry(mapEntry(root, "source"), "template"), "!!str", tmpl)
	}
	doc.HeadComment = r.headComment(base)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("recommended.yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("recommended.yaml: %w", err)
	}
	return buf.Bytes(), r.checkYAML(filepath.Join(dir, RecommendedName+".yaml"), buf.Bytes())
}

// relocateTraces points each replayed trace's file at it from dir (scenarios.TraceFileFor).
func relocateTraces(root *yaml.Node, base *scenarios.Scenario, dir string) error {
	for i := range base.Clients {
		a := &base.Clients[i].Arrival
		if a.Shape != "replay" || a.File == "" {
			continue
		}
		file, err := a.TraceFileFor(dir)
		if err != nil {
			return err
		}
		c, err := indexNode(mapEntry(root, "clients"), strconv.Itoa(i))
		if err != nil {
			return err
		}
		setScalar(mapEntry(mapEntry(c, "arrival"), "file"), "!!str", file)
	}
	return nil
}

func (r *Recommendation) headComment(base *scenarios.Scenario) string {
	c := fmt.Sprintf("Recommended by throttlelab recommend from %s (scenario %s): every SLO held on seeds %s.\n",
		base.File, base.Name, seedList(r.Seeds))
	for j, k := range r.Knobs {
		c += fmt.Sprintf("  %s = %s (%s)\n", k.Path, Label(k.Kind, r.Best.Values[j]), k.Direction())
	}
	return c
}

// checkYAML loads the file as it will be written and compares each knob's value.
func (r *Recommendation) checkYAML(file string, data []byte) error {
	sc, err := scenarios.LoadBytes(file, data)
	if err != nil {
		return fmt.Errorf("recommended.yaml is not a valid scenario: %w", err)
	}
	for j, k := range r.Knobs {
		got, err := Get(sc, k.Path)
		if err != nil {
			return fmt.Errorf("recommended.yaml: %w", err)
		}
		if want := r.Best.Values[j]; got != want {
			return fmt.Errorf("recommended.yaml: %s is %s, want %s", k.Path, Label(k.Kind, got), Label(k.Kind, want))
		}
	}
	return nil
}

// TemplatePath is the path of an imported scenario's template: as recorded when absolute,
// else relative to the scenario file's directory.
func TemplatePath(sc *scenarios.Scenario) string {
	t := sc.Origin.Template
	if filepath.IsAbs(t) {
		return t
	}
	return filepath.Join(absDir(filepath.Dir(sc.File)), t)
}

func absDir(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}

// setNode sets the field at path in the YAML mapping root to v, written as the field is,
// creating the mappings on the way that the file leaves out (as Set allocates them).
func setNode(root *yaml.Node, path string, kind Kind, v float64) error {
	steps, err := parsePath(path)
	if err != nil {
		return err
	}
	n := root
	for _, st := range steps {
		n = mapEntry(n, st.name)
		for _, ix := range st.indexes {
			if n, err = indexNode(n, ix); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	tag := map[Kind]string{KindInt: "!!int", KindFloat: "!!float"}[kind]
	if tag == "" {
		tag = "!!str"
	}
	setScalar(n, tag, yamlValue(kind, v))
	return nil
}

// yamlValue writes v as a scenario file does: a rate as "N/s", a duration as a Go duration.
func yamlValue(kind Kind, v float64) string {
	if kind == KindRate {
		return strconv.FormatFloat(clean(v), 'f', -1, 64) + "/s"
	}
	return FormatValue(kind, v)
}

// mapEntry returns the value node of key in mapping n, adding an empty mapping under key when
// it is missing (and turning a null n into a mapping).
func mapEntry(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: n.Style & yaml.FlowStyle}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, k, v)
	return v
}

// indexNode follows a list index or map key, which must exist.
func indexNode(n *yaml.Node, ix string) (*yaml.Node, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.SequenceNode:
		i, err := strconv.Atoi(ix)
		if err != nil || i < 0 || i >= len(n.Content) {
			return nil, fmt.Errorf("no entry [%s]", ix)
		}
		return n.Content[i], nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == ix {
				return n.Content[i+1], nil
			}
		}
	}
	return nil, fmt.Errorf("no key %q", ix)
}

// setScalar makes n a plain scalar.
func setScalar(n *yaml.Node, tag, value string) {
	n.Kind, n.Tag, n.Value, n.Style, n.Content, n.Alias = yaml.ScalarNode, tag, value, 0, nil, nil
}
