package reports

import (
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
)

// junit.xml follows Jenkins xunit-plugin's junit-10.xsd (reports/testdata/junit-10.xsd, which
// a test validates the output against with xmllint), the schema JUnit consumers agree on.

// JUnitSuites is the root of junit.xml: one suite per run.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is a run's suite, named after its scenario. Time is the run's wall time in
// seconds ("0" when unknown); Timestamp its start, when known, in UTC as Ant writes it
// ("2026-01-05T09:30:00").
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name and value of the run (its mode and seed).
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one threshold, or the ledger check. A threshold that did not hold has a
// Failure; one that could not be evaluated (its metric is missing or not a number) an Error.
// Time is 0: a threshold is checked once the run is over.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitProblem `xml:"failure,omitempty"`
	Error     *JUnitProblem `xml:"error,omitempty"`
}

// JUnitProblem says why a case failed or erred: Message is one line, Text the details.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnitOption sets what junit.xml says beyond the summary.
type JUnitOption func(*junitRun)

type junitRun struct {
	start time.Time
	wall  time.Duration
}

// JUnitWallTime gives the run's wall-clock start and duration, for the suite's timestamp and
// time attributes. Without it they say 0 and nothing.
func JUnitWallTime(start time.Time, wall time.Duration) JUnitOption {
	return func(r *junitRun) { r.start, r.wall = start, wall }
}

// JUnit builds the JUnit document of a run: one testsuite named after the scenario, one
// testcase per threshold and a testcase "ledger" that fails when lost_total is not 0. CI
// systems show a threshold that did not hold as a failed test, one that could not be
// evaluated as an error.
func JUnit(s *metrics.Summary, opts ...JUnitOption) JUnitSuites {
	var run junitRun
	for _, o := range opts {
		o(&run)
	}
	class := "throttlelab." + s.Scenario
	suite := JUnitSuite{Name: s.Scenario, Time: junitSeconds(run.wall), Properties: []JUnitProperty{
		{Name: "mode", Value: s.Mode}, {Name: "seed", Value: strconv.FormatInt(s.Seed, 10)}}}
	if !run.start.IsZero() {
		suite.Timestamp = run.start.UTC().Format("2006-01-02T15:04:05")
	}
	for _, t := range s.Thresholds {
		suite.Cases = append(suite.Cases, thresholdCase(t, class))
	}
	suite.Cases = append(suite.Cases, ledgerCase(s, class))
	for _, c := range suite.Cases {
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Error != nil {
			suite.Errors++
		}
	}
	suite.Tests = len(suite.Cases)
	return JUnitSuites{Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []JUnitSuite{suite}}
}

func thresholdCase(t metrics.ThresholdResult, class string) JUnitCase {
	c := JUnitCase{Name: t.Expr, ClassName: class, Time: "0"}
	switch {
	case t.Error != "":
		c.Error = &JUnitProblem{Type: "unevaluated", Message: t.Error,
			Text: fmt.Sprintf("threshold %s could not be evaluated: %s", t.Expr, t.Error)}
	case math.IsNaN(t.Value) || math.IsInf(t.Value, 0):
		c.Error = &JUnitProblem{Type: "unevaluated", Message: fmt.Sprintf("the value was %s", formatG(t.Value)),
			Text: fmt.Sprintf("threshold %s could not be evaluated: the value was %s", t.Expr, formatG(t.Value))}
	case !t.OK:
		c.Failure = &JUnitProblem{Type: "threshold", Message: fmt.Sprintf("was %s", formatG(t.Value)),
			Text: fmt.Sprintf("threshold %s failed: the value was %s", t.Expr, formatG(t.Value))}
	}
	return c
}

// ledgerCase fails when a request is unaccounted for (lost_total, else the ledger's count).
func ledgerCase(s *metrics.Summary, class string) JUnitCase {
	c := JUnitCase{Name: "ledger", ClassName: class, Time: "0"}
	lost, ok := s.Metrics["lost_total"]
	if !ok {
		lost = float64(s.Ledger.Lost)
	}
	if lost != 0 {
		c.Failure = &JUnitProblem{Type: "ledger", Message: fmt.Sprintf("lost_total was %s", formatG(lost)),
			Text: fmt.Sprintf("lost_total == 0 failed: the value was %s: %s", formatG(lost), s.Ledger.Verdict)}
	}
	return c
}

// junitSeconds writes a duration as junit-10.xsd's time: seconds with at most 3 decimals,
// "0" when unknown.
func junitSeconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// WriteJUnit writes the run's JUnit XML (see JUnit) to path.
func WriteJUnit(path string, s *metrics.Summary, opts ...JUnitOption) error {
	b, err := xml.MarshalIndent(JUnit(s, opts...), "", "  ")
	if err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	b = append([]byte(xml.Header), b...)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}
