package cfnimport

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// intrinsic recognises an intrinsic function, in short form (a `!Ref` tag) or long form (a
// mapping {"Ref": …} or {"Fn::GetAtt": …}), and returns its full name ("Ref", "Fn::GetAtt")
// and argument.
func intrinsic(n *yaml.Node) (string, *yaml.Node, bool) {
	n = deref(n)
	if n == nil {
		return "", nil, false
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		arg := *n
		arg.Tag = map[yaml.Kind]string{yaml.ScalarNode: "!!str", yaml.SequenceNode: "!!seq", yaml.MappingNode: "!!map"}[n.Kind]
		name := n.Tag[1:]
		if name != "Ref" && name != "Condition" {
			name = "Fn::" + name
		}
		return name, &arg, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, deref(n.Content[1]), true
		}
	}
	return "", nil, false
}

// val resolves what can be resolved structurally: a Ref to a parameter with a default, an
// Fn::If whose condition evaluates with the parameters' defaults, Fn::FindInMap and Fn::Select
// with known arguments. A Ref to AWS::NoValue is nil. Anything else is returned as it is.
func (t *tmpl) val(n *yaml.Node) *yaml.Node {
	n = deref(n)
	fn, arg, ok := intrinsic(n)
	if !ok {
		return n
	}
	switch fn {
	case "Ref":
		if arg.Value == "AWS::NoValue" {
			return nil
		}
		if d := t.param(arg.Value); d != nil {
			return d
		}
	case "Fn::If":
		if a := items(arg); len(a) == 3 {
			if b, known := t.cond(a[0].Value); known && b {
				return t.val(a[1])
			} else if known {
				return t.val(a[2])
			}
		}
	case "Fn::FindInMap":
		if v := t.findInMap(arg); v != nil {
			return t.val(v)
		}
	case "Fn::Select":
		if v := t.selectItem(arg); v != nil {
			return t.val(v)
		}
	}
	return n
}

// prop returns property key of m, resolved with val.
func (t *tmpl) prop(m *yaml.Node, key string) *yaml.Node {
	return t.val(get(t.val(m), key))
}

// findInMap looks up [map, top, second] in Mappings.
func (t *tmpl) findInMap(arg *yaml.Node) *yaml.Node {
	a := items(arg)
	if len(a) != 3 {
		return nil
	}
	var keys [3]string
	for i, x := range a {
		s, ok := t.str(x)
		if !ok {
			return nil
		}
		keys[i] = s
	}
	return get(get(get(t.mappings, keys[0]), keys[1]), keys[2])
}

// selectItem picks [index, list].
func (t *tmpl) selectItem(arg *yaml.Node) *yaml.Node {
	a := items(arg)
	if len(a) != 2 {
		return nil
	}
	i, ok := t.num(a[0])
	list := items(t.val(a[1]))
	if !ok || int(i) < 0 || int(i) >= len(list) {
		return nil
	}
	return list[int(i)]
}

// str resolves a node to a string; false when it cannot be known from the template alone (a
// resource's physical id, an attribute, a pseudo parameter, an imported value).
func (t *tmpl) str(n *yaml.Node) (string, bool) {
	return t.text(n, true)
}

// flat renders a node as a string, with what cannot be resolved written as ${Name} or
// ${Resource.Attribute}: for URIs and messages.
func (t *tmpl) flat(n *yaml.Node) string {
	s, _ := t.text(n, false)
	return s
}

// text is str (strict) and flat (not strict).
func (t *tmpl) text(n *yaml.Node, strict bool) (string, bool) {
	n = t.val(n)
	if n == nil {
		return "", false
	}
	fn, arg, ok := intrinsic(n)
	if !ok {
		if n.Kind == yaml.ScalarNode {
			return n.Value, true
		}
		return "", false
	}
	switch fn {
	case "Fn::Sub":
		return t.sub(arg, strict)
	case "Fn::Join":
		return t.join(arg, strict)
	case "Ref":
		return "${" + arg.Value + "}", false
	case "Fn::GetAtt":
		return "${" + getAttName(arg) + "}", false
	}
	return "${" + strings.TrimPrefix(fn, "Fn::") + " " + t.flat(arg) + "}", false
}

// getAttName is the Resource.Attribute an Fn::GetAtt names.
func getAttName(arg *yaml.Node) string {
	if a := items(arg); len(a) == 2 {
		return a[0].Value + "." + a[1].Value
	}
	return arg.Value
}

// join resolves Fn::Join [delimiter, [parts]].
func (t *tmpl) join(arg *yaml.Node, strict bool) (string, bool) {
	a := items(arg)
	if len(a) != 2 {
		return "", false
	}
	var parts []string
	all := true
	for _, p := range items(t.val(a[1])) {
		s, ok := t.text(p, strict)
		all = all && ok
		parts = append(parts, s)
	}
	return strings.Join(parts, a[0].Value), all
}

// sub resolves Fn::Sub: "template" or [template, {Var: value}].
func (t *tmpl) sub(arg *yaml.Node, strict bool) (string, bool) {
	s, vars := arg.Value, (*yaml.Node)(nil)
	if a := items(arg); len(a) == 2 {
		s, vars = a[0].Value, a[1]
	}
	var b strings.Builder
	all := true
	for {
		i := strings.Index(s, "${")
		j := strings.Index(s[max(i, 0):], "}")
		if i < 0 || j < 0 {
			b.WriteString(s)
			return b.String(), all
		}
		name := s[i+2 : i+j]
		b.WriteString(s[:i])
		s = s[i+j+1:]
		v, ok := t.subVar(name, vars, strict)
		all = all && ok
		b.WriteString(v)
	}
}

// subVar is the value of ${name} in an Fn::Sub.
func (t *tmpl) subVar(name string, vars *yaml.Node, strict bool) (string, bool) {
	if lit, ok := strings.CutPrefix(name, "!"); ok {
		return "${" + lit + "}", true
	}
	if v := get(vars, name); v != nil {
		return t.text(v, strict)
	}
	if d := t.param(name); d != nil {
		return t.text(d, strict)
	}
	return "${" + name + "}", false
}

// num resolves a node to a number.
func (t *tmpl) num(n *yaml.Node) (float64, bool) {
	s, ok := t.str(n)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return v, err == nil
}

// boolean resolves a node to a boolean.
func (t *tmpl) boolean(n *yaml.Node) (bool, bool) {
	s, ok := t.str(n)
	if !ok {
		return false, false
	}
	v, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(s)))
	return v, err == nil
}

// describe is a short rendering of a node for messages: "!Ref RateParam", "2000".
func (t *tmpl) describe(n *yaml.Node) string {
	if deref(n) == nil {
		return "(none)"
	}
	fn, arg, ok := intrinsic(n)
	if !ok {
		if s, ok := t.str(n); ok {
			return s
		}
		return "(a " + kindName(n) + ")"
	}
	short := "!" + strings.TrimPrefix(fn, "Fn::")
	if fn == "Fn::GetAtt" {
		return short + " " + getAttName(arg)
	}
	s := t.flat(arg)
	if arg.Kind == yaml.ScalarNode {
		s = arg.Value
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return short + " " + s
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch deref(n).Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// refIDs returns the logical ids of the resources a node refers to (Ref, Fn::GetAtt and
// ${Name} or ${Name.Attribute} in Fn::Sub), in order, each once.
func (t *tmpl) refIDs(n *yaml.Node) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if t.byID[id] != nil && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		n = deref(n)
		if n == nil {
			return
		}
		if fn, arg, ok := intrinsic(n); ok {
			t.refsOf(fn, arg, add)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

// refsOf reports the resources one intrinsic names directly.
func (t *tmpl) refsOf(fn string, arg *yaml.Node, add func(string)) {
	switch fn {
	case "Ref":
		add(arg.Value)
	case "Fn::GetAtt":
		id, _, _ := strings.Cut(getAttName(arg), ".")
		add(id)
	case "Fn::Sub":
		s := arg.Value
		if a := items(arg); len(a) == 2 {
			s = a[0].Value
		}
		for _, part := range strings.Split(s, "${")[1:] {
			name, _, _ := strings.Cut(part, "}")
			id, _, _ := strings.Cut(name, ".")
			add(id)
		}
	}
}

// ref returns the first resource of one of the types a node refers to, or "".
func (t *tmpl) ref(n *yaml.Node, types ...string) string {
	for _, id := range t.refIDs(n) {
		if t.isType(id, types...) {
			return id
		}
	}
	return ""
}
