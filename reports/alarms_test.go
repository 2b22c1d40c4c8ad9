package reports

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// alarmSeries builds a series with one column "m" whose value at second i is vs[i].
func alarmSeries(vs ...float64) *metrics.Series {
	s := &metrics.Series{Columns: []string{"second", "m"}}
	for i, v := range vs {
		s.Rows = append(s.Rows, []float64{float64(i), v})
	}
	return s
}

// repeat returns n copies of v.
func alarmRepeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func alarmCat(parts ...[]float64) []float64 {
	var out []float64
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func testAlarm(stat, cmp string, threshold float64, period time.Duration, n int) scenarios.Alarm {
	return scenarios.Alarm{Name: "a", Metric: "m", Stat: stat, Comparison: cmp, Threshold: threshold,
		Period: scenarios.Duration(period), EvaluationPeriods: n}
}

func alarmTr(at time.Duration, state string) AlarmTransition {
	return AlarmTransition{At: at, State: state}
}

func TestEvaluateAlarms(t *testing.T) {
	s := time.Second
	ramp := make([]float64, 200) // 1, 2, …, 200
	for i := range ramp {
		ramp[i] = float64(i + 1)
	}
	tests := []struct {
		name   string
		alarm  scenarios.Alarm
		values []float64
		want   []AlarmTransition
	}{
		{"sum fires at the end of the breaching period and clears at the next",
			testAlarm("sum", ">", 100, 5*s, 1), alarmCat(alarmRepeat(0, 5), alarmRepeat(30, 5), alarmRepeat(0, 5)),
			[]AlarmTransition{alarmTr(10*s, StateAlarm), alarmTr(15*s, StateOK)}},
		{"sum equal to the threshold does not breach >",
			testAlarm("sum", ">", 150, 5*s, 1), alarmCat(alarmRepeat(0, 5), alarmRepeat(30, 5)), []AlarmTransition{}},
		{"sum equal to the threshold breaches >=",
			testAlarm("sum", ">=", 150, 5*s, 1), alarmCat(alarmRepeat(0, 5), alarmRepeat(30, 5)),
			[]AlarmTransition{alarmTr(10*s, StateAlarm)}},
		{"two evaluation periods need two breaching periods in a row",
			testAlarm("sum", ">", 10, 2*s, 2), alarmCat(alarmRepeat(9, 2), alarmRepeat(0, 2), alarmRepeat(9, 4), alarmRepeat(0, 2)),
			[]AlarmTransition{alarmTr(8*s, StateAlarm), alarmTr(10*s, StateOK)}},
		{"one breaching period is not enough for two",
			testAlarm("sum", ">", 10, 2*s, 2), alarmCat(alarmRepeat(9, 2), alarmRepeat(0, 2), alarmRepeat(9, 2)), []AlarmTransition{}},
		{"average below a threshold",
			testAlarm("average", "<", 0.5, 4*s, 1), []float64{1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1},
			[]AlarmTransition{alarmTr(8*s, StateAlarm), alarmTr(12*s, StateOK)}},
		{"max at or below",
			testAlarm("max", "<=", 2, 3*s, 1), []float64{5, 1, 1, 1, 2, 0, 1, 3, 1},
			[]AlarmTransition{alarmTr(6*s, StateAlarm), alarmTr(9*s, StateOK)}},
		{"p99 of fewer than 100 seconds is their largest value",
			testAlarm("p99", ">=", 99, 99*s, 1), ramp[:99], []AlarmTransition{alarmTr(99*s, StateAlarm)}},
		{"p99 of 100 seconds is the 99th smallest value",
			testAlarm("p99", ">", 99, 100*s, 1), ramp[:100], []AlarmTransition{}},
		{"p99 of 200 seconds is the 198th smallest value",
			testAlarm("p99", ">", 198, 200*s, 1), ramp, []AlarmTransition{}},
		{"p99 of 200 seconds reaches 198",
			testAlarm("p99", ">=", 198, 200*s, 1), ramp, []AlarmTransition{alarmTr(200*s, StateAlarm)}},
		{"a last period cut short is evaluated on the seconds it has, ending at its full length",
			testAlarm("sum", ">", 5, 5*s, 1), alarmCat(alarmRepeat(0, 5), alarmRepeat(3, 2)),
			[]AlarmTransition{alarmTr(10*s, StateAlarm)}},
		{"it starts OK and never fires on calm data",
			testAlarm("max", ">", 0, 5*s, 1), alarmRepeat(0, 20), []AlarmTransition{}},
		{"an empty series never fires", testAlarm("sum", ">", 0, 5*s, 1), nil, []AlarmTransition{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := EvaluateAlarms([]scenarios.Alarm{tc.alarm}, alarmSeries(tc.values...))
			if len(rs) != 1 {
				t.Fatalf("got %d results, want 1", len(rs))
			}
			if !reflect.DeepEqual(rs[0].Transitions, tc.want) {
				t.Errorf("transitions = %v, want %v", rs[0].Transitions, tc.want)
			}
			if len(rs[0].Findings) != 1 {
				t.Errorf("findings = %q, want one", rs[0].Findings)
			}
		})
	}
}

func TestEvaluateAlarmsFindings(t *testing.T) {
	a := testAlarm("sum", ">", 100, 5*time.Second, 1)
	a.Name = "throttling"
	rs := EvaluateAlarms([]scenarios.Alarm{a}, alarmSeries(alarmCat(alarmRepeat(30, 10), alarmRepeat(0, 5), alarmRepeat(30, 5))...))
	want := `alarm "throttling" (sum of m over 5s > 100 for 1 period) fired 2 times, at 5s and 20s; cleared at 15s; still in ALARM when the run ended`
	if got := rs[0].Findings; len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q\nwant %q", got, want)
	}
	a.Threshold = 1000
	rs = EvaluateAlarms([]scenarios.Alarm{a}, alarmSeries(alarmRepeat(30, 10)...))
	want = `alarm "throttling" (sum of m over 5s > 1000 for 1 period) never fired in 2 periods; the closest period's value was 150`
	if got := rs[0].Findings; len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q\nwant %q", got, want)
	}
}

func TestEvaluateAlarmsMissingMetric(t *testing.T) {
	a := testAlarm("sum", ">", 1, time.Second, 1)
	a.Metric = "gateway_throttled"
	rs := EvaluateAlarms([]scenarios.Alarm{a}, alarmSeries(5, 5))
	if rs[0].Transitions != nil {
		t.Errorf("transitions = %v, want nil", rs[0].Transitions)
	}
	if len(rs[0].Findings) != 1 || !strings.Contains(rs[0].Findings[0], `"gateway_throttled", which is not a series of this run`) {
		t.Errorf("findings = %q", rs[0].Findings)
	}
	if m := AlarmMetrics(nil, rs); len(m) != 0 {
		t.Errorf("metrics of an alarm that was not evaluated = %v, want none", m)
	}
}

// incidentScenario has a burst at 30s and a downstream outage at 2m.
func incidentScenario() *scenarios.Scenario {
	at := scenarios.Duration(30 * time.Second)
	return &scenarios.Scenario{
		Clients: []scenarios.Client{
			{Name: "steady", Arrival: scenarios.Arrival{Shape: "constant"}},
			{Name: "partner", Arrival: scenarios.Arrival{Shape: "burst", At: &at}},
		},
		Downstream: &scenarios.Downstream{Outages: []scenarios.Outage{
			{At: scenarios.Duration(2 * time.Minute), For: scenarios.Duration(time.Minute), Mode: "error"}}},
	}
}

func TestAlarmLatenciesAndMetrics(t *testing.T) {
	m := time.Minute
	rs := []AlarmResult{
		{Name: "throttling", Transitions: []AlarmTransition{alarmTr(m+30*time.Second, StateAlarm), alarmTr(3*m, StateOK)}},
		{Name: "errors high", Transitions: []AlarmTransition{alarmTr(m, StateAlarm), alarmTr(2*m+30*time.Second, StateOK), alarmTr(3*m, StateAlarm)}},
		{Name: "quiet", Transitions: []AlarmTransition{}},
		{Name: "unevaluated"},
	}
	got := AlarmLatencies(incidentScenario(), rs)
	want := []string{
		`alarm "throttling" fired 1m0s after the burst of client "partner" began at 30s`,
		`alarm "throttling" was already in ALARM when the downstream error outage began at 2m0s`,
		`alarm "errors high" fired 30s after the burst of client "partner" began at 30s`,
		`alarm "errors high" was already in ALARM when the downstream error outage began at 2m0s`,
		`alarm "quiet" did not fire after the burst of client "partner" began at 30s`,
		`alarm "quiet" did not fire after the downstream error outage began at 2m0s`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AlarmLatencies =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantM := map[string]float64{
		"alarm.throttling.fired_total": 1, "alarm.throttling.first_fired_seconds": 90,
		"alarm.throttling.seconds_after_event": 60,
		"alarm.errors_high.fired_total":        2, "alarm.errors_high.first_fired_seconds": 60,
		"alarm.errors_high.seconds_after_event": 30,
		"alarm.quiet.fired_total":               0,
	}
	if gotM := AlarmMetrics(incidentScenario(), rs); !reflect.DeepEqual(gotM, wantM) {
		t.Errorf("AlarmMetrics = %v\nwant %v", gotM, wantM)
	}
	if gotM := AlarmMetrics(&scenarios.Scenario{}, rs[:1]); gotM["alarm.throttling.first_fired_seconds"] != 90 || len(gotM) != 2 {
		t.Errorf("AlarmMetrics without incidents = %v, want fired_total and first_fired_seconds only", gotM)
	}
}

func TestLatencyAfterTransitionAtTheEvent(t *testing.T) {
	// A transition exactly when the burst begins ends a period before it.
	r := AlarmResult{Transitions: []AlarmTransition{alarmTr(30*time.Second, StateAlarm)}}
	if d, already, ok := r.latencyAfter(30 * time.Second); d != 0 || !already || !ok {
		t.Errorf("latencyAfter = %v, %v, %v; want 0, already, ok", d, already, ok)
	}
}

func TestWriteTextAlarms(t *testing.T) {
	var b bytes.Buffer
	writeAlarms(&b, map[string]float64{
		"alarm.throttling.fired_total": 1, "alarm.throttling.first_fired_seconds": 90,
		"alarm.throttling.seconds_after_event": 60, "alarm.quiet.fired_total": 0, "completed_total": 3,
	})
	want := "  alarms      quiet never fired · throttling fired 1× (first at 1m30s, 1m0s after the first burst or outage)\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestEvaluateAlarmThresholdNeverFired(t *testing.T) {
	s := &metrics.Summary{Metrics: map[string]float64{"alarm.throttling.fired_total": 0}}
	rs := Evaluate(s, []string{"alarm.throttling.seconds_after_event <= 60", "alarm.throttling.fired_total == 0"})
	if rs[0].OK || rs[0].Error != `alarm "throttling" never fired, so the summary has no "alarm.throttling.seconds_after_event"` {
		t.Errorf("threshold on an alarm that never fired = %+v", rs[0])
	}
	if !rs[1].OK {
		t.Errorf("fired_total == 0 = %+v, want it to hold", rs[1])
	}
}
