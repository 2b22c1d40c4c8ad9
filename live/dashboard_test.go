package live

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"

	"github.com/throttlelab/throttlelab/engine"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// exported gathers every family the exporter can send, from a read-out with a client, a
// queue and a Lambda function, through a pedantic registry (which checks each metric
// against the descriptions the collector gave); it returns the families by name.
func exported(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	x := newExporter("test")
	x.live.Store(&metrics.Live{At: 3 * time.Second, Closed: 3 * time.Second,
		Clients: []metrics.LiveClient{{Name: "c", Priority: "normal", Offered: 3}},
		Queues:  []metrics.LiveQueue{{Name: "q", Sent: 2, Gauge: metrics.QueueGauge{Visible: 1}}},
		Ledger:  metrics.LiveLedger{Offered: 3, Rejected: map[string]int64{"throttled": 1}, Failed: map[string]int64{"dead_lettered": 0}},
		Lambda:  &metrics.LiveLambda{Invocations: 2, Duration: time.Second}})
	x.gw.served(&statusWriter{status: 429}, time.Now())
	x.gw.answered(engine.Answer{Kind: engine.Done, Reply: model.Reply{Latency: 20 * time.Millisecond}})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(x)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		byName[mf.GetName()] = mf
	}
	return byName
}

// family resolves a name a query uses to the family it reads and says whether the query
// reads a counter's value (a counter, or a histogram's or summary's bucket, sum or count).
func family(fams map[string]*dto.MetricFamily, name string) (mf *dto.MetricFamily, counter bool) {
	if mf := fams[name]; mf != nil {
		return mf, mf.GetType() == dto.MetricType_COUNTER
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		mf := fams[strings.TrimSuffix(name, suffix)]
		if mf == nil || !strings.HasSuffix(name, suffix) {
			continue
		}
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM:
			return mf, true
		case dto.MetricType_SUMMARY:
			return mf, suffix != "_bucket"
		}
	}
	return nil, false
}

type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct{ Name, Type string } `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID      int                      `json:"id"`
		Type    string                   `json:"type"`
		Title   string                   `json:"title"`
		GridPos struct{ H, W, X, Y int } `json:"gridPos"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

var (
	metricName = regexp.MustCompile(`\bthrottlelab_[a-z0-9_]+`)
	rateOf     = regexp.MustCompile(`\b(?:rate|irate|increase)\((throttlelab_[a-z0-9_]+)`)
)

// The Grafana dashboard in docs/ is a dashboard Grafana imports (a title, a uid, panels
// with ids, places on the 24-column grid and queries) whose every query reads families the
// exporter sends, takes rates of counters only, and is well bracketed.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("../docs/grafana/throttlelab.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("docs/grafana/throttlelab.json: %v", err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 || len(d.Panels) < 10 {
		t.Errorf("uid %q, title %q, schemaVersion %d, %d panels", d.UID, d.Title, d.SchemaVersion, len(d.Panels))
	}
	if len(d.Templating.List) == 0 || d.Templating.List[0].Type != "datasource" {
		t.Error("no Prometheus data source variable")
	}
	fams := exported(t)
	ids, queried := map[int]bool{}, map[string]bool{}
	for _, p := range d.Panels {
		g := p.GridPos
		if ids[p.ID] || p.Title == "" || g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %d %q: duplicate id, no title or off the grid (%+v)", p.ID, p.Title, g)
		}
		ids[p.ID] = true
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkQuery(t, fams, p.Title, q.Expr, queried)
		}
	}
	for _, cw := range []string{"apigateway_requests_total", "apigateway_latency_seconds", "sqs_messages_visible",
		"lambda_invocations_total", "lambda_concurrent_executions", "downstream_quota_utilization_ratio",
		"breaker_open", "requests_lost"} {
		if !queried[ns+cw] {
			t.Errorf("the dashboard shows no %s", ns+cw)
		}
	}
}

func checkQuery(t *testing.T, fams map[string]*dto.MetricFamily, panel, expr string, queried map[string]bool) {
	t.Helper()
	names := metricName.FindAllString(expr, -1)
	if len(names) == 0 {
		t.Errorf("panel %q: %q reads no throttlelab metric", panel, expr)
	}
	for _, n := range names {
		mf, _ := family(fams, n)
		if mf == nil {
			t.Errorf("panel %q: %s is not a metric the exporter sends", panel, n)
			continue
		}
		queried[mf.GetName()] = true
	}
	for _, m := range rateOf.FindAllStringSubmatch(expr, -1) {
		if _, counter := family(fams, m[1]); !counter {
			t.Errorf("panel %q: a rate of %s, which is not a counter", panel, m[1])
		}
	}
	depth := 0
	for _, r := range expr {
		switch r {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		}
		if depth < 0 {
			break
		}
	}
	if depth != 0 {
		t.Errorf("panel %q: unbalanced brackets in %q", panel, expr)
	}
}

// docs/metrics.md names every family the exporter sends, and nothing else.
func TestMetricsDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := metricName.FindAllString(string(b), -1)
	fams := exported(t)
	for name := range fams {
		if !slices.Contains(documented, name) {
			t.Errorf("docs/metrics.md does not name %s", name)
		}
	}
	for _, n := range documented {
		if mf, _ := family(fams, n); mf == nil {
			t.Errorf("docs/metrics.md names %s, which the exporter does not send", n)
		}
	}
}
