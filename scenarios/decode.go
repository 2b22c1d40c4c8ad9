package scenarios

import (
	"encoding"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// FieldError is one problem with a scenario file, placed at a line and a field path.
type FieldError struct {
	File string
	Line int
	Path string // "clients[0].arrival.shape"; empty for the whole file
	Msg  string
	// Warning marks a problem that does not stop the scenario from running (Warnings).
	Warning bool
}

// Error formats the problem as "FILE:LINE: PATH: MSG", a warning as
// "FILE:LINE: warning: PATH: MSG".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Warning {
		b.WriteString("warning: ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one file, in line order.
type ErrorList []*FieldError

// Error lists the problems one per line.
func (es ErrorList) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns ErrInvalid, so that errors.Is(err, ErrInvalid) holds for every ErrorList.
func (es ErrorList) Unwrap() error { return ErrInvalid }

// Parse strictly decodes a scenario file: unknown fields, wrong types and malformed durations
// or rates are all reported, each with its line and field path. Parse does not validate
// values or apply defaults; Load does both.
func Parse(file string, data []byte) (*Scenario, error) {
	s := &Scenario{File: file, Source: data, lines: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, ErrorList{{File: file, Line: yamlErrLine(err), Msg: yamlErrMsg(err)}}
	}
	if len(doc.Content) == 0 {
		return nil, ErrorList{{File: file, Line: 1, Msg: "the file is empty"}}
	}
	d := &decoder{file: file, lines: s.lines}
	d.value(doc.Content[0], reflect.ValueOf(s).Elem(), "")
	if len(d.errs) > 0 {
		return s, d.errs
	}
	return s, nil
}

// yamlErrLine is the line of a YAML syntax error. yaml.v3 reports the 0-based line of its
// parser's errors ("did not find expected …"), one less than the line meant; its scanner's
// errors are right.
func yamlErrLine(err error) int {
	var n int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &n)
	}
	if strings.Contains(msg, ": did not find expected ") {
		n++
	}
	return n
}

// yamlErrMsg is a YAML syntax error without its "yaml: line N: " prefix.
func yamlErrMsg(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if _, m, ok := strings.Cut(rest, ": "); ok {
			return m
		}
	}
	return msg
}

type decoder struct {
	file  string
	lines map[string]int
	errs  ErrorList
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Line: n.Line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

// value decodes n into v, which is settable.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	d.lines[path] = n.Line // "" is the document's top-level mapping
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an explicit null leaves the zero value
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path)
		return
	}
	if v.Addr().Type().Implements(textUnmarshaler) || v.Type() == timeType {
		d.scalar(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.object(n, v, path)
	case reflect.Slice:
		d.list(n, v, path)
	case reflect.Map:
		d.dict(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

func (d *decoder) object(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of fields, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if seen[k.Value] {
			d.fail(k, p, "field given twice")
			continue
		}
		seen[k.Value] = true
		idx, ok := fields[k.Value]
		if !ok {
			d.lines[p] = k.Line
			d.fail(k, p, "unknown field%s", suggest(k.Value, fields))
			continue
		}
		d.value(val, v.Field(idx), p)
		d.lines[p] = k.Line
	}
}

func (d *decoder) list(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

func (d *decoder) dict(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := fmt.Sprintf("%s[%q]", path, k.Value)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(val, elem, p)
		d.lines[p] = k.Line
		m.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
	v.Set(m)
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a single value, got %s", describe(n))
		return
	}
	s := n.Value
	var err error
	switch {
	case v.Type() == timeType:
		var t time.Time
		t, err = time.Parse(time.RFC3339, s)
		if err == nil {
			v.Set(reflect.ValueOf(t))
		} else {
			err = fmt.Errorf("%q is not an RFC 3339 time (want e.g. 2026-01-05T00:00:00Z)", s)
		}
	case v.Addr().Type().Implements(textUnmarshaler):
		err = v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		var b bool
		if b, err = strconv.ParseBool(s); err == nil && n.Tag == "!!bool" {
			v.SetBool(b)
		} else {
			err = fmt.Errorf("%q is not true or false", s)
		}
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		var i int64
		if i, err = strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
			v.SetInt(i)
		} else {
			err = fmt.Errorf("%q is not a whole number", s)
		}
	case v.Kind() == reflect.Float64:
		var f float64
		if f, err = strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
			v.SetFloat(f)
		} else {
			err = fmt.Errorf("%q is not a number", s)
		}
	default:
		err = fmt.Errorf("cannot decode into %s", v.Type())
	}
	if err != nil {
		d.fail(n, path, "%s", err)
	}
}

// fieldsOf maps yaml names to field indexes.
func fieldsOf(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = i
	}
	return m
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// parentPath strips the last element of a field path: "a.b[2]" -> "a.b", "a.b" -> "a".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndex(p, "["); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[:i]
	}
	return ""
}

// Suggest is what an error about an unknown name adds: " (did you mean "X"?)" for the closest
// of known when one is close, else " (known: A, B, …)".
func Suggest(name string, known []string) string {
	fields := make(map[string]int, len(known))
	for i, k := range known {
		fields[k] = i
	}
	return suggest(name, fields)
}

// suggest names the closest known field, if one is close.
func suggest(name string, fields map[string]int) string {
	best, bestD := "", 3
	for f := range fields {
		if dd := editDistance(name, f); dd < bestD || (dd == bestD && f < best && best != "") {
			best, bestD = f, dd
		}
	}
	if best == "" {
		return " (known: " + strings.Join(slices.Sorted(maps.Keys(fields)), ", ") + ")"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// ErrInvalid is wrapped by every error Load returns for a file that decodes but does not
// validate, so callers can tell a bad scenario from an unreadable one.
var ErrInvalid = errors.New("invalid scenario")
