package cfnimport

import "gopkg.in/yaml.v3"

// cond evaluates the template condition name with the parameters' defaults; known is false
// when it depends on something else (a parameter without a default, a pseudo parameter).
func (t *tmpl) cond(name string) (value, known bool) {
	expr := get(t.conds, name)
	if expr == nil || t.depth > 32 {
		return false, false
	}
	t.depth++
	defer func() { t.depth-- }()
	return t.condExpr(expr)
}

// condExpr evaluates a condition expression: Fn::Equals, Fn::Not, Fn::And, Fn::Or and
// Condition.
func (t *tmpl) condExpr(n *yaml.Node) (value, known bool) {
	n = deref(n)
	if n != nil && (n.Tag == "!Condition" || (n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Condition")) {
		if n.Tag == "!Condition" {
			return t.cond(n.Value)
		}
		return t.cond(n.Content[1].Value)
	}
	fn, arg, ok := intrinsic(n)
	if !ok {
		return t.boolean(n)
	}
	args := items(arg)
	switch fn {
	case "Fn::Equals":
		if len(args) == 2 {
			a, okA := t.str(args[0])
			b, okB := t.str(args[1])
			return a == b, okA && okB
		}
	case "Fn::Not":
		if len(args) == 1 {
			v, k := t.condExpr(args[0])
			return !v, k
		}
	case "Fn::And", "Fn::Or":
		return t.condList(fn == "Fn::Or", args)
	}
	return false, false
}

// condList evaluates Fn::Or (or true) or Fn::And (or false): a known deciding operand
// decides even when others are unknown.
func (t *tmpl) condList(or bool, args []*yaml.Node) (value, known bool) {
	known = true
	for _, a := range args {
		v, k := t.condExpr(a)
		if k && v == or {
			return or, true
		}
		known = known && k
	}
	return !or, known
}
