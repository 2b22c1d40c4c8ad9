package cfnimport

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// render writes the scenario as YAML: the header and the "not mapped" lines, then the fields
// in the contract's order, each preceded by the comments recorded for it.
func render(sc *scenarios.Scenario, b *builder, file string) ([]byte, error) {
	var buf bytes.Buffer
	writeHeader(&buf, sc.Name, file, b.read, b.notes)
	w := &writer{comments: b.comments}
	root := &yaml.Node{Kind: yaml.MappingNode}
	w.add(root, "", "name", str(sc.Name))
	desc := str(sc.Description)
	desc.Style = yaml.FoldedStyle
	w.add(root, "", "description", desc)
	w.add(root, "", "mode", plain(sc.Mode))
	w.add(root, "", "duration", plain(fmtDur(sc.Duration)))
	w.add(root, "", "clients", seqOf(w, "clients", sc.Clients, clientNode))
	if sc.Gateway != nil {
		w.add(root, "", "gateway", w.gateway(sc.Gateway))
	}
	if len(sc.Queues) > 0 {
		w.add(root, "", "queues", seqOf(w, "queues", sc.Queues, queueNode))
	}
	if sc.Consumer != nil {
		w.add(root, "", "consumer", consumerNode(w, sc.Consumer))
	}
	if d := sc.Downstream; d != nil && d.Latency != nil {
		lat := flow("dist", plain(d.Latency.Dist), "median", plain(fmtDur(*d.Latency.Median)), "p99", plain(fmtDur(*d.Latency.P99)))
		w.add(root, "", "downstream", w.mapping("downstream", "latency", lat))
	}
	if len(sc.Alarms) > 0 {
		w.add(root, "", "alarms", seqOf(w, "alarms", sc.Alarms, alarmNode))
	}
	if o := sc.Origin; o != nil {
		w.add(root, "", "source", sourceNode(o))
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}

// writeHeader writes the comment lines that open the file: where it came from, the other
// files read, and what is not mapped.
func writeHeader(buf *bytes.Buffer, name, file string, read, notes []string) {
	lines := []string{
		"Imported by `throttlelab import` from " + filepath.Base(file) + ": the limits come from the template; " +
			"the offered load and the downstream API are placeholders. Review before use.",
		"Save it as " + name + ".yaml: a scenario's name must match its file name.",
	}
	if len(read) > 0 {
		lines = append(lines, "Also read: "+strings.Join(read, "; ")+".")
	}
	if len(notes) > 0 {
		lines = append(lines, "")
	}
	for _, n := range notes {
		lines = append(lines, "not mapped: "+n)
	}
	for _, l := range lines {
		if l == "" {
			buf.WriteString("#\n")
			continue
		}
		for _, wl := range wrap(l, 98) {
			buf.WriteString("# " + wl + "\n")
		}
	}
}

// wrap splits s into lines of at most width bytes at spaces; continuation lines are indented.
func wrap(s string, width int) []string {
	var lines []string
	for len(s) > width {
		i := strings.LastIndex(s[:width], " ")
		if i <= 2 {
			break
		}
		lines = append(lines, s[:i])
		s = "  " + strings.TrimLeft(s[i:], " ")
	}
	return append(lines, s)
}

// writer builds nodes, attaching the comments recorded for each field path.
type writer struct {
	comments map[string][]string
}

// headComment renders the comments of path for a HeadComment.
func (w *writer) headComment(path string) string {
	var out []string
	for _, c := range w.comments[path] {
		for _, l := range wrap(c, 96) {
			out = append(out, "# "+l)
		}
	}
	return strings.Join(out, "\n")
}

// add appends key: val to the mapping m at path.
func (w *writer) add(m *yaml.Node, path, key string, val *yaml.Node) {
	p := key
	if path != "" {
		p = path + "." + key
	}
	k := str(key)
	k.Tag = ""
	k.HeadComment = w.headComment(p)
	m.Content = append(m.Content, k, val)
}

// mapping builds a block mapping at path from key, value pairs.
func (w *writer) mapping(path string, kvs ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kvs); i += 2 {
		w.add(m, path, kvs[i].(string), kvs[i+1].(*yaml.Node))
	}
	return m
}

// seqOf builds a sequence at path, each item commented with its path's comments.
func seqOf[T any](w *writer, path string, xs []T, node func(*writer, string, T) *yaml.Node) *yaml.Node {
	s := &yaml.Node{Kind: yaml.SequenceNode}
	for i, x := range xs {
		p := fmt.Sprintf("%s[%d]", path, i)
		n := node(w, p, x)
		n.HeadComment = w.headComment(p)
		s.Content = append(s.Content, n)
	}
	return s
}

// clientNode builds one client.
func clientNode(w *writer, p string, c scenarios.Client) *yaml.Node {
	m := w.mapping(p, "name", str(c.Name))
	if c.APIKey != "" {
		w.add(m, p, "api_key", str(c.APIKey))
	}
	w.add(m, p, "method", plain(c.Method))
	w.add(m, p, "path", str(c.Path))
	w.add(m, p, "arrival", flow("shape", plain(c.Arrival.Shape), "rate", plain(fmtRate(*c.Arrival.Rate))))
	return m
}

// gateway builds the gateway section.
func (w *writer) gateway(g *scenarios.Gateway) *yaml.Node {
	const p = "gateway"
	m := &yaml.Node{Kind: yaml.MappingNode}
	if g.Type != "" && g.Type != "rest" {
		w.add(m, p, "type", plain(g.Type))
	}
	if g.Stage != nil {
		w.add(m, p, "stage", bucketNode(*g.Stage))
	}
	if len(g.Methods) > 0 {
		w.add(m, p, "methods", w.methods(p+".methods", g.Methods))
	}
	if g.APIKeyRequired {
		w.add(m, p, "api_key_required", plain("true"))
	}
	if len(g.APIKeyMethods) > 0 {
		km := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.Sorted(maps.Keys(g.APIKeyMethods)) {
			key := str(k)
			key.Style = yaml.DoubleQuotedStyle
			km.Content = append(km.Content, key, plain(strconv.FormatBool(g.APIKeyMethods[k])))
		}
		w.add(m, p, "api_key_methods", km)
	}
	if len(g.UsagePlans) > 0 {
		w.add(m, p, "usage_plans", seqOf(w, p+".usage_plans", g.UsagePlans, planNode))
	}
	w.add(m, p, "integration", plain(g.Integration))
	if g.Queue != "" {
		w.add(m, p, "queue", str(g.Queue))
	}
	return m
}

// methods builds a map of method throttles, keys sorted.
func (w *writer) methods(path string, ms map[string]scenarios.Bucket) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range slices.Sorted(maps.Keys(ms)) {
		key := str(k)
		key.Style = yaml.DoubleQuotedStyle
		key.HeadComment = w.headComment(path + "." + k)
		m.Content = append(m.Content, key, bucketNode(ms[k]))
	}
	return m
}

// planNode builds one usage plan.
func planNode(w *writer, p string, u scenarios.UsagePlan) *yaml.Node {
	keys := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, k := range u.Keys {
		keys.Content = append(keys.Content, str(k))
	}
	m := w.mapping(p, "name", str(u.Name), "keys", keys)
	if u.Throttle != nil {
		w.add(m, p, "throttle", bucketNode(*u.Throttle))
	}
	if q := u.Quota; q != nil {
		qn := flow("limit", plain(strconv.FormatInt(q.Limit, 10)), "period", plain(q.Period))
		if q.Offset != 0 {
			qn.Content = append(qn.Content, str("offset"), plain(strconv.Itoa(q.Offset)))
		}
		w.add(m, p, "quota", qn)
	}
	if len(u.Methods) > 0 {
		w.add(m, p, "methods", w.methods(p+".methods", u.Methods))
	}
	return m
}

// queueNode builds one queue as a flow mapping.
func queueNode(_ *writer, _ string, q scenarios.Queue) *yaml.Node {
	m := flow("name", str(q.Name))
	addFlow := func(k, v string) { m.Content = append(m.Content, str(k), plain(v)) }
	if q.VisibilityTimeout != nil {
		addFlow("visibility_timeout", fmtDur(*q.VisibilityTimeout))
	}
	if q.MaxReceiveCount > 0 {
		addFlow("max_receive_count", strconv.Itoa(q.MaxReceiveCount))
	}
	if q.FIFO {
		addFlow("fifo", "true")
	}
	if q.ContentDedup {
		addFlow("content_dedup", "true")
	}
	if q.Delay > 0 {
		addFlow("delay", fmtDur(q.Delay))
	}
	if q.Retention != nil {
		addFlow("retention", fmtDur(*q.Retention))
	}
	return m
}

// consumerNode builds the consumer section.
func consumerNode(w *writer, c *scenarios.Consumer) *yaml.Node {
	const p = "consumer"
	m := w.mapping(p, "pattern", plain(c.Pattern))
	if c.Concurrency > 0 {
		w.add(m, p, "concurrency", plain(strconv.Itoa(c.Concurrency)))
	}
	if c.BatchSize > 0 {
		w.add(m, p, "batch_size", plain(strconv.Itoa(c.BatchSize)))
	}
	if c.Schedule != nil {
		w.add(m, p, "schedule", plain(fmtDur(*c.Schedule)))
	}
	if c.Pace != nil {
		w.add(m, p, "pace", plain(fmtRate(*c.Pace)))
	}
	if c.Timeout != nil {
		w.add(m, p, "timeout", plain(fmtDur(*c.Timeout)))
	}
	if c.MemoryMB > 0 {
		w.add(m, p, "memory_mb", plain(strconv.Itoa(c.MemoryMB)))
	}
	if tt := c.TaskToken; tt != nil {
		n := flow("timeout", plain(fmtDur(tt.Timeout)))
		if tt.Heartbeat > 0 {
			n.Content = append(n.Content, str("heartbeat"), plain(fmtDur(tt.Heartbeat)))
		}
		w.add(m, p, "task_token", n)
	}
	return m
}

// sourceNode is the source section: the template, the --param values and where each field
// came from, keys sorted.
func sourceNode(o *scenarios.Origin) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) {
		kn := str(k)
		kn.Tag = ""
		m.Content = append(m.Content, kn, v)
	}
	add("template", str(o.Template))
	if len(o.Params) > 0 {
		ps := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, k := range slices.Sorted(maps.Keys(o.Params)) {
			ps.Content = append(ps.Content, str(k), str(o.Params[k]))
		}
		add("params", ps)
	}
	if len(o.Fields) > 0 {
		fs := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.Sorted(maps.Keys(o.Fields)) {
			fs.Content = append(fs.Content, str(k), str(o.Fields[k]))
		}
		add("fields", fs)
	}
	return m
}

// alarmNode builds one alarm.
func alarmNode(w *writer, p string, a scenarios.Alarm) *yaml.Node {
	return w.mapping(p, "name", str(a.Name), "metric", str(a.Metric), "stat", plain(a.Stat),
		"period", plain(fmtDur(a.Period)), "evaluation_periods", plain(strconv.Itoa(a.EvaluationPeriods)),
		"comparison", str(a.Comparison), "threshold", plain(fmtNum(a.Threshold)))
}

// bucketNode is {rate: N, burst: M}.
func bucketNode(b scenarios.Bucket) *yaml.Node {
	return flow("rate", plain(fmtNum(float64(b.Rate))), "burst", plain(strconv.Itoa(b.Burst)))
}

// flow builds a flow mapping from key, value pairs.
func flow(kvs ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for i := 0; i+1 < len(kvs); i += 2 {
		k := str(kvs[i].(string))
		k.Tag = ""
		m.Content = append(m.Content, k, kvs[i+1].(*yaml.Node))
	}
	return m
}

// str is a string scalar, quoted when it would read as something else.
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// plain is a scalar written as it is (numbers, booleans, durations, enum names).
func plain(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

// fmtNum formats a number without trailing zeros.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fmtRate formats a rate per second: "2000/s".
func fmtRate(r scenarios.Rate) string { return fmtNum(float64(r)) + "/s" }

// fmtDur formats a duration in its largest whole unit: 30s, 2m, 96h; else as Go does.
func fmtDur(d scenarios.Duration) string {
	t := d.D()
	switch {
	case t == 0:
		return "0s"
	case t%time.Hour == 0:
		return fmt.Sprintf("%dh", t/time.Hour)
	case t%time.Minute == 0:
		return fmt.Sprintf("%dm", t/time.Minute)
	case t%time.Second == 0:
		return fmt.Sprintf("%ds", t/time.Second)
	}
	return t.String()
}
