package reports

import (
	_ "embed"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

//go:embed templates/report.html.tmpl
var reportTemplate string

var reportTmpl = template.Must(template.New("report").Parse(reportTemplate))

// figure is a chart as the report embeds it: inline SVG, so that report.html is one file.
type figure struct {
	Name, Caption string
	SVG           string // an <svg> element, generated here and trusted
}

// htmlView is what the report template shows, every number already formatted.
type htmlView struct {
	Name, Description, YAML   string
	Mode, Seed, Offered, Ends string
	Target                    string // a target run's URL
	Findings, Changes, Notes  []string
	Figures                   []htmlFigure
	HasSim                    bool
	Groups                    []metricGroup
	Clients, Priorities       htmlTable
	Thresholds                []thresholdRow
	Ledger                    ledgerView
	Alarms                    []alarmView
	HasAlarms                 bool
}

type htmlFigure struct {
	Name, Caption string
	SVG           template.HTML
}

type metricGroup struct {
	Name string
	Rows []metricRow
}

// metricRow is one summary metric: its name, what it counts in words, its value and, in mode
// both, its simulated value.
type metricRow struct{ Name, Label, Value, Sim string }

type htmlTable struct {
	ID     string // the table's id: "client-table", "priority-table"
	Header []htmlHeader
	Rows   [][]string // first cell: the row's name
}

// htmlHeader is a column's title and, as its tooltip, the metric it shows and what it counts.
type htmlHeader struct{ Title, Tip string }

type thresholdRow struct {
	Expr, Value, Error string
	OK                 bool
}

// writeHTML writes report.html for the run and its figures.
func writeHTML(w io.Writer, in Input, figs []figure) error {
	s := in.Summary
	v := htmlView{
		Name: s.Scenario, Mode: s.Mode, Target: s.Target, Seed: strconv.FormatInt(s.Seed, 10),
		Offered: secs(s.OfferedSeconds), Ends: secs(s.EndedSeconds),
		Findings: Findings(in), Changes: Changes(in), Notes: s.Notes, HasSim: s.Sim != nil,
		Groups:     metricGroups(s),
		Clients:    groupTable("client", clientOrder(in), s.PerClient),
		Priorities: groupTable("priority", metrics.Priorities, s.PerPriority),
		Thresholds: thresholdRows(s.Thresholds),
		Ledger:     newLedgerView(s.Ledger),
		Alarms:     alarmViews(in.Alarms),
		HasAlarms:  in.Scenario != nil && len(in.Scenario.Alarms) > 0,
	}
	if sc := in.Scenario; sc != nil {
		v.Description = strings.TrimSpace(sc.Description)
		v.YAML = string(sc.Source)
	}
	for _, f := range figs {
		v.Figures = append(v.Figures, htmlFigure{Name: f.Name, Caption: f.Caption, SVG: template.HTML(f.SVG)})
	}
	return reportTmpl.Execute(w, v)
}

// metricGroupNames orders the summary's metrics into the report's groups; the alarms' metrics
// (alarm.NAME.…) follow, and metrics in none of them are shown under "other".
var metricGroupNames = []struct {
	name    string
	metrics []string
}{
	{"requests", []string{"offered_total", "attempts_total", "completed_total", "rejected_total",
		"failed_total", "in_flight_at_end", "lost_total", "load_errors_total", "load_shortfall_total"}},
	{"gateway", []string{"gateway_admitted_total", "gateway_throttled_total",
		"gateway_quota_exceeded_total", "gateway_forbidden_total", "gateway_backend_errors_total"}},
	{"queues", []string{"queue_sent_total", "queue_received_total", "queue_deleted_total",
		"queue_deferred_total", "queue_requeued_total", "queue_duplicates_total",
		"fifo_order_broken_total", "dlq_total", "queue_depth_max", "queue_oldest_age_seconds_max",
		"queue_wait_seconds_mean", "queue_wait_seconds_p99", "queue_wait_seconds_max"}},
	{"downstream", []string{"downstream_calls_total", "downstream_admitted_total",
		"downstream_ok_total", "downstream_429_total", "downstream_5xx_total",
		"downstream_timeouts_total", "downstream_resets_total", "downstream_utilization",
		"downstream_overgrant", "downstream_seconds_p50", "downstream_seconds_p99",
		"downstream_seconds_mean", "breaker_opened_total"}},
	{"latency", []string{"e2e_seconds_p50", "e2e_seconds_p90", "e2e_seconds_p99",
		"e2e_seconds_max", "e2e_seconds_mean"}},
	{"orchestrator", []string{"orchestrator_runs_total", "orchestrator_triggers_throttled_total",
		"orchestrator_invokes_total", "orchestrator_run_seconds", "orchestrator_idle_seconds",
		"orchestrator_quota_blocked_seconds", "health_checks_total", "breaker_open_seconds",
		"worker_invokes_throttled_total", "state_quota_refused_total", "state_writes_dropped_total"}},
	{"task tokens", []string{"sfn_state_transitions_total", "sfn_timeouts_total",
		"sfn_heartbeat_timeouts_total", "sfn_running_at_end"}},
	{"AWS requests", []string{"aws_sqs_send_requests_total", "aws_sqs_receive_requests_total",
		"aws_sqs_delete_requests_total", "aws_sqs_requests_measured_total",
		"aws_lambda_invocations_total", "aws_lambda_duration_seconds_total",
		"aws_dynamodb_reads_total", "aws_dynamodb_writes_total"}},
	{"cost", []string{"cost_usd_total", "cost_usd_per_million", "cost_usd_per_month"}},
}

// metricGroups returns the summary's metrics by group, with the simulated value in mode both.
func metricGroups(s *metrics.Summary) []metricGroup {
	seen := map[string]bool{}
	var out []metricGroup
	row := func(name string) metricRow {
		seen[name] = true
		r := metricRow{Name: name, Label: MetricLabel(name), Value: metricValue(name, s.Metrics[name])}
		if s.Sim != nil {
			r.Sim = metricValue(name, s.Sim.Metrics[name])
		}
		return r
	}
	for _, g := range metricGroupNames {
		mg := metricGroup{Name: g.name}
		for _, name := range g.metrics {
			if _, ok := s.Metrics[name]; ok {
				mg.Rows = append(mg.Rows, row(name))
			}
		}
		if g.name == "cost" { // then each item: cost.ITEM_usd
			for _, name := range keysInOrder(s.Metrics) {
				if isCost(name) && !seen[name] {
					mg.Rows = append(mg.Rows, row(name))
				}
			}
		}
		if g.name == "gateway" && s.Target != "" {
			mg.Name = "the target's answers" // nothing of the gateway was emulated
		}
		out = append(out, mg)
	}
	alarms, other := metricGroup{Name: "alarms"}, metricGroup{Name: "other"}
	for _, name := range keysInOrder(s.Metrics) {
		switch {
		case seen[name]:
		case strings.HasPrefix(name, "alarm."):
			alarms.Rows = append(alarms.Rows, row(name))
		default:
			other.Rows = append(other.Rows, row(name))
		}
	}
	out = append(out, alarms, other)
	return slices.DeleteFunc(out, func(g metricGroup) bool { return len(g.Rows) == 0 })
}

// isCost reports whether a metric is in dollars: cost_usd_* or cost.ITEM_usd.
func isCost(name string) bool {
	return strings.HasPrefix(name, "cost_usd") || (strings.HasPrefix(name, "cost.") && strings.HasSuffix(name, "_usd"))
}

// metricValue formats a metric by its name's unit: counts with thousands separators,
// seconds as durations, ratios as percentages, dollars as the text summary does (usd).
func metricValue(name string, v float64) string {
	switch {
	case isCost(name):
		return usd(v)
	case name == "downstream_utilization" || name == "downstream_overgrant" || name == "downstream_window_overgrant":
		return pctWords(v, 1)
	case strings.Contains(name, "_seconds") || strings.Contains(name, ".seconds_"):
		return secs(v)
	case v == float64(int64(v)):
		return count(v)
	default:
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
}

// groupColumns are the per-client and per-priority table's columns.
var groupColumns = []struct{ metric, title string }{
	{"offered_total", "offered"}, {"attempts_total", "attempts"},
	{"gateway_admitted_total", "admitted"}, {"gateway_throttled_total", "429 throttled"},
	{"gateway_quota_exceeded_total", "429 quota"}, {"gateway_forbidden_total", "403"},
	{"completed_total", "completed"}, {"rejected_total", "rejected"}, {"failed_total", "failed"},
	{"e2e_seconds_p50", "e2e p50"}, {"e2e_seconds_p99", "e2e p99"}, {"e2e_seconds_max", "e2e max"},
	{"queue_wait_seconds_p99", "queue wait p99"},
}

// groupTable is the per-client or per-priority table, rows in order; empty when no group has
// metrics.
func groupTable(kind string, order []string, groups map[string]map[string]float64) htmlTable {
	t := htmlTable{ID: kind + "-table", Header: []htmlHeader{{Title: kind}}}
	for _, c := range groupColumns {
		t.Header = append(t.Header, htmlHeader{Title: c.title, Tip: c.metric + " — " + MetricLabel(c.metric)})
	}
	for _, name := range order {
		m, ok := groups[name]
		if !ok {
			continue
		}
		row := []string{name}
		for _, c := range groupColumns {
			row = append(row, metricValue(c.metric, m[c.metric]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// clientOrder is the scenario's order of clients, or their sorted names without a scenario.
func clientOrder(in Input) []string {
	if in.Scenario == nil {
		return keysInOrder(in.Summary.PerClient)
	}
	out := make([]string, len(in.Scenario.Clients))
	for i, c := range in.Scenario.Clients {
		out[i] = c.Name
	}
	return out
}

func thresholdRows(rs []metrics.ThresholdResult) []thresholdRow {
	out := make([]thresholdRow, len(rs))
	for i, r := range rs {
		out[i] = thresholdRow{Expr: r.Expr, OK: r.OK, Error: r.Error}
		if r.Error != "" {
			continue
		}
		out[i].Value = strconv.FormatFloat(r.Value, 'g', 6, 64)
		if t, err := scenarios.ParseThreshold(r.Expr); err == nil {
			out[i].Value = metricValue(t.Metric, r.Value)
		}
	}
	return out
}
