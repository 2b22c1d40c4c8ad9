package scenarios

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

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

// openTrace resolves a replay's file and scans it.
func (s *Scenario) openTrace(a *Arrival) *ReplayTrace {
	rt := &ReplayTrace{}
	if s.inCatalog() {
		name := path.Clean(a.File)
		rt.Embedded = true
		rt.Source = trace.Source{Name: "scenarios/" + name, ID: "catalog:" + name,
			Open: func() (io.ReadCloser, error) { return catalogFS.Open(name) }}
	} else {
		name := a.File
		if !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(s.File), name)
		}
		rt.Source = trace.Source{Name: name, Open: func() (io.ReadCloser, error) { return os.Open(name) }}
		st, err := os.Stat(name)
		if err != nil {
			rt.Err = fmt.Errorf("read trace: %w", err)
			return rt
		}
		if abs, err := filepath.Abs(name); err == nil {
			rt.Source.ID = fmt.Sprintf("%s %d %s", abs, st.Size(), st.ModTime().Format(time.RFC3339Nano))
		}
	}
	rt.Summary, rt.Err = trace.Scan(rt.Source, a.TraceOptions())
	return rt
}

// inCatalog reports whether the scenario's bytes are those of a scenario of the embedded
// catalog (loaded from it, or a copy of it such as a run directory's scenario.yaml): its
// traces are then the catalog's.
func (s *Scenario) inCatalog() bool {
	if len(s.Source) == 0 {
		return false
	}
	data, err := catalogFS.ReadFile(s.Name + ".yaml")
	return err == nil && bytes.Equal(data, s.Source)
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
// (recommend's recommended.yaml): the trace's path relative to dir. A trace of the embedded
// catalog is first copied into dir under its base name, so that the copy runs anywhere. An
// arrival whose trace was not found keeps its file.
func (a *Arrival) TraceFileFor(dir string) (string, error) {
	t := a.trace
	if t == nil || t.Err != nil {
		return a.File, nil
	}
	if !t.Embedded {
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
	base := path.Base(a.File)
	src, err := t.Source.Open()
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join(dir, base))
	if err != nil {
		return "", fmt.Errorf("copy the catalog's %s: %w", a.File, err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return "", fmt.Errorf("copy the catalog's %s: %w", a.File, err)
	}
	return base, dst.Close()
}
