package sweep

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/reports"
	"github.com/throttlelab/throttlelab/scenarios"
)

// DefaultMetrics are the key metrics a sweep charts when none is named.
var DefaultMetrics = []string{"gateway_throttled_total", "completed_total", "e2e_seconds_p99",
	"downstream_utilization", "downstream_429_total", "lost_total", "cost_usd_per_million"}

// Check sets the first value of every axis on a copy of base, so that a path naming a list
// entry or map key the scenario lacks is reported before anything runs. A copy that merely
// fails validation passes the check: such points are reported, not run.
func Check(base *scenarios.Scenario, axes []Axis, fixed []Assignment) error {
	first := make([]float64, len(axes))
	for i, a := range axes {
		first[i] = a.Values[0]
	}
	_, err := Prepare(base, assignments(axes, fixed, first))
	if err != nil && !errors.Is(err, ErrInvalid) {
		return err
	}
	return nil
}

// Columns returns the metric columns of a sweep: every metric any point's summary has
// (Flatten), sorted.
func Columns(pts []Point) []string {
	seen := map[string]bool{}
	for _, p := range pts {
		if p.Summary != nil {
			for k := range Flatten(p.Summary) {
				seen[k] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// WriteCSV writes sweep.csv: a header, then a row per point in grid order. The columns are
// the axes' paths (values in base units: per second for rates, seconds for durations), error
// (empty for a point that ran), slo_failed (how many of the scenario's SLOs failed), then
// every metric of Columns. A metric a point lacks is an empty cell.
func WriteCSV(w io.Writer, axes []Axis, pts []Point) error {
	cols := Columns(pts)
	cw := csv.NewWriter(w)
	header := make([]string, 0, len(axes)+2+len(cols))
	for _, a := range axes {
		header = append(header, a.Path)
	}
	header = append(header, "error", "slo_failed")
	if err := cw.Write(append(header, cols...)); err != nil {
		return err
	}
	for _, p := range pts {
		if err := cw.Write(csvRow(p, cols)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(p Point, cols []string) []string {
	row := make([]string, 0, len(p.Values)+2+len(cols))
	for _, v := range p.Values {
		row = append(row, num(v))
	}
	if p.Err != nil {
		row = append(row, oneLine(p.Err), "")
		return append(row, make([]string, len(cols))...)
	}
	row = append(row, "", strconv.Itoa(reports.Failed(p.Summary.Thresholds)))
	flat := Flatten(p.Summary)
	for _, c := range cols {
		if v, ok := flat[c]; ok {
			row = append(row, num(v))
		} else {
			row = append(row, "")
		}
	}
	return row
}

// WriteCSVFile writes WriteCSV to path.
func WriteCSVFile(path string, axes []Axis, pts []Point) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write sweep csv: %w", err)
	}
	if err := WriteCSV(f, axes, pts); err != nil {
		f.Close()
		return fmt.Errorf("write sweep csv: %w", err)
	}
	return f.Close()
}

// WriteTable prints the points as a text table: the swept values, then the given metrics
// (the SLO verdict last), one line per point.
func WriteTable(w io.Writer, axes []Axis, pts []Point, cols []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var head []string
	for _, a := range axes {
		head = append(head, a.Path)
	}
	head = append(head, cols...)
	fmt.Fprintln(tw, strings.Join(append(head, "slo"), "\t")+"\t")
	for _, p := range pts {
		var cells []string
		for i, a := range axes {
			cells = append(cells, Label(a.Kind, p.Values[i]))
		}
		cells = append(cells, metricCells(p, cols)...)
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
}

// metricCells are a point's values of cols, then its SLO verdict, or its error.
func metricCells(p Point, cols []string) []string {
	if p.Err != nil {
		kind := "FAILED"
		if errors.Is(p.Err, ErrInvalid) {
			kind = "INVALID"
		}
		return []string{kind}
	}
	out := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		if v, ok := p.Summary.Lookup(c); ok {
			out = append(out, reports.FormatMetric(c, v))
		} else {
			out = append(out, "-")
		}
	}
	return append(out, sloCell(p.Summary))
}

func sloCell(s *metrics.Summary) string {
	n := len(s.Thresholds)
	if n == 0 {
		return "-"
	}
	if f := reports.Failed(s.Thresholds); f > 0 {
		return fmt.Sprintf("%d of %d failed", f, n)
	}
	return "ok"
}

// num writes a number exactly, without exponent.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// short writes a number with at most 4 significant digits after the point.
func short(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// oneLine flattens a multi-line error into one line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
