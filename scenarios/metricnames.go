package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
)

// Metric names in slo entries and alarms are checked against what a run of the scenario
// writes (metrics.Known and the names of its clients, priorities, alarms and queues), so that
// a misspelt name fails validate rather than the end of a run.

// design is one set of sections a run uses: the scenario's own, or a variant's.
type design struct {
	label    string // "this scenario" or "variant NAME"
	consumer *Consumer
	queues   []Queue
}

// designs are the designs a run of s goes through: its variants, or s itself.
func (s *Scenario) designs() []design {
	if len(s.Variants) == 0 {
		return []design{{"this scenario", s.Consumer, s.Queues}}
	}
	var out []design
	for _, v := range s.Variants {
		d := design{"variant " + v.Name, s.Consumer, s.Queues}
		if v.Consumer != nil {
			d.consumer = v.Consumer
		}
		if v.Queues != nil {
			d.queues = v.Queues
		}
		out = append(out, d)
	}
	return out
}

// lacks says why a design does not write a metric written only when, or "".
func (d design) lacks(when metrics.When) string {
	switch {
	case when == metrics.WithOrchestrator && (d.consumer == nil || d.consumer.Pattern != "orchestrator"):
		return "it is written only when consumer.pattern is orchestrator"
	case when == metrics.WithTaskTokens && (d.consumer == nil || d.consumer.TaskToken == nil):
		return "it is written only when the consumer has a task_token section"
	}
	return ""
}

// CheckSummaryMetric returns why a threshold of s may not name metric (a flat name of
// summary.json), or nil: the check validate makes of every slo entry.
func (s *Scenario) CheckSummaryMetric(metric string) error {
	if msg := s.metricRefs().checkSummary(metric); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// CheckSeries returns why an alarm of s may not watch series (a column of series.csv), or
// nil: the check validate makes of every alarm.
func (s *Scenario) CheckSeries(series string) error {
	if msg := s.metricRefs().checkSeries(series); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// metricRefs is what the runs of a scenario let thresholds and alarms name.
type metricRefs struct {
	s                       *Scenario
	designs                 []design
	clients, prios, alarms  []string
	summaryNames, allSeries []string
}

func (s *Scenario) metricRefs() *metricRefs {
	r := &metricRefs{s: s, designs: s.designs()}
	for _, c := range s.Clients {
		r.clients = append(r.clients, c.Name)
		if !slices.Contains(r.prios, c.Priority) {
			r.prios = append(r.prios, c.Priority)
		}
	}
	for _, a := range s.Alarms {
		r.alarms = append(r.alarms, metrics.SafeName(a.Name))
	}
	return r
}

// checkSummary returns what is wrong with a threshold's metric name, or "".
func (r *metricRefs) checkSummary(name string) string {
	if k, ok := metrics.Find(name); ok {
		for _, d := range r.designs {
			if why := d.lacks(k.When); why != "" {
				return fmt.Sprintf("%s has no metric %q: %s", d.label, name, why)
			}
		}
		return ""
	}
	if r.grouped(name) {
		return ""
	}
	if msg := r.notPerGroup(name); msg != "" {
		return msg
	}
	if rest, ok := strings.CutPrefix(name, "per_priority."); ok {
		for _, p := range Priorities {
			if m, ok := strings.CutPrefix(rest, p+"."); ok && isGroupMetric(m) {
				return fmt.Sprintf("no client has priority %s, so the summary has no per_priority.%s metrics (clients' priorities: %s)",
					p, p, strings.Join(r.prios, ", "))
			}
		}
	}
	if rest, ok := strings.CutPrefix(name, "variant."); ok {
		for _, v := range r.s.Variants {
			if m, ok := strings.CutPrefix(rest, v.Name+"."); ok {
				return fmt.Sprintf("thresholds are checked in each variant's own summary, which has no variant.* metrics: write %q to hold it in every variant", m)
			}
		}
	}
	return unknownMetric(name, r.summaryCandidates(),
		"a summary metric (docs/SCENARIOS.md), per_client.CLIENT.NAME, per_priority.PRIORITY.NAME, alarm.ALARM.fired_total or cost.ITEM_usd")
}

// notPerGroup explains a per-client or per-priority name of a metric counted only for the
// whole run, or is "".
func (r *metricRefs) notPerGroup(name string) string {
	for _, g := range []struct{ prefix, what string }{{"per_client.", "client"}, {"per_priority.", "priority"}} {
		rest, ok := strings.CutPrefix(name, g.prefix)
		for i := 0; ok && i < len(rest); i++ { // the group's name may hold dots
			if k, found := metrics.Find(rest[i+1:]); rest[i] == '.' && found && !k.PerGroup {
				return fmt.Sprintf("%s is counted for the whole run, not per %s: write %q", k.Name, g.what, k.Name)
			}
		}
	}
	return ""
}

// grouped reports whether name is a metric of a client, a priority, an alarm or a cost item
// of the scenario.
func (r *metricRefs) grouped(name string) bool {
	for _, g := range []struct {
		prefix string
		names  []string
		ok     func(string) bool
	}{
		{"per_client.", r.clients, isGroupMetric},
		{"per_priority.", r.prios, isGroupMetric},
		{"alarm.", r.alarms, isAlarmSuffix},
	} {
		if rest, ok := strings.CutPrefix(name, g.prefix); ok {
			for _, n := range g.names {
				if m, ok := strings.CutPrefix(rest, n+"."); ok && g.ok(m) {
					return true
				}
			}
		}
	}
	item, ok := strings.CutPrefix(name, "cost.")
	item, usd := strings.CutSuffix(item, "_usd")
	return ok && usd && slices.Contains(metrics.Names(metrics.CostItems), item)
}

func isGroupMetric(m string) bool {
	k, ok := metrics.Find(m)
	return ok && k.PerGroup
}

func isAlarmSuffix(m string) bool {
	return slices.ContainsFunc(metrics.AlarmSuffixes, func(k metrics.Metric) bool { return k.Name == m })
}

// summaryCandidates are every name a threshold of the scenario may use, for suggestions.
func (r *metricRefs) summaryCandidates() []string {
	if r.summaryNames != nil {
		return r.summaryNames
	}
	var out []string
	for _, k := range metrics.Known {
		out = append(out, k.Name)
		if k.PerGroup {
			for _, c := range r.clients {
				out = append(out, "per_client."+c+"."+k.Name)
			}
			for _, p := range r.prios {
				out = append(out, "per_priority."+p+"."+k.Name)
			}
		}
	}
	for _, a := range r.alarms {
		for _, k := range metrics.AlarmSuffixes {
			out = append(out, "alarm."+a+"."+k.Name)
		}
	}
	for _, item := range metrics.CostItems {
		out = append(out, "cost."+item.Name+"_usd")
	}
	r.summaryNames = out
	return out
}

// checkSeries returns what is wrong with an alarm's metric, a series of series.csv, or "".
func (r *metricRefs) checkSeries(name string) string {
	var missing []string
	for _, d := range r.designs {
		if !slices.Contains(r.seriesOf(d), name) {
			missing = append(missing, d.label)
		}
	}
	switch {
	case len(missing) == 0:
		return ""
	case len(missing) < len(r.designs):
		return fmt.Sprintf("%s has no series %q (it has no such queue)", missing[0], name)
	}
	return unknownMetric(name, r.seriesCandidates(), "a series of series.csv (docs/SCENARIOS.md), queue.QUEUE.depth, client.CLIENT.offered or priority.P.completed")
}

// seriesOf are the series of a run of design d; "second" is the time, not a series.
func (r *metricRefs) seriesOf(d design) []string {
	var queues []string
	for _, q := range d.queues {
		queues = append(queues, q.Name)
	}
	if rq := requeueQueue(d.consumer, d.queues); rq != "" && !slices.Contains(queues, rq) {
		queues = append(queues, rq)
	}
	return metrics.SeriesColumns(queues, r.clients)[1:]
}

// RequeueQueue is the queue an orchestrator with requeue_first reads before its main queue
// (the first): "MAIN-requeue", or "NAME-requeue.fifo" for a main queue "NAME.fifo"; a run
// creates it when the scenario does not list it. It is "" without requeue_first. The
// pipeline names the queue it creates with it.
func (s *Scenario) RequeueQueue() string { return requeueQueue(s.Consumer, s.Queues) }

func requeueQueue(c *Consumer, queues []Queue) string {
	if c == nil || c.Pattern != "orchestrator" || !c.RequeueFirst || len(queues) == 0 {
		return ""
	}
	if name, ok := strings.CutSuffix(queues[0].Name, ".fifo"); ok {
		return name + "-requeue.fifo"
	}
	return queues[0].Name + "-requeue"
}

func (r *metricRefs) seriesCandidates() []string {
	if r.allSeries == nil {
		for _, d := range r.designs {
			r.allSeries = append(r.allSeries, r.seriesOf(d)...)
		}
	}
	return r.allSeries
}

// unknownMetric says that name is not a metric, suggesting the closest candidate when one is
// close (a few edits, more for a long name), else what a name may be.
func unknownMetric(name string, candidates []string, kinds string) string {
	best, bestD := "", len(name)
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best != "" && (bestD <= 2 || bestD*3 <= len(name)) {
		return fmt.Sprintf("unknown metric %q (did you mean %q?)", name, best)
	}
	return fmt.Sprintf("unknown metric %q: name %s", name, kinds)
}
