package cfnimport

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a problem that stops an import: a template that is not YAML or JSON, or has no
// resources. Line is 0 when the problem has no line.
type Error struct {
	File string
	Line int
	Msg  string
	Err  error // the underlying error, if any
}

// Error formats the problem as FILE:LINE: message.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// tmpl is a parsed template: its sections as yaml.v3 nodes, which keep their lines.
type tmpl struct {
	file     string
	ld       *loader
	rel      string                // the file as property paths and messages name it; "" for the template given to import
	prefix   string                // logical ids of a nested stack's resources are qualified with it ("Api/")
	params   *yaml.Node            // Parameters
	values   map[string]*yaml.Node // parameter values given (--param, or a parent stack's Parameters)
	mappings *yaml.Node            // Mappings
	conds    *yaml.Node            // Conditions
	globals  *yaml.Node            // SAM Globals
	res      []*resource
	byID     map[string]*resource
	depth    int // recursion guard of condition evaluation
}

// resource is one entry of Resources.
type resource struct {
	id    string
	qid   string // id qualified by its nested stack ("Api/UsagePlan"); id for the template's own
	typ   string
	props *yaml.Node // Properties; nil when the resource has none
	line  int
	file  string // the file it is in, for messages; "" for the template given to import
	cond  string // its Condition, if any
}

// yamlLine finds "line N" in a yaml.v3 error message.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads a CloudFormation or SAM template, YAML or JSON: the template given to import
// (rel and prefix ""), or a nested stack's, named rel in property paths, whose logical ids are
// qualified with prefix.
func parse(ld *loader, file string, data []byte, rel, prefix string) (*tmpl, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, parseError(file, err)
	}
	root := deref(&doc)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: lineOf(root), Msg: "not a template: want a mapping with a Resources section"}
	}
	ld.indexTemplate(root, rel)
	t := &tmpl{file: file, ld: ld, rel: rel, prefix: prefix, byID: map[string]*resource{},
		values: map[string]*yaml.Node{}, params: get(root, "Parameters"), mappings: get(root, "Mappings"),
		conds: get(root, "Conditions"), globals: get(root, "Globals")}
	rs := get(root, "Resources")
	if rs == nil || rs.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: lineOf(root), Msg: "not a template: no Resources section"}
	}
	for _, kv := range pairs(rs) {
		r, err := t.resource(kv.key, kv.val)
		if err != nil {
			return nil, err
		}
		t.res = append(t.res, r)
		t.byID[r.id] = r
	}
	return t, nil
}

// parseError turns a yaml.v3 error into an Error naming the file and line.
func parseError(file string, err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "parse template: " + m[2], Err: err}
	}
	return &Error{File: file, Msg: "parse template: " + strings.TrimPrefix(msg, "yaml: "), Err: err}
}

// resource reads one resource entry.
func (t *tmpl) resource(key, val *yaml.Node) (*resource, error) {
	if val.Kind != yaml.MappingNode {
		return nil, &Error{File: t.file, Line: val.Line, Msg: fmt.Sprintf("resource %s: want a mapping with Type and Properties", key.Value)}
	}
	typ := get(val, "Type")
	if typ == nil || typ.Kind != yaml.ScalarNode || typ.Value == "" {
		return nil, &Error{File: t.file, Line: key.Line, Msg: fmt.Sprintf("resource %s has no Type", key.Value)}
	}
	r := &resource{id: key.Value, qid: t.prefix + key.Value, typ: typ.Value, props: get(val, "Properties"),
		line: key.Line, file: t.rel}
	if c := get(val, "Condition"); c != nil {
		r.cond = c.Value
	}
	return r, nil
}

// ofType returns the resources of the given types, in template order.
func (t *tmpl) ofType(types ...string) []*resource {
	var out []*resource
	for _, r := range t.res {
		for _, ty := range types {
			if r.typ == ty {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// isType reports whether id names a resource of one of the types.
func (t *tmpl) isType(id string, types ...string) bool {
	r := t.byID[id]
	if r == nil {
		return false
	}
	for _, ty := range types {
		if r.typ == ty {
			return true
		}
	}
	return false
}

// setParams gives parameters values, by name; a name the template does not declare is an
// error naming the ones it does.
func (t *tmpl) setParams(values map[string]*yaml.Node) error {
	for name, v := range values {
		if get(t.params, name) == nil {
			var known []string
			for _, p := range pairs(t.params) {
				known = append(known, p.key.Value)
			}
			return &Error{File: t.file, Msg: fmt.Sprintf("--param %s: the template has no parameter %s (parameters: %s)",
				name, name, orNone(strings.Join(known, ", ")))}
		}
		t.values[name] = v
	}
	return nil
}

// orNone is s, or "none" when s is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// param returns the value of parameter name: the one given, else its Default; nil when it has
// neither (or is not a parameter).
func (t *tmpl) param(name string) *yaml.Node {
	if v := t.values[name]; v != nil {
		return v
	}
	return get(get(t.params, name), "Default")
}

// global returns a SAM Globals property of a section (Function, Api, HttpApi).
func (t *tmpl) global(section, prop string) *yaml.Node {
	return get(get(t.globals, section), prop)
}

// kv is one key and value of a mapping.
type kv struct{ key, val *yaml.Node }

// deref follows aliases and documents to the node that holds the value.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch {
		case n.Kind == yaml.AliasNode:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		case n.Kind == yaml.DocumentNode:
			return nil
		default:
			return n
		}
	}
	return nil
}

// pairs returns the keys and values of a mapping, in order; nil for anything else.
func pairs(m *yaml.Node) []kv {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]kv, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, kv{m.Content[i], deref(m.Content[i+1])})
	}
	return out
}

// get returns the value of key in a mapping, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	for _, p := range pairs(m) {
		if p.key.Value == key {
			return p.val
		}
	}
	return nil
}

// items returns the items of a sequence; nil for anything else.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

// lineOf returns the line of a node, or 0.
func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}
