package reports

import (
	"encoding/xml"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
)

// svgDoc is what a chart's SVG says: its texts and its paths (coordinates as gonum writes them,
// y up).
type svgDoc struct {
	texts []string
	paths []svgPath
}

type svgPath struct {
	style string
	pts   [][2]float64
}

func parseSVG(t *testing.T, b []byte) svgDoc {
	t.Helper()
	var doc svgDoc
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "text":
			var s string
			if err := dec.DecodeElement(&s, &el); err != nil {
				t.Fatal(err)
			}
			doc.texts = append(doc.texts, s)
		case "path":
			p := svgPath{}
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "style":
					p.style = a.Value
				case "d":
					p.pts = pathPoints(a.Value)
				}
			}
			doc.paths = append(doc.paths, p)
		}
	}
	return doc
}

// pathPoints reads the points of a path of M and L commands.
func pathPoints(d string) [][2]float64 {
	var pts [][2]float64
	for _, part := range strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' || r == 'Z' }) {
		x, y, ok := strings.Cut(part, ",")
		if !ok {
			continue
		}
		fx, _ := strconv.ParseFloat(x, 64)
		fy, _ := strconv.ParseFloat(y, 64)
		pts = append(pts, [2]float64{fx, fy})
	}
	return pts
}

// xTicks returns the x positions of the major ticks of the time axis: vertical black strokes
// 8 pt long, left to right.
func (d svgDoc) xTicks() []float64 {
	var xs []float64
	for _, p := range d.paths {
		if len(p.pts) == 2 && strings.Contains(p.style, "stroke:#000000") &&
			p.pts[0][0] == p.pts[1][0] && math.Abs(p.pts[1][1]-p.pts[0][1]-8) < 0.01 {
			xs = append(xs, p.pts[0][0])
		}
	}
	slices.Sort(xs)
	return xs
}

// spikeSeries is n seconds of 10 requests a second with a spike of 500 at second spike.
func spikeSeries(n, spike int) *metrics.Series {
	s := &metrics.Series{Columns: []string{"second", "offered", "attempts", "admitted", "gateway_throttled"}}
	for sec := range n {
		off, thr := 10.0, 0.0
		if sec == spike {
			off, thr = 500, 400
		}
		s.Rows = append(s.Rows, []float64{float64(sec), off, off, off - thr, thr})
	}
	return s
}

func chartNamed(t *testing.T, in Input, name string) *chart {
	t.Helper()
	for _, c := range buildCharts(in) {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no chart %q", name)
	return nil
}

// TestTrafficChartStructure draws a known spike and checks the SVG: title, axis labels,
// legend entries, the spike at the right second and the alarm's band over the right interval.
func TestTrafficChartStructure(t *testing.T) {
	in := Input{Summary: goldenSummary(), Series: spikeSeries(61, 42), Alarms: []AlarmResult{{
		Name: "spike", Metric: "offered",
		Transitions: []AlarmTransition{{At: 40 * time.Second, State: StateAlarm}, {At: 50 * time.Second, State: StateOK}}}}}
	b, err := chartNamed(t, in, "traffic").encode("svg")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, b)
	for _, want := range []string{"Traffic at the gateway", "time since start (s)", "requests per second",
		"offered (new requests)", "admitted", "429 (throttled + quota)", "alarm spike in ALARM", "0", "30", "60"} {
		if !slices.Contains(doc.texts, want) {
			t.Errorf("the chart has no text %q; texts: %q", want, doc.texts)
		}
	}
	ticks := doc.xTicks()
	if len(ticks) != 7 { // 0, 10, …, 60
		t.Fatalf("%d major x ticks, want 7: %v", len(ticks), ticks)
	}
	toSec := func(x float64) float64 { return (x - ticks[0]) / (ticks[6] - ticks[0]) * 60 }
	offered := doc.stroked(t, "stroke:#4E79A7;stroke-width:3")
	top := slices.MaxFunc(offered.pts, func(a, b [2]float64) int { return int(math.Copysign(1, a[1]-b[1])) })
	if got := toSec(top[0]); math.Abs(got-42) > 0.05 {
		t.Errorf("the offered spike is drawn at %.2f s, want 42 s", got)
	}
	band := doc.filled(t, "fill-opacity:0.18824") // colAlarm, alpha 0x30
	lo, hi := toSec(band.pts[0][0]), toSec(band.pts[1][0])
	if math.Abs(lo-40) > 0.05 || math.Abs(hi-50) > 0.05 {
		t.Errorf("the alarm band covers %.2f–%.2f s, want 40–50 s", lo, hi)
	}
}

// stroked returns the path drawn with style, failing when there is none.
func (d svgDoc) stroked(t *testing.T, style string) svgPath {
	t.Helper()
	for _, p := range d.paths {
		if strings.Contains(p.style, style) && len(p.pts) > 2 {
			return p
		}
	}
	t.Fatalf("no path with %q", style)
	return svgPath{}
}

// filled returns the first polygon filled with style.
func (d svgDoc) filled(t *testing.T, style string) svgPath {
	t.Helper()
	for _, p := range d.paths {
		if strings.Contains(p.style, style) && len(p.pts) >= 4 {
			return p
		}
	}
	t.Fatalf("no filled path with %q", style)
	return svgPath{}
}

func TestChartsModeBothDashesTheSimulation(t *testing.T) {
	in := Input{Summary: goldenSummary(), Series: spikeSeries(61, 42), SimSeries: spikeSeries(61, 43)}
	b, err := chartNamed(t, in, "traffic").encode("svg")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, b)
	if !slices.Contains(doc.texts, "offered (new requests) (sim)") {
		t.Errorf("no legend entry for the simulated series: %q", doc.texts)
	}
	if doc.stroked(t, "stroke:#4E79A7;stroke-width:3;stroke-dasharray:5,3").pts == nil {
		t.Error("the simulated series is not dashed")
	}
}

func TestChartsSkipWhatTheRunLacks(t *testing.T) {
	in := Input{Summary: goldenSummary(), Series: spikeSeries(61, 42)}
	var got []string
	for _, c := range buildCharts(in) {
		got = append(got, c.name)
	}
	// No queues, no concurrency, one client, no latency or downstream columns.
	if want := []string{"traffic", "latency-cdf"}; !slices.Equal(got, want) {
		t.Errorf("charts %q, want %q", got, want)
	}
	in = goldenInput(t)
	got = got[:0]
	for _, c := range buildCharts(in) {
		got = append(got, c.name)
	}
	want := []string{"traffic", "traffic-clients", "latency", "latency-cdf", "downstream", "queues", "concurrency"}
	if !slices.Equal(got, want) {
		t.Errorf("charts %q, want %q", got, want)
	}
}

func TestTimeAxisTicks(t *testing.T) {
	for _, tc := range []struct {
		rows   int
		bucket int
		label  string
		labels []string
	}{
		{121, 1, "time since start (s)", []string{"0", "15", "30", "45", "60", "75", "90", "105", "120"}},
		{600, 1, "time since start (m:ss)", []string{"0:00", "1:00", "2:00", "3:00", "4:00", "5:00", "6:00", "7:00", "8:00", "9:00", "10:00"}},
		{86700, 60, "time since start (h:mm) · one point per minute: the mean of rates, the peak of gauges and latencies",
			[]string{"0:00", "3:00", "6:00", "9:00", "12:00", "15:00", "18:00", "21:00", "24:00"}},
	} {
		a := newTimeAxis(tc.rows)
		var labels []string
		for _, tk := range a.Ticks(0, a.end) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if a.bucket != tc.bucket || a.label() != tc.label || !slices.Equal(labels, tc.labels) {
			t.Errorf("%d rows: bucket %d, label %q, ticks %q; want %d, %q, %q", tc.rows, a.bucket,
				a.label(), labels, tc.bucket, tc.label, tc.labels)
		}
	}
}

func TestLatencyChartGoesLogarithmicOverTwoDecades(t *testing.T) {
	s := &metrics.Series{Columns: []string{"second", "e2e_seconds_p50", "e2e_seconds_p99"}}
	for sec := range 60 {
		s.Rows = append(s.Rows, []float64{float64(sec), 0.01, 0.02 + float64(sec)})
	}
	in := Input{Summary: goldenSummary(), Series: s}
	c := chartNamed(t, in, "latency")
	if !c.panels[0].logY {
		t.Fatal("latency from 10ms to 59s is not drawn on a log axis")
	}
	b, err := c.encode("svg")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, b)
	for _, want := range []string{"end-to-end latency (log scale)", "10ms", "100ms", "1s", "10s", "1min"} {
		if !slices.Contains(doc.texts, want) {
			t.Errorf("the latency chart has no text %q; texts: %q", want, doc.texts)
		}
	}
}

func TestDownstreamChartDrawsQuotaTiers(t *testing.T) {
	b, err := chartNamed(t, goldenInput(t), "downstream").encode("svg")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, b)
	for _, want := range []string{"Calls to the downstream API (quota utilization 52.7 %)",
		"quota 20/1s (sliding)", "quota 50,000/24h (fixed) ≈ 0.579/s", "429", "5xx", "API outage (error 503)"} {
		if !slices.Contains(doc.texts, want) {
			t.Errorf("the downstream chart has no text %q; texts: %q", want, doc.texts)
		}
	}
}
