package scenarios

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/trace"
)

// TraceFields names the members of an apigw-json access log that hold a request's time, API
// key, method and path (extension), for logs whose format names them otherwise; an empty
// name keeps API Gateway's.
type TraceFields struct {
	Time   string `yaml:"time" json:"time,omitempty" jsonschema:"description=default requestTimeEpoch or requestTime"`
	Key    string `yaml:"key" json:"key,omitempty" jsonschema:"description=default apiKey or apiKeyId"`
	Method string `yaml:"method" json:"method,omitempty" jsonschema:"description=default httpMethod"`
	Path   string `yaml:"path" json:"path,omitempty" jsonschema:"description=default resourcePath, path or routeKey"`
}

// ReplayTrace is a replay arrival's trace as ApplyDefaults found it.
type ReplayTrace struct {
	// Source opens the trace: a file relative to the scenario file's directory, or for a
	// scenario of the embedded catalog, the catalog's copy. Its Name is the path a user can
	// find it at ("scenarios/traces/diurnal.jsonl.gz").
	Source trace.Source
	// Summary is what the trace holds (read once, cached by path, size and modification time).
	Summary trace.Summary
	// Err is why the trace cannot be replayed; Validate reports it.
	Err error
	// Embedded is true for a trace of the embedded catalog, which has no file on disk.
	Embedded bool
}

// Trace returns the arrival's trace once ApplyDefaults has resolved it; nil for other shapes.
func (a *Arrival) Trace() *ReplayTrace { return a.trace }

// TraceOptions are the options the arrival's trace is read with.
func (a *Arrival) TraceOptions() trace.Options {
	o := trace.Options{Format: a.Format, APIKey: a.APIKey}
	if a.Fields != nil {
		o.Fields = trace.Fields{Time: a.Fields.Time, Key: a.Fields.Key, Method: a.Fields.Method, Path: a.Fields.Path}
	}
	return o
}

// SpeedOr1 is the replay's speed, 1 when left out.
func (a *Arrival) SpeedOr1() float64 {
	if a.Speed == nil {
		return 1
	}
	return *a.Speed
}

// resolveTraces finds and reads each replay client's trace (once), then defaults duration to
// the longest replay's span and start to the first replayed trace's first instant, so that
// usage-plan quota periods fall on the trace's own days.
func (s *Scenario) resolveTraces() {
	var span time.Duration
	var origin *time.Time
	for i := range s.Clients {
		a := &s.Clients[i].Arrival
		if a.Shape != "replay" || a.File == "" || trace.CheckFormat(a.Format) != nil ||
			(a.Fields != nil && a.Format != trace.FormatAPIGWJSON) {
			continue // Validate says what is wrong
		}
		if a.trace == nil {
			a.trace = s.openTrace(a)
		}
		if a.trace.Err != nil {
			continue
		}
		span = max(span, a.trace.Summary.Span(a.SpeedOr1()))
		if origin == nil {
			t := time.Unix(0, a.trace.Summary.Origin).UTC()
			origin = &t
		}
	}
	if span > 0 && s.unset("duration", s.Duration == 0) {
		s.Duration = Duration(span)
	}
	if origin != nil && s.Start == nil {
		s.Start = origin
	}
}

// openTrace resolves a replay's file and scans it: relative to the scenario file's directory
// (or absolute); a relative path that is not there but names one of the embedded catalog's
// traces ("traces/diurnal.jsonl.gz") is the catalog's, so that a catalog scenario and its
// copies (a run directory's scenario.yaml, recommend's recommended.yaml) run anywhere.
func (s *Scenario) openTrace(a *Arrival) *ReplayTrace {
	rt := &ReplayTrace{}
	name := a.File
	if !filepath.IsAbs(name) {
		name = filepath.Join(filepath.Dir(s.File), name)
	}
	st, err := os.Stat(name)
	if err != nil && !filepath.IsAbs(a.File) {
		if embedded := path.Clean(filepath.ToSlash(a.File)); strings.HasPrefix(embedded, "traces/") && fs.ValidPath(embedded) {
			if _, cerr := fs.Stat(catalogFS, embedded); cerr == nil {
				rt.Embedded = true
				rt.Source = trace.Source{Name: "scenarios/" + embedded, ID: "catalog:" + embedded,
					Open: func() (io.ReadCloser, error) { return catalogFS.Open(embedded) }}
				rt.Summary, rt.Err = trace.Scan(rt.Source, a.TraceOptions())
				return rt
			}
		}
	}
	rt.Source = trace.Source{Name: name, Open: func() (io.ReadCloser, error) { return os.Open(name) }}
	if err != nil {
		rt.Err = fmt.Errorf("read trace: %w", err)
		return rt
	}
	if abs, err := filepath.Abs(name); err == nil {
		rt.Source.ID = fmt.Sprintf("%s %d %s", abs, st.Size(), st.ModTime().Format(time.RFC3339Nano))
	}
	rt.Summary, rt.Err = trace.Scan(rt.Source, a.TraceOptions())
	return rt
}

// validateReplay checks a replay arrival's own fields and reports its trace's problems.
func (v *validator) validateReplay(p string, a *Arrival) {
	if a.Format != "" {
		v.oneOf(p+".format", "format", a.Format, trace.Formats)
	}
	if a.Speed != nil && !(*a.Speed > 0 && *a.Speed < 1e6) {
		v.errf(p+".speed", "must be a positive number below 1000000, got %g", *a.Speed)
	}
	if a.Fields != nil && a.Format != trace.FormatAPIGWJSON {
		v.errf(p+".fields", "fields applies to format %s only; set format: %s", trace.FormatAPIGWJSON, trace.FormatAPIGWJSON)
	}
	if a.trace != nil && a.trace.Err != nil {
		v.errf(p+".file", "%v", a.trace.Err)
	}
}

// replays reports whether a client replays a trace.
func (s *Scenario) replays() bool {
	for _, c := range s.Clients {
		if c.Arrival.Shape == "replay" {
			return true
		}
	}
	return false
}

// TraceFileFor returns what arrival.file must say in a copy of the scenario written into dir
// (a run directory's scenario.yaml, recommend's recommended.yaml): the trace's path relative
// to dir. A trace of the embedded catalog, or one that was not found, keeps its file.
func (a *Arrival) TraceFileFor(dir string) (string, error) {
	t := a.trace
	if t == nil || t.Err != nil || t.Embedded {
		return a.File, nil
	}
	abs, err := filepath.Abs(t.Source.Name)
	if err != nil {
		return "", err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, abs)
	if err != nil {
		return abs, nil
	}
	return filepath.ToSlash(rel), nil
}

// SourceFor returns the scenario file's bytes for a copy written into dir: Source, with the
// file of each trace replayed from disk pointed at from dir (TraceFileFor), so that the copy
// loads there (throttlelab report re-renders a run from its copy). Without such a trace it
// is Source itself.
func (s *Scenario) SourceFor(dir string) ([]byte, error) {
	var doc yaml.Node
	for i := range s.Clients {
		a := &s.Clients[i].Arrival
		if a.Shape != "replay" {
			continue
		}
		file, err := a.TraceFileFor(dir)
		if err != nil {
			return nil, err
		}
		if file == a.File {
			continue
		}
		if doc.Kind == 0 {
			if err := yaml.Unmarshal(s.Source, &doc); err != nil || doc.Kind != yaml.DocumentNode {
				return nil, fmt.Errorf("copy %s: %v", s.File, err)
			}
		}
		if n := yamlPath(doc.Content[0], "clients", i, "arrival", "file"); n != nil {
			n.Value, n.Style = file, 0
		}
	}
	if doc.Kind == 0 {
		return s.Source, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("copy %s: %w", s.File, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("copy %s: %w", s.File, err)
	}
	return b.Bytes(), nil
}

// yamlPath follows mapping keys (string) and sequence indexes (int) from n; nil when a step
// is missing.
func yamlPath(n *yaml.Node, steps ...any) *yaml.Node {
	for _, st := range steps {
		var next *yaml.Node
		switch st := st.(type) {
		case string:
			for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == st {
					next = n.Content[i+1]
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && st < len(n.Content) {
				next = n.Content[st]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}
