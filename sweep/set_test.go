package sweep

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// full has a field of every kind Set handles, and leaves out sections Set must allocate.
const full = `name: full
duration: 10s
mode: sim
clients:
  - name: c
    arrival: {shape: constant, rate: 10/s}
gateway:
  stage: {rate: 100, burst: 200}
  methods: {"POST /orders": {rate: 50, burst: 10}}
queues:
  - {name: q, visibility_timeout: 30s}
consumer: {pattern: concurrency, concurrency: 10}
downstream:
  quotas: [{limit: 10, per: 1s, window: sliding}]
  latency: {dist: pareto, min: 10ms, alpha: 2.5}
  errors: {rate: 0.01}
`

func load(t *testing.T, name, src string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadBytes(name+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestSetEveryKind(t *testing.T) {
	tests := []struct {
		path, value string
		get         func(*scenarios.Scenario) any
		want        any
	}{
		{"gateway.stage.rate", "6000/m", func(s *scenarios.Scenario) any { return s.Gateway.Stage.Rate }, scenarios.Rate(100)},
		{"gateway.stage.rate", "250", func(s *scenarios.Scenario) any { return s.Gateway.Stage.Rate }, scenarios.Rate(250)},
		{"gateway.stage.burst", "7", func(s *scenarios.Scenario) any { return s.Gateway.Stage.Burst }, 7},
		{"gateway.account.rate", "9/s", func(s *scenarios.Scenario) any { return s.Gateway.Account.Rate }, scenarios.Rate(9)},
		{`gateway.methods["POST /orders"].burst`, "3", func(s *scenarios.Scenario) any { return s.Gateway.Methods["POST /orders"].Burst }, 3},
		{"gateway.timeout", "5s", func(s *scenarios.Scenario) any { return *s.Gateway.Timeout }, scenarios.Duration(5 * time.Second)},
		{"clients[0].arrival.rate", "20/s", func(s *scenarios.Scenario) any { return *s.Clients[0].Arrival.Rate }, scenarios.Rate(20)},
		{"clients[0].arrival.peak", "1/ms", func(s *scenarios.Scenario) any { return *s.Clients[0].Arrival.Peak }, scenarios.Rate(1000)},
		{"clients[0].retry.max_attempts", "4", func(s *scenarios.Scenario) any { return s.Clients[0].Retry.MaxAttempts }, 4},
		{"queues[0].visibility_timeout", "1m30s", func(s *scenarios.Scenario) any { return *s.Queues[0].VisibilityTimeout }, scenarios.Duration(90 * time.Second)},
		{"queues[0].delay", "2s", func(s *scenarios.Scenario) any { return s.Queues[0].Delay }, scenarios.Duration(2 * time.Second)},
		{"consumer.concurrency", "25", func(s *scenarios.Scenario) any { return s.Consumer.Concurrency }, 25},
		{"consumer.pace", "5/s", func(s *scenarios.Scenario) any { return *s.Consumer.Pace }, scenarios.Rate(5)},
		{"downstream.quotas[0].limit", "42", func(s *scenarios.Scenario) any { return s.Downstream.Quotas[0].Limit }, int64(42)},
		{"downstream.quotas[0].per", "1d", func(s *scenarios.Scenario) any { return s.Downstream.Quotas[0].Per }, scenarios.Duration(24 * time.Hour)},
		{"downstream.errors.rate", "0.25", func(s *scenarios.Scenario) any { return s.Downstream.Errors.Rate }, 0.25},
		{"downstream.latency.alpha", "1.5", func(s *scenarios.Scenario) any { return *s.Downstream.Latency.Alpha }, 1.5},
		{"seed", "7", func(s *scenarios.Scenario) any { return *s.Seed }, int64(7)},
		{"duration", "2m", func(s *scenarios.Scenario) any { return s.Duration }, scenarios.Duration(2 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			sc := load(t, "full", full)
			if err := Set(sc, tt.path, tt.value); err != nil {
				t.Fatal(err)
			}
			if got := tt.get(sc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %v (%T), want %v (%T)", tt.path, got, got, tt.want, tt.want)
			}
		})
	}
}

func TestSetBadPaths(t *testing.T) {
	tests := []struct{ path, value, want string }{
		{"gateway.stge.rate", "1", `unknown field "stge" in gateway (did you mean "stage"?)`},
		{"gatway", "1", `unknown field "gatway" in the scenario (did you mean "gateway"?)`},
		{"gateway.zzzzzzzz", "1", `unknown field "zzzzzzzz" in gateway (known: `},
		{"gateway.stage", "1", "not a numeric field: name one of its fields (rate, burst)"},
		{"clients[0].name", "1", "not a numeric field (it holds a string)"},
		{"queues[0].fifo", "1", "not a numeric field (it holds a bool)"},
		{"clients[x].arrival.rate", "1", `clients is a list: index it with a number, not "x"`},
		{"clients[3].arrival.rate", "1", "clients[3]: clients has 1 entries"},
		{"gateway[0].stage.rate", "1", "gateway is not a list or map"},
		{`gateway.methods["GET /"].rate`, "1", `has no such key (keys: "POST /orders")`},
		{"gateway.stage.rate.x", "1", "gateway.stage.rate has no fields"},
		{"gateway..rate", "1", "empty field name"},
		{"gateway.stage.rate", "fast", `"fast" is not a rate`},
		{"consumer.concurrency", "2.5", `"2.5" is not a whole number`},
		{"queues[0].visibility_timeout", "30", `"30" is not a duration`},
		{"downstream.errors.rate", "NaN", `"NaN" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			sc := load(t, "full", full)
			before := load(t, "full", full)
			err := Set(sc, tt.path, tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Set(%s, %s) = %v, want an error containing %q", tt.path, tt.value, err, tt.want)
			}
			if strings.Contains(tt.want, "known") && !reflect.DeepEqual(sc, before) {
				t.Error("an unknown path changed the scenario")
			}
		})
	}
}

func TestSetAllocatesMissingSections(t *testing.T) {
	sc := load(t, "bare", `name: bare
duration: 10s
clients:
  - name: c
    arrival: {shape: constant, rate: 10/s}
downstream:
  latency: {dist: fixed, value: 10ms}
`)
	if err := Set(sc, "gateway.stage.rate", "300/s"); err != nil {
		t.Fatal(err)
	}
	if sc.Gateway == nil || sc.Gateway.Stage == nil || sc.Gateway.Stage.Rate != 300 {
		t.Fatalf("gateway = %+v", sc.Gateway)
	}
}

func TestParseAxis(t *testing.T) {
	tests := []struct {
		spec string
		kind Kind
		want []float64
	}{
		{"gateway.stage.rate=100..500:100", KindRate, []float64{100, 200, 300, 400, 500}},
		{"gateway.stage.rate=60/m..180/m:1/s", KindRate, []float64{1, 2, 3}},
		{"gateway.stage.burst=0..10:4", KindInt, []float64{0, 4, 8}},
		{"queues[0].visibility_timeout=10s..1m:10s", KindDuration, []float64{10, 20, 30, 40, 50, 60}},
		{"downstream.errors.rate=0.1..0.5:0.1", KindFloat, []float64{0.1, 0.2, 0.3, 0.4, 0.5}},
		{"consumer.concurrency=5,10,20", KindInt, []float64{5, 10, 20}},
		{"consumer.concurrency=5", KindInt, []float64{5}},
	}
	for _, tt := range tests {
		a, err := ParseAxis(tt.spec)
		if err != nil {
			t.Errorf("%s: %v", tt.spec, err)
			continue
		}
		if a.Kind != tt.kind || !reflect.DeepEqual(a.Values, tt.want) {
			t.Errorf("%s = %v %v, want %v %v", tt.spec, a.Kind, a.Values, tt.kind, tt.want)
		}
	}
	for _, bad := range []string{"gateway.stage.rate", "gateway.stage.rate=500..100:100",
		"gateway.stage.rate=100..500", "gateway.stage.rate=100..500:0", "gateway.stage.burst=0..10:2.5",
		"nope=1..2:1", "gateway.stage.rate=0..1e9:1"} {
		if _, err := ParseAxis(bad); err == nil {
			t.Errorf("ParseAxis(%q) did not fail", bad)
		}
	}
}

func TestGridOrder(t *testing.T) {
	g, err := Grid([]Axis{{Values: []float64{1, 2}}, {Values: []float64{10, 20, 30}}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{1, 10}, {1, 20}, {1, 30}, {2, 10}, {2, 20}, {2, 30}}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("grid = %v", g)
	}
}

func TestFormatDuration(t *testing.T) {
	for v, want := range map[float64]string{21600: "6h", 5400: "1h30m", 60: "1m", 90: "1m30s", 0.09: "90ms", 3601: "1h0m1s", 0: "0s"} {
		if got := FormatValue(KindDuration, v); got != want {
			t.Errorf("FormatValue(%v s) = %q, want %q", v, got, want)
		}
	}
}
