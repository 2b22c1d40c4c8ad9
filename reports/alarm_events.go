package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// alarmEvent is an incident a scenario schedules: the start of a client's burst or of a
// downstream outage. Neither is a column of series.csv, so the scenario is read for them.
type alarmEvent struct {
	at   time.Duration
	what string // "the burst of client \"partner\""
}

// alarmEvents lists the scenario's bursts and outages by start time.
func alarmEvents(sc *scenarios.Scenario) []alarmEvent {
	if sc == nil {
		return nil
	}
	var evs []alarmEvent
	for _, c := range sc.Clients {
		if c.Arrival.Shape == "burst" && c.Arrival.At != nil {
			evs = append(evs, alarmEvent{at: c.Arrival.At.D(), what: fmt.Sprintf("the burst of client %q", c.Name)})
		}
	}
	if sc.Downstream != nil {
		for _, o := range sc.Downstream.Outages {
			evs = append(evs, alarmEvent{at: o.At.D(), what: fmt.Sprintf("the downstream %s outage", o.Mode)})
		}
	}
	slices.SortStableFunc(evs, func(a, b alarmEvent) int { return cmp.Compare(a.at, b.at) })
	return evs
}

// latencyAfter is how long after an event at `at` the alarm went to ALARM: 0 with already set
// when it was in ALARM when the event began, ok false when it never went to ALARM afterwards.
// A transition exactly at `at` ends a period before the event, so it counts as already.
func (r AlarmResult) latencyAfter(at time.Duration) (d time.Duration, already, ok bool) {
	state := StateOK
	for _, t := range r.Transitions {
		if t.At <= at {
			state = t.State
			continue
		}
		if state == StateAlarm {
			return 0, true, true
		}
		if t.State == StateAlarm {
			return t.At - at, false, true
		}
	}
	return 0, state == StateAlarm, state == StateAlarm
}

// AlarmLatencies says, for every evaluated alarm and every burst (clients[].arrival with
// shape burst) and downstream outage of the scenario, how long after the incident began the
// alarm fired — seed 001's "alerted within 1 minute", made checkable:
//
//	alarm "throttling" fired 1m0s after the burst of client "partner" began at 30s
//
// An alarm whose metric was not in the series (nil Transitions) is left out.
func AlarmLatencies(sc *scenarios.Scenario, rs []AlarmResult) []string {
	var out []string
	evs := alarmEvents(sc)
	for _, r := range rs {
		if r.Transitions == nil {
			continue
		}
		for _, ev := range evs {
			d, already, ok := r.latencyAfter(ev.at)
			switch {
			case already:
				out = append(out, fmt.Sprintf("alarm %q was already in ALARM when %s began at %s", r.Name, ev.what, ev.at))
			case ok:
				out = append(out, fmt.Sprintf("alarm %q fired %s after %s began at %s", r.Name, d, ev.what, ev.at))
			default:
				out = append(out, fmt.Sprintf("alarm %q did not fire after %s began at %s", r.Name, ev.what, ev.at))
			}
		}
	}
	return out
}

// AlarmMetrics turns alarm results into flat summary metrics that thresholds can check, for
// every alarm that could be evaluated (its metric was in the series):
//
//   - alarm.NAME.fired_total: how many times it went to ALARM;
//   - alarm.NAME.first_fired_seconds: when it first did, from the run's start (only if it fired);
//   - alarm.NAME.seconds_after_event: from the start of the scenario's earliest burst or outage
//     to the first time it went to ALARM after it, 0 if it was already in ALARM (only when the
//     scenario has a burst or outage and the alarm fired after it).
//
// An alarm that never fired has no first_fired_seconds, so a threshold such as
// "alarm.throttling.seconds_after_event <= 60" fails for it. NAME is the alarm's name with
// every character other than letters, digits, _, - and . replaced by _, as threshold metric
// names allow.
func AlarmMetrics(sc *scenarios.Scenario, rs []AlarmResult) map[string]float64 {
	m := map[string]float64{}
	evs := alarmEvents(sc)
	for _, r := range rs {
		if r.Transitions == nil {
			continue
		}
		p := "alarm." + AlarmMetricName(r.Name) + "."
		fired := 0
		for _, t := range r.Transitions {
			if t.State == StateAlarm {
				fired++
			}
		}
		m[p+"fired_total"] = float64(fired)
		if first := r.FirstFired(); first >= 0 {
			m[p+"first_fired_seconds"] = first.Seconds()
		}
		if len(evs) > 0 {
			if d, _, ok := r.latencyAfter(evs[0].at); ok {
				m[p+"seconds_after_event"] = d.Seconds()
			}
		}
	}
	return m
}

// AlarmMetricName is an alarm's name as it appears in metric names (SafeName).
func AlarmMetricName(name string) string { return SafeName(name) }

// SafeName keeps letters, digits, _, - and . of s and replaces anything else by _ (metrics.SafeName).
func SafeName(s string) string { return metrics.SafeName(s) }

// writeAlarms prints the text summary's alarm line from the alarm.* metrics, if any.
func writeAlarms(w io.Writer, m map[string]float64) {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		name, ok := strings.CutPrefix(k, "alarm.")
		if !ok {
			continue
		}
		if name, ok = strings.CutSuffix(name, ".fired_total"); !ok {
			continue
		}
		p := "alarm." + name + "."
		if m[k] == 0 {
			parts = append(parts, name+" never fired")
			continue
		}
		s := fmt.Sprintf("%s fired %s× (first at %s", name, count(m[k]), secs(m[p+"first_fired_seconds"]))
		if d, ok := m[p+"seconds_after_event"]; ok {
			s += fmt.Sprintf(", %s after the first burst or outage", secs(d))
		}
		parts = append(parts, s+")")
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "  alarms      %s\n", strings.Join(parts, " · "))
	}
}
