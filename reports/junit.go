package reports

import (
	"encoding/xml"
	"fmt"
	"os"
	"strconv"

	"github.com/throttlelab/throttlelab/metrics"
)

// JUnitSuites is the root of junit.xml: one suite per run.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is a run's suite, named after its scenario.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name and value of the run (its mode and seed).
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one threshold, or the ledger check.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *JUnitFailure `xml:"failure,omitempty"`
}

// JUnitFailure says why a case failed: Message is one line, Text the details.
type JUnitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit builds the JUnit document of a run: one testsuite named after the scenario, one
// testcase per threshold (failing, with the value and the expression, when the threshold did
// not hold or could not be evaluated) and a testcase "ledger" failing when lost_total is not 0.
// CI systems show a failed threshold as a failed test.
func JUnit(s *metrics.Summary) JUnitSuites {
	class := "throttlelab." + s.Scenario
	suite := JUnitSuite{Name: s.Scenario, Properties: []JUnitProperty{
		{Name: "mode", Value: s.Mode}, {Name: "seed", Value: strconv.FormatInt(s.Seed, 10)}}}
	for _, t := range s.Thresholds {
		c := JUnitCase{Name: t.Expr, ClassName: class}
		switch {
		case t.Error != "":
			c.Failure = &JUnitFailure{Type: "error", Message: t.Error,
				Text: fmt.Sprintf("threshold %s could not be evaluated: %s", t.Expr, t.Error)}
		case !t.OK:
			c.Failure = &JUnitFailure{Type: "threshold", Message: fmt.Sprintf("was %s", formatG(t.Value)),
				Text: fmt.Sprintf("threshold %s failed: the value was %s", t.Expr, formatG(t.Value))}
		}
		suite.Cases = append(suite.Cases, c)
	}
	ledger := JUnitCase{Name: "ledger", ClassName: class}
	lost, ok := s.Metrics["lost_total"]
	if !ok {
		lost = float64(s.Ledger.Lost)
	}
	if lost != 0 {
		ledger.Failure = &JUnitFailure{Type: "ledger", Message: fmt.Sprintf("lost_total was %s", formatG(lost)),
			Text: fmt.Sprintf("lost_total == 0 failed: the value was %s: %s", formatG(lost), s.Ledger.Verdict)}
	}
	suite.Cases = append(suite.Cases, ledger)
	for _, c := range suite.Cases {
		if c.Failure != nil {
			suite.Failures++
		}
	}
	suite.Tests = len(suite.Cases)
	return JUnitSuites{Tests: suite.Tests, Failures: suite.Failures, Suites: []JUnitSuite{suite}}
}

// WriteJUnit writes the run's JUnit XML (see JUnit) to path.
func WriteJUnit(path string, s *metrics.Summary) error {
	b, err := xml.MarshalIndent(JUnit(s), "", "  ")
	if err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	b = append([]byte(xml.Header), b...)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}
