package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sweep"
)

// applySets returns base with every `run --set PATH=VALUE` applied, in order, by sweep's
// setter (the path syntax of `sweep --set`), then validated again, and notes for the run's
// summary. A burst that a shorter --set duration leaves after the end of the load is no
// error: the run has no burst, and a note says so. The scenario's Source is base's file with
// the values edited in and a comment naming the --set flags, so that the run directory's
// scenario.yaml runs the same scenario again. Without specs it returns base.
func applySets(fs *flag.FlagSet, base *scenarios.Scenario, specs []string) (*scenarios.Scenario, []string, error) {
	if len(specs) == 0 {
		return base, nil, nil
	}
	var as []sweep.Assignment
	for _, spec := range specs {
		a, err := sweep.ParseAxis(spec)
		if err != nil {
			return nil, nil, cmdUsageErr(fs, "run: %v", err)
		}
		if len(a.Values) != 1 {
			return nil, nil, cmdUsageErr(fs, "run: --set %s: want one value, PATH=VALUE (ranges and lists are for sweep)", spec)
		}
		as = append(as, sweep.Assignment{Path: a.Path, Kind: a.Kind, Value: a.Values[0]})
	}
	sc, err := sweep.Prepare(base, as)
	var notes []string
	if errors.Is(err, sweep.ErrInvalid) {
		var rest []string
		if notes, rest = cutShort(sc, as); len(rest) > 0 {
			return nil, nil, &exitError{code: exitFailure, err: fmt.Errorf("run: the scenario with --set %s is invalid:\n%s",
				strings.Join(specs, " --set "), strings.Join(rest, "\n"))}
		}
	} else if err != nil {
		return nil, nil, cmdUsageErr(fs, "run: --set: %v", err)
	}
	sc.Source = recordSets(base, sc, as, specs)
	return sc, notes, nil
}

// cutShort sorts the validation problems of sc into the bursts a --set duration cut off (as
// notes) and the rest (as messages).
func cutShort(sc *scenarios.Scenario, as []sweep.Assignment) (notes, rest []string) {
	shortened := false
	for _, a := range as {
		shortened = shortened || a.Path == "duration"
	}
	for _, e := range sc.Validate() {
		var fe *scenarios.FieldError
		if errors.As(e, &fe) && shortened && burstAfterEnd(sc, fe.Path) {
			notes = append(notes, fmt.Sprintf("%s: the burst at %s starts after the load ends (--set duration=%s): this run has no burst",
				fe.Path, scenarios.ShortDuration(burstAt(sc, fe.Path)), scenarios.ShortDuration(sc.Duration.D())))
			continue
		}
		rest = append(rest, e.Error())
	}
	return notes, rest
}

// burstAfterEnd reports whether path is "clients[I].arrival.at" of a burst at or after the
// end of the load.
func burstAfterEnd(sc *scenarios.Scenario, path string) bool {
	return burstAt(sc, path) >= sc.Duration.D()
}

// burstAt is the start of the burst at path ("clients[I].arrival.at"), or -1.
func burstAt(sc *scenarios.Scenario, path string) time.Duration {
	for i, c := range sc.Clients {
		if path == fmt.Sprintf("clients[%d].arrival.at", i) && c.Arrival.At != nil {
			return c.Arrival.At.D()
		}
	}
	return -1
}

// recordSets returns the source of the scenario sc: base's source with the assignments
// edited into its YAML (comments and layout kept), headed by a comment naming the --set
// flags. It checks that the edited file decodes to sc; when it does not (the file alone
// would not validate, as with a burst cut off), it returns base's source, headed by a
// comment saying how to run it again.
func recordSets(base, sc *scenarios.Scenario, as []sweep.Assignment, specs []string) []byte {
	flags := "--set " + strings.Join(specs, " --set ")
	edited, err := editYAML(base.Source, as)
	if err == nil {
		err = sameScenario(base.File, edited, sc)
	}
	if err != nil {
		head := fmt.Sprintf("# run with %s; the values below are the file's, without them (%s).\n"+
			"# To run it again: throttlelab run scenario.yaml %s\n", flags, oneLine(err), flags)
		return append([]byte(head), base.Source...)
	}
	return append([]byte("# run with "+flags+": the values below include them\n"), edited...)
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// sameScenario reports whether src decodes and validates to the same scenario as sc.
func sameScenario(file string, src []byte, sc *scenarios.Scenario) error {
	got, err := scenarios.LoadBytes(file, src)
	if err != nil {
		return fmt.Errorf("the edited file does not load: %w", err)
	}
	a, errA := json.Marshal(got)
	b, errB := json.Marshal(sc)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		return errors.New("the edited file differs from the scenario run")
	}
	return nil
}

// editYAML sets each assignment's path in the YAML document src to its value, creating the
// mappings on the way that the file leaves out, and returns the document re-encoded.
func editYAML(src []byte, as []sweep.Assignment) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("not a YAML document")
	}
	for _, a := range as {
		steps, err := pathSteps(a.Path)
		if err != nil {
			return nil, err
		}
		if err := setNode(doc.Content[0], steps, sweep.Label(a.Kind, a.Value)); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Path, err)
		}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// pathStep is one step of a field path: a mapping key (a field name, or a map key in
// brackets) or a list index.
type pathStep struct {
	key   string
	index int // -1 for a key
}

// pathSteps splits a path in sweep's syntax ("clients[0].arrival.rate",
// `gateway.methods["POST /orders"].rate`) into steps. The path has already been checked by
// sweep.KindOf.
func pathSteps(path string) ([]pathStep, error) {
	var steps []pathStep
	for len(path) > 0 {
		switch {
		case strings.HasPrefix(path, `["`):
			end := strings.Index(path, `"]`)
			if end < 0 {
				return nil, fmt.Errorf("unclosed quote in %q", path)
			}
			steps = append(steps, pathStep{key: path[2:end], index: -1})
			path = path[end+2:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed bracket in %q", path)
			}
			st := pathStep{key: path[1:end], index: -1}
			if n, err := strconv.Atoi(st.key); err == nil {
				st.index = n
			}
			steps = append(steps, st)
			path = path[end+1:]
		case path[0] == '.':
			path = path[1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			steps = append(steps, pathStep{key: path[:end], index: -1})
			path = path[end:]
		}
	}
	return steps, nil
}

// setNode walks steps from n and sets the scalar at their end to value.
func setNode(n *yaml.Node, steps []pathStep, value string) error {
	for i, st := range steps {
		if n.Kind == yaml.SequenceNode && st.index >= 0 {
			if st.index >= len(n.Content) {
				return fmt.Errorf("the list has %d entries", len(n.Content))
			}
			n = n.Content[st.index]
			continue
		}
		if isNull(n) {
			*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("%q is not inside a mapping", st.key)
		}
		n = mappingValue(n, st.key, i == len(steps)-1)
	}
	if n.Kind != yaml.ScalarNode {
		return errors.New("not a scalar")
	}
	*n = yaml.Node{Kind: yaml.ScalarNode, Value: value, LineComment: n.LineComment, HeadComment: n.HeadComment}
	return nil
}

// mappingValue returns the value of key in the mapping m, adding the key (with a null value,
// or an empty scalar when it is the last step) when m lacks it.
func mappingValue(m *yaml.Node, key string, last bool) *yaml.Node {
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j+1]
		}
	}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	if last {
		v = &yaml.Node{Kind: yaml.ScalarNode}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	return v
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || (n.Tag == "" && (n.Value == "" || n.Value == "~" || n.Value == "null")))
}
