package cfnimport

import (
	"fmt"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// alarmOut is an alarm of the scenario; queue is the logical id of the queue its metric is
// about ("" for a run-wide series), and metric a format taking the queue's scenario name.
type alarmOut struct {
	a        scenarios.Alarm
	queue    string
	metric   string
	comments []string
	src      fields // "threshold", "period", "evaluation_periods" -> property
}

// alarmMetric is how a CloudWatch metric maps to a series of the run.
type alarmMetric struct {
	series  string // a column of series.csv; %s is the queue's name
	byQueue bool   // the QueueName dimension picks the queue
	comment string
}

// alarmMetrics maps "Namespace MetricName" to a series.
var alarmMetrics = map[string]alarmMetric{
	"AWS/ApiGateway Count": {series: "attempts",
		comment: "Count is every request API Gateway received: attempts (first tries and retries) in the scenario"},
	"AWS/ApiGateway 4XXError": {series: "gateway_throttled",
		comment: "4XXError counts every 4xx; gateway_throttled counts the throttling 429s (quota 429s and 403s are gateway_quota_exceeded and gateway_forbidden)"},
	"AWS/SQS ApproximateNumberOfMessagesVisible": {series: "queue.%s.depth", byQueue: true},
	"AWS/SQS ApproximateAgeOfOldestMessage":      {series: "queue.%s.oldest_age_seconds", byQueue: true},
	"AWS/Lambda ConcurrentExecutions":            {series: "concurrency_in_use"},
}

// alarmStats maps CloudWatch statistics to the scenario's.
var alarmStats = map[string]string{"Sum": "sum", "Average": "average", "Maximum": "max", "p99": "p99"}

// alarmComparisons maps CloudWatch comparison operators to the scenario's.
var alarmComparisons = map[string]string{
	"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=",
	"LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<=",
}

// alarm reads an AWS::CloudWatch::Alarm on a metric the run has a series for.
func (b *builder) alarm(r *resource) {
	t := b.t
	if t.prop(r.props, "Metrics") != nil {
		b.note(r, "metric-math alarms are not modelled")
		return
	}
	ns, _ := t.str(t.prop(r.props, "Namespace"))
	metric, _ := t.str(t.prop(r.props, "MetricName"))
	m, ok := alarmMetrics[ns+" "+metric]
	if !ok {
		b.note(r, "alarm on %s %s: the run has no such series", ns, metric)
		return
	}
	out := &alarmOut{metric: m.series, src: fields{}}
	if m.comment != "" {
		out.comments = append(out.comments, m.comment)
	}
	if m.byQueue {
		if out.queue = b.alarmQueue(r); out.queue == "" {
			return
		}
	}
	if !b.alarmFields(r, out) {
		return
	}
	b.alarmExtras(r, out)
	b.alarms = append(b.alarms, *out)
}

// alarmQueue is the work queue an SQS alarm's QueueName dimension names.
func (b *builder) alarmQueue(r *resource) string {
	for _, d := range items(b.t.prop(r.props, "Dimensions")) {
		if name, _ := b.t.str(b.t.prop(d, "Name")); name == "QueueName" {
			q := b.queueRef(b.t.prop(d, "Value"))
			if q != "" && !b.dlqs[q] {
				return q
			}
		}
	}
	b.note(r, "alarm on an SQS metric of no work queue of the template (dead-letter queues are not scenario queues)")
	return ""
}

// alarmFields reads the statistic, period, evaluation periods, comparison and threshold.
func (b *builder) alarmFields(r *resource, out *alarmOut) bool {
	t := b.t
	stat, _ := t.str(t.prop(r.props, "Statistic"))
	if stat == "" {
		stat, _ = t.str(t.prop(r.props, "ExtendedStatistic"))
	}
	cmp, _ := t.str(t.prop(r.props, "ComparisonOperator"))
	period, okP := b.number(r, t.prop(r.props, "Period"), "Period")
	evals, okE := b.number(r, t.prop(r.props, "EvaluationPeriods"), "EvaluationPeriods")
	threshold, okT := b.number(r, t.prop(r.props, "Threshold"), "Threshold")
	a := scenarios.Alarm{Name: b.alarmName(r), Stat: alarmStats[stat], Comparison: alarmComparisons[cmp],
		Period: scenarios.Duration(time.Duration(period) * time.Second), EvaluationPeriods: int(evals), Threshold: threshold}
	switch {
	case a.Stat == "":
		b.note(r, "statistic %q is not one of Sum, Average, Maximum, p99", stat)
	case a.Comparison == "":
		b.note(r, "comparison %q is not modelled", cmp)
	case !okP || period < 1 || !okE || evals < 1 || !okT:
		b.note(r, "alarm needs Period, EvaluationPeriods and Threshold")
	default:
		out.a = a
		out.src.set(t, "threshold", t.prop(r.props, "Threshold"))
		out.src.set(t, "period", t.prop(r.props, "Period"))
		out.src.set(t, "evaluation_periods", t.prop(r.props, "EvaluationPeriods"))
		return true
	}
	return false
}

// alarmName is an alarm's AlarmName, or its logical id; unique among the alarms.
func (b *builder) alarmName(r *resource) string {
	name, ok := b.t.str(b.t.prop(r.props, "AlarmName"))
	if !ok || name == "" {
		name = r.id
	}
	for _, a := range b.alarms {
		if a.a.Name == name {
			return r.id
		}
	}
	return name
}

// alarmExtras notes the alarm settings the scenario's alarms do not have.
func (b *builder) alarmExtras(r *resource, out *alarmOut) {
	t := b.t
	if n, ok := b.number(r, t.prop(r.props, "DatapointsToAlarm"), "DatapointsToAlarm"); ok && int(n) != out.a.EvaluationPeriods {
		out.comments = append(out.comments, fmt.Sprintf("DatapointsToAlarm %d of %d: a scenario alarm needs every period to breach", int(n), out.a.EvaluationPeriods))
	}
	if tm, _ := t.str(t.prop(r.props, "TreatMissingData")); tm != "" && tm != "notBreaching" && tm != "missing" {
		out.comments = append(out.comments, "TreatMissingData "+tm+": a scenario alarm treats missing data as not breaching")
	}
	if ds := items(t.prop(r.props, "Dimensions")); len(ds) > 0 && out.queue == "" {
		out.comments = append(out.comments, "its dimensions are dropped: the scenario emulates one API and one consumer")
	}
}
