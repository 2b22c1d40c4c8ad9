package cfnimport

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// loader reads the files of one import: the template, the nested stacks' templates, the
// AWS::Include files and the state machine definitions it names. It remembers where every
// node came from, so that a scenario value can name the template property it was read from
// (the scenario's source.fields).
type loader struct {
	rootDir string                // the directory of the template given to import
	index   map[*yaml.Node]string // node -> "[file#]LogicalId.Properties.A.B[0].C"
	chain   []string              // absolute paths of the templates being read, outermost first
}

// maxNesting bounds how deep nested stacks are followed.
const maxNesting = 8

func newLoader(file string) *loader {
	return &loader{rootDir: filepath.Dir(file), index: map[*yaml.Node]string{}}
}

// relName is how a file other than the template is named in property paths: its path
// relative to the template's directory, with slashes.
func (ld *loader) relName(path string) string {
	if rel, err := filepath.Rel(ld.rootDir, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// readYAML reads and parses a YAML or JSON file that is not a template (an AWS::Include file,
// a state machine definition), indexing its nodes as "file#A.B[0]".
func (ld *loader) readYAML(path string) (*yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	root, err := parseDoc(path, data)
	if err != nil {
		return nil, err
	}
	ld.indexFile(root, ld.relName(path))
	return root, nil
}

// parseDoc parses YAML or JSON data read from file.
func parseDoc(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, parseError(file, err)
	}
	if root := deref(&doc); root != nil {
		return root, nil
	}
	return nil, &Error{File: file, Msg: "the file is empty"}
}

// indexTemplate records the property path of every node of a template: a resource's
// properties are "Id.Properties...", every other section keeps its name ("Parameters.X.Default",
// "Mappings.M.K.K2", "Globals.Function.Timeout").
func (ld *loader) indexTemplate(root *yaml.Node, rel string) {
	prefix := ""
	if rel != "" {
		prefix = rel + "#"
	}
	for _, p := range pairs(root) {
		if p.key.Value == "Resources" {
			for _, r := range pairs(p.val) {
				ld.walk(r.val, prefix+r.key.Value)
			}
			continue
		}
		ld.walk(p.val, prefix+p.key.Value)
	}
}

// indexFile records the paths of a file that is not a template (an AWS::Include file, a state
// machine definition): "file#A.B[0]".
func (ld *loader) indexFile(root *yaml.Node, prefix string) {
	for _, p := range pairs(root) {
		ld.walk(p.val, prefix+"#"+strings.TrimPrefix(keyPath("", p.key.Value), "."))
	}
}

// walk indexes n and everything under it at path.
func (ld *loader) walk(n *yaml.Node, path string) {
	if n == nil || n.Kind == yaml.AliasNode {
		return
	}
	if _, seen := ld.index[n]; !seen {
		ld.index[n] = path
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			ld.walk(n.Content[i+1], keyPath(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			ld.walk(c, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// plainKey matches a mapping key that a property path writes after a dot.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_:-]+$`)

// keyPath appends a mapping key to a property path: path.Key, or path["/orders/POST"] for a
// key with other characters (as sweep --set writes map keys).
func keyPath(path, key string) string {
	if plainKey.MatchString(key) {
		return path + "." + key
	}
	return fmt.Sprintf("%s[%q]", path, key)
}

// where returns the property path of a node, or "" when it has none (a value computed from
// several, such as an Fn::Sub).
func (t *tmpl) where(n *yaml.Node) string {
	if n = deref(n); n == nil {
		return ""
	}
	return t.ld.index[n]
}

// synthetic returns a scalar node standing for value, indexed at path.
func (ld *loader) synthetic(value, path string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	if path != "" {
		ld.index[n] = path
	}
	return n
}

// isRemote reports whether a location is a URL rather than a local file.
func isRemote(loc string) bool {
	for _, p := range []string{"https://", "http://", "s3://"} {
		if strings.HasPrefix(strings.ToLower(loc), p) {
			return true
		}
	}
	return false
}

// localFile resolves a location written in template t (relative to its directory).
func (t *tmpl) localFile(loc string) string {
	if filepath.IsAbs(loc) {
		return loc
	}
	return filepath.Join(filepath.Dir(t.file), filepath.FromSlash(loc))
}

// fields is where the scenario's values came from: a scenario field path relative to some
// section ("throttle.rate") -> a property path.
type fields map[string]string

// set records that the field at path came from node n of t, when n has a path.
func (f fields) set(t *tmpl, path string, n *yaml.Node) {
	if w := t.where(n); w != "" {
		f[path] = w
	}
}

// under copies f into dst with prefix before each field path.
func (f fields) under(dst map[string]string, prefix string) {
	for k, v := range f {
		dst[prefix+k] = v
	}
}
