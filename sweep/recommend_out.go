package sweep

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText prints the recommendation: the knobs and how each was decided, the answer and
// the runner-up, each SLO's margin, the cost, and the runs it took against the full grid.
func (r *Recommendation) WriteText(w io.Writer) {
	knobs := "1 knob"
	if len(r.Knobs) != 1 {
		knobs = fmt.Sprintf("%d knobs", len(r.Knobs))
	}
	fmt.Fprintf(w, "recommend %s: %s, every SLO on every one of seeds %s\n", r.Scenario, knobs, seedList(r.Seeds))
	for j, k := range r.Knobs {
		fmt.Fprintf(w, "  %s: %s\n", k, r.How[j])
	}
	if r.Best == nil {
		r.writeNone(w)
	} else {
		r.writeBest(w)
	}
	fmt.Fprintf(w, "  runs        %d simulator runs (%d configurations × %d seeds); the full grid is %s configurations × %d seeds = %s runs (%s)\n",
		r.Runs, len(r.Points), len(r.Seeds), count(r.GridPoints), len(r.Seeds), count(r.GridPoints*float64(len(r.Seeds))), r.share())
	if r.Best != nil && r.Assumed {
		fmt.Fprintln(w, "  note        a bisected knob is assumed monotone (moving it away from its direction never breaks an SLO that held);\n"+
			"              no contradiction was seen among the configurations run, but the values between them were not all run")
	}
}

func (r *Recommendation) writeBest(w io.Writer) {
	fmt.Fprintf(w, "chosen        %s\n", r.describe(r.Best))
	if r.RunnerUp != nil {
		fmt.Fprintf(w, "runner-up     %s (cost %s per million)\n", r.describe(r.RunnerUp), dollars(r.RunnerUp.Cost))
	} else {
		fmt.Fprintln(w, "runner-up     none: no other configuration run held every SLO")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  slo\tworst of %d seeds\tmargin\t\n", len(r.Seeds))
	for k, t := range r.Best.Worst {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t\n", t.Expr, short(t.Value), short(r.Best.Margins[k]))
	}
	tw.Flush()
	fmt.Fprintf(w, "  cost        %s per million requests (mean of the %d seeds)\n", dollars(r.Best.Cost), len(r.Seeds))
}

// writeNone says why nothing was recommended: what the loosest configuration judged failed.
func (r *Recommendation) writeNone(w io.Writer) {
	fmt.Fprintln(w, "chosen        none: no configuration run held every SLO on every seed")
	loosest := r.loosest()
	if loosest == nil {
		return
	}
	fmt.Fprintf(w, "  the loosest configuration, %s, failed:\n", r.describe(loosest))
	for _, f := range loosest.Failing {
		fmt.Fprintf(w, "    %s\n", f)
	}
	fmt.Fprintln(w, "  widen the ranges toward looser values, or check the SLOs")
}

// loosest is the configuration judged with every knob at its loosest value, if any.
func (r *Recommendation) loosest() *Candidate {
	for _, c := range r.Points {
		all := true
		for j, k := range r.Knobs {
			all = all && c.Ranks[j] == len(k.Values)-1
		}
		if all {
			return c
		}
	}
	return nil
}

func (r *Recommendation) describe(c *Candidate) string {
	parts := make([]string, len(r.Knobs))
	for j, k := range r.Knobs {
		parts[j] = k.Path + "=" + Label(k.Kind, c.Values[j])
	}
	return strings.Join(parts, " ")
}

// share is the runs as a percentage of the full grid's.
func (r *Recommendation) share() string {
	grid := r.GridPoints * float64(len(r.Seeds))
	return strconv.FormatFloat(100*float64(r.Runs)/grid, 'g', 3, 64) + "% of the grid"
}

func seedList(seeds []int64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = strconv.FormatInt(s, 10)
	}
	return strings.Join(parts, ", ")
}

// count writes a whole number, with an exponent once it is too large to read.
func count(v float64) string {
	if v < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func dollars(v float64) string {
	if math.IsNaN(v) {
		return "unknown"
	}
	return fmt.Sprintf("$%.4g", v)
}

// JSON is recommendation.json: the answer (values, each SLO's worst value and margin, cost,
// runs; values null when nothing was feasible), then the search's details.
type JSON struct {
	Scenario   string             `json:"scenario"`
	Values     map[string]float64 `json:"values"`
	SLO        []SLOMargin        `json:"slo"`
	Cost       *float64           `json:"cost_usd_per_million"`
	Runs       int                `json:"runs"`
	Seeds      []int64            `json:"seeds"`
	GridPoints float64            `json:"grid_points"`
	GridRuns   float64            `json:"grid_runs"`
	RunnerUp   *PointJSON         `json:"runner_up"`
	Knobs      []KnobJSON         `json:"knobs"`
	Points     []PointJSON        `json:"points"`
}

// SLOMargin is one SLO at the answer: its value on the seed where its margin was smallest.
type SLOMargin struct {
	Expr   string  `json:"expr"`
	Value  float64 `json:"value"`
	Margin float64 `json:"margin"`
}

// KnobJSON is one knob as searched: values in base units (per second, seconds).
type KnobJSON struct {
	Path      string  `json:"path"`
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	Step      float64 `json:"step"`
	Direction string  `json:"direction"`
	How       string  `json:"how"`
}

// PointJSON is one configuration judged.
type PointJSON struct {
	Values   map[string]float64 `json:"values"`
	Feasible bool               `json:"feasible"`
	Cost     *float64           `json:"cost_usd_per_million"`
	Failing  []string           `json:"failing,omitempty"`
}

// JSON returns recommendation.json's content.
func (r *Recommendation) JSON() JSON {
	out := JSON{Scenario: r.Scenario, Runs: r.Runs, Seeds: r.Seeds, GridPoints: r.GridPoints,
		GridRuns: r.GridPoints * float64(len(r.Seeds)), SLO: []SLOMargin{}}
	for j, k := range r.Knobs {
		out.Knobs = append(out.Knobs, KnobJSON{Path: k.Path, Lo: k.Values[0], Hi: k.Values[len(k.Values)-1],
			Step: k.Step, Direction: k.Direction(), How: r.How[j]})
	}
	for _, c := range r.Points {
		out.Points = append(out.Points, r.pointJSON(c))
	}
	if r.RunnerUp != nil {
		p := r.pointJSON(r.RunnerUp)
		out.RunnerUp = &p
	}
	if r.Best == nil {
		return out
	}
	out.Values, out.Cost = r.pointJSON(r.Best).Values, finite(r.Best.Cost)
	for k, t := range r.Best.Worst {
		out.SLO = append(out.SLO, SLOMargin{Expr: t.Expr, Value: t.Value, Margin: r.Best.Margins[k]})
	}
	return out
}

func (r *Recommendation) pointJSON(c *Candidate) PointJSON {
	p := PointJSON{Values: map[string]float64{}, Feasible: c.Feasible, Cost: finite(c.Cost), Failing: c.Failing}
	for j, k := range r.Knobs {
		p.Values[k.Path] = c.Values[j]
	}
	return p
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// WriteJSON writes recommendation.json, indented.
func (r *Recommendation) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.JSON())
}
