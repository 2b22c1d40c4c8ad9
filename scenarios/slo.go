package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Threshold is one slo entry, "METRIC OP NUMBER": the run passes it when the summary's metric
// compares to Value as Op says.
type Threshold struct {
	Expr   string  // the entry as written, trimmed: "e2e_seconds_p99 < 30"
	Metric string  // a flat summary name: "e2e_seconds_p99", "per_priority.high.e2e_seconds_p99"
	Op     string  // one of == != < <= > >=
	Value  float64 // the number compared with
}

// Ops are the comparison operators a threshold may use.
var Ops = []string{"==", "!=", "<", "<=", ">", ">="}

var thresholdRE = regexp.MustCompile(`^([^\s=!<>]+)\s*(==|!=|<=|>=|<|>|=)\s*(.*)$`)

// metricChars are the characters of a threshold's metric name, as a regexp class's contents;
// the JSON Schema's slo pattern uses them too.
const metricChars = `A-Za-z0-9_.-`

var metricRE = regexp.MustCompile(`^[` + metricChars + `]+$`)

// ParseThreshold parses "METRIC OP NUMBER", where METRIC is made of letters, digits, _, - and . (as
// "per_priority.high.e2e_seconds_p99"), OP one of Ops and NUMBER a finite decimal number.
// Spaces around OP are optional.
func ParseThreshold(s string) (Threshold, error) {
	expr := strings.TrimSpace(s)
	m := thresholdRE.FindStringSubmatch(expr)
	if m == nil {
		return Threshold{}, fmt.Errorf("threshold %q: want METRIC OP NUMBER, as \"lost_total == 0\"", s)
	}
	metric, op, num := m[1], m[2], strings.TrimSpace(m[3])
	if !metricRE.MatchString(metric) {
		return Threshold{}, fmt.Errorf("threshold %q: metric %q may only use letters, digits, _, - and .", s, metric)
	}
	if op == "=" {
		return Threshold{}, fmt.Errorf("threshold %q: unknown operator = (want one of %s)", s, strings.Join(Ops, " "))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Threshold{}, fmt.Errorf("threshold %q: %q is not a number", s, num)
	}
	return Threshold{Expr: expr, Metric: metric, Op: op, Value: v}, nil
}

// String returns the threshold as written.
func (t Threshold) String() string { return t.Expr }

// Holds reports whether a metric's value v satisfies the threshold. A NaN value never holds.
func (t Threshold) Holds(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	switch t.Op {
	case "==":
		return v == t.Value
	case "!=":
		return v != t.Value
	case "<":
		return v < t.Value
	case "<=":
		return v <= t.Value
	case ">":
		return v > t.Value
	case ">=":
		return v >= t.Value
	}
	return false
}
