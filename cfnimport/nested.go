package cfnimport

import (
	"os"
	"slices"

	"gopkg.in/yaml.v3"
)

// nestedStack follows an AWS::CloudFormation::Stack (TemplateURL) or an
// AWS::Serverless::Application (Location) whose template is a local file, as `sam build` and
// `aws cloudformation package` read it: relative to the template's directory. Its resources
// are read as the template's own, their logical ids qualified with the stack's ("Api/Plan"),
// and the values of its Parameters are those the stack passes down, resolved in the parent.
// A template in S3 or on the web, or from the Serverless Application Repository, is listed
// among what is not mapped.
func (b *builder) nestedStack(r *resource) {
	t := b.t
	key := "TemplateURL"
	if r.typ == "AWS::Serverless::Application" {
		key = "Location"
	}
	loc := t.prop(r.props, key)
	if app := t.prop(loc, "ApplicationId"); app != nil {
		b.note(r, "nested application %s (version %s) from the Serverless Application Repository is not followed: import its template separately",
			t.describe(app), t.describe(t.prop(loc, "SemanticVersion")))
		return
	}
	s, ok := t.str(loc)
	switch {
	case isRemote(t.flat(loc)):
		b.note(r, "nested stack %s is remote: not followed (import its template separately, or point %s at a local copy)", t.flat(loc), key)
		return
	case !ok:
		b.note(r, "%s %s cannot be resolved: the nested stack is not followed%s", key, t.describe(loc), t.paramHint(loc))
		return
	}
	b.followStack(r, t.localFile(s))
}

// followStack reads the nested stack r's template at path and collects its resources.
func (b *builder) followStack(r *resource, path string) {
	ld := b.t.ld
	abs := absPath(path)
	switch {
	case slices.Contains(ld.chain, abs):
		b.note(r, "nested template %s includes itself: not followed again", ld.relName(path))
		return
	case len(ld.chain) > maxNesting:
		b.note(r, "nested template %s is more than %d stacks deep: not followed", ld.relName(path), maxNesting)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.note(r, "nested template %s cannot be read: %v", ld.relName(path), err)
		return
	}
	child, err := parse(ld, path, data, ld.relName(path), r.qid+"/")
	if err != nil {
		b.note(r, "nested template %s: %v", ld.relName(path), err)
		return
	}
	b.passParams(r, child)
	b.read = append(b.read, ld.relName(path)+" (nested stack "+r.qid+")")
	ld.chain = append(ld.chain, abs)
	defer func() { ld.chain = ld.chain[:len(ld.chain)-1] }()
	b.collectTemplate(child)
}

// passParams gives the child template the parameter values stack r passes it: a value the
// parent resolves becomes the child's (keeping where it came from); one it cannot (another
// stack's output, a pseudo parameter) stays unresolved in the child, without its Default.
func (b *builder) passParams(r *resource, child *tmpl) {
	t := b.t
	for _, p := range pairs(t.prop(r.props, "Parameters")) {
		name := p.key.Value
		if get(child.params, name) == nil {
			b.note(r, "parameter %s passed to the nested stack is not one of its parameters", name)
			continue
		}
		n := t.val(p.val)
		if s, ok := t.str(n); ok {
			child.values[name] = t.ld.synthetic(s, firstOf(t.where(n), t.where(p.val)))
			continue
		}
		child.values[name] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!Parent", Value: t.describe(p.val)}
	}
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// definition returns an API's OpenAPI definition: the inline property inline (or the local
// file an Fn::Transform AWS::Include in it names), else the local file the property file
// names (SAM's DefinitionUri). A definition in S3 is noted and not read.
func (b *builder) definition(r *resource, inline, file string) *yaml.Node {
	t := b.t
	if n := t.prop(r.props, inline); n != nil {
		if fn, arg, ok := intrinsic(n); ok && fn == "Fn::Transform" {
			return b.include(r, inline, arg)
		}
		return n
	}
	n := t.prop(r.props, file)
	if n == nil {
		return nil
	}
	if s, ok := t.str(n); ok && !isRemote(s) {
		return b.readDefinition(r, file, s)
	}
	b.note(r, "%s %s is not read (it is in S3): routes, API key requirements and integrations come from the rest of the template",
		file, t.describe(n))
	return nil
}

// include reads the file of an Fn::Transform AWS::Include.
func (b *builder) include(r *resource, prop string, arg *yaml.Node) *yaml.Node {
	t := b.t
	if name, _ := t.str(t.prop(arg, "Name")); name != "AWS::Include" {
		b.note(r, "%s: transform %s is not applied", prop, t.describe(t.prop(arg, "Name")))
		return nil
	}
	loc := t.prop(t.prop(arg, "Parameters"), "Location")
	s, ok := t.str(loc)
	if !ok || isRemote(s) {
		b.note(r, "%s: AWS::Include of %s is not read (only a local file is): routes, API key requirements and integrations come from the rest of the template",
			prop, t.describe(loc))
		return nil
	}
	return b.readDefinition(r, prop, s)
}

// readDefinition reads a local definition file named in property prop.
func (b *builder) readDefinition(r *resource, prop, loc string) *yaml.Node {
	path := b.t.localFile(loc)
	n, err := b.t.ld.readYAML(path)
	if err != nil {
		b.note(r, "%s: %s cannot be read: %v", prop, b.t.ld.relName(path), err)
		return nil
	}
	b.read = append(b.read, b.t.ld.relName(path)+" ("+prop+" of "+r.qid+")")
	return n
}

// paramHint says how a Ref to a parameter without a value could get one; "" for anything
// else.
func (t *tmpl) paramHint(n *yaml.Node) string {
	fn, arg, ok := intrinsic(n)
	if !ok || fn != "Ref" || get(t.params, arg.Value) == nil || t.param(arg.Value) != nil {
		return ""
	}
	if t.rel == "" {
		return " (give it with --param " + arg.Value + "=VALUE)"
	}
	return " (its nested stack passes parameter " + arg.Value + " no value)"
}
