package cfnimport

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
)

// importFile imports testdata/name and checks that the output loads as a scenario (with its
// defaults applied, as LoadBytes does).
func importFile(t *testing.T, name string) (*Result, *scenarios.Scenario) {
	t.Helper()
	path := filepath.Join("testdata", name)
	res, err := ImportFile(path, Options{})
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	if testing.Verbose() {
		t.Logf("%s:\n%s", name, res.YAML)
	}
	sc, err := scenarios.LoadBytes(res.Name+".yaml", res.YAML)
	if err != nil {
		t.Fatalf("the scenario imported from %s does not load: %v\n%s", name, err, res.YAML)
	}
	return res, sc
}

// runs checks that a scenario runs in the simulator with nothing lost. The load is offered for
// 20 s rather than the imported 2 m, to keep the test short.
func runs(t *testing.T, sc *scenarios.Scenario) {
	t.Helper()
	sc.Duration = scenarios.Duration(20 * time.Second)
	res, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		t.Fatalf("sim.Run: %v", err)
	}
	m := res.Summary.Metrics
	if m["offered_total"] == 0 {
		t.Errorf("offered_total = 0: the clients offered nothing")
	}
	if m["lost_total"] != 0 {
		t.Errorf("lost_total = %v, want 0", m["lost_total"])
	}
}

func TestEveryTestdataTemplateImportsAndRuns(t *testing.T) {
	for _, f := range fixtureRoots(t) {
		t.Run(f, func(t *testing.T) {
			_, sc := importFile(t, strings.TrimPrefix(f, "testdata/"))
			runs(t, sc)
		})
	}
}

// Seed 001's stack written with real CloudFormation properties: the acceptance test of the
// importer.
func TestSeed001Limits(t *testing.T) {
	res, sc := importFile(t, "seed001.yaml")
	g := sc.Gateway
	if g == nil || g.Stage == nil || *g.Stage != (scenarios.Bucket{Rate: 2000, Burst: 5000}) {
		t.Fatalf("gateway.stage = %+v, want 2000/5000", g)
	}
	if !g.APIKeyRequired || g.Integration != "direct" {
		t.Errorf("api_key_required %v integration %q, want true, direct", g.APIKeyRequired, g.Integration)
	}
	basic := planNamed(t, sc, "BasicTier")
	if *basic.Throttle != (scenarios.Bucket{Rate: 500, Burst: 1000}) {
		t.Errorf("BasicTier throttle = %+v, want 500/1000", *basic.Throttle)
	}
	if q := basic.Quota; q == nil || q.Limit != 1_000_000 || q.Period != "day" || q.Offset != 0 {
		t.Errorf("BasicTier quota = %+v, want 1,000,000 a day", q)
	}
	premium := planNamed(t, sc, "PremiumTier")
	if *premium.Throttle != (scenarios.Bucket{Rate: 2000, Burst: 5000}) || premium.Quota.Limit != 100_000_000 {
		t.Errorf("PremiumTier = %+v %+v, want 2000/5000 and 100,000,000 a day", *premium.Throttle, *premium.Quota)
	}
	if len(premium.Keys) != 1 || premium.Keys[0] != "consumer-acme-corp" {
		t.Errorf("PremiumTier keys = %v, want [consumer-acme-corp]", premium.Keys)
	}
	if c := client(t, sc, "consumer-acme-corp"); c.APIKey != "consumer-acme-corp" || c.Path != "/orders" || c.Method != "POST" {
		t.Errorf("ACME's client = %+v, want key consumer-acme-corp on POST /orders", c)
	}
	if len(sc.Alarms) != 1 || sc.Alarms[0].Metric != "gateway_throttled" || sc.Alarms[0].Threshold != 100 ||
		sc.Alarms[0].Period.D() != 5*time.Minute || sc.Alarms[0].Comparison != ">" {
		t.Errorf("alarms = %+v, want the 429 alarm on gateway_throttled", sc.Alarms)
	}
	mustContain(t, res.YAML, "offered load is a placeholder: set the rate you expect",
		"# not mapped: HighLatencyAlarm", "description: >-\n  Imported from seed001.yaml")
}

// Seed 001 as the post writes it: ThrottleSettings on the Stage and inside a MethodSetting.
func TestSeed001ThrottleSettingsForm(t *testing.T) {
	res, sc := importFile(t, "seed001-as-written.yaml")
	if s := sc.Gateway.Stage; s == nil || *s != (scenarios.Bucket{Rate: 2000, Burst: 5000}) {
		t.Fatalf("gateway.stage = %+v, want 2000/5000", s)
	}
	if q := planNamed(t, sc, "BasicTier").Quota; q.Limit != 1_000_000 || q.Period != "day" {
		t.Errorf("BasicTier quota = %+v", q)
	}
	mustContain(t, res.YAML, "ThrottleSettings is not a property of AWS::ApiGateway::Stage",
		"ThrottleSettings is not a MethodSetting property", "basic-tier-key is a placeholder")
}

func TestSAMFunctionWithSQSEvent(t *testing.T) {
	res, sc := importFile(t, "sam-sqs.yaml")
	c := sc.Consumer
	if c == nil || c.Pattern != "concurrency" || c.Concurrency != 10 || c.BatchSize != 10 ||
		c.Timeout.D() != time.Minute || c.MemoryMB != 256 {
		t.Fatalf("consumer = %+v, want concurrency min(20, 10), batch 10, timeout 1m, 256 MB", c)
	}
	if len(sc.Queues) != 1 {
		t.Fatalf("queues = %+v, want orders alone (the DLQ is not a work queue)", sc.Queues)
	}
	if q := sc.Queues[0]; q.Name != "orders" || q.MaxReceiveCount != 5 || q.VisibilityTimeout.D() != 2*time.Minute {
		t.Errorf("queue = %+v, want orders (QueueName ${AWS::StackName}-orders), 5 receives, 2m visibility", q)
	}
	g := sc.Gateway
	if *g.Stage != (scenarios.Bucket{Rate: 1000, Burst: 2000}) || g.Methods["GET /orders"] != (scenarios.Bucket{Rate: 100, Burst: 200}) {
		t.Errorf("stage %+v methods %+v, want 1000/2000 (Fn::If on the default) and GET /orders 100/200", *g.Stage, g.Methods)
	}
	p := planNamed(t, sc, "partners")
	if p.Quota.Period != "week" || p.Quota.Offset != 1 || p.Keys[0] != "OrdersApiApiKey" {
		t.Errorf("plan = %+v quota %+v, want a weekly quota with offset 1 on SAM's key", p, *p.Quota)
	}
	mustContain(t, res.YAML, "BatchSize 25 capped", "min(ReservedConcurrentExecutions 20, ScalingConfig.MaximumConcurrency 10)",
		"MaximumBatchingWindowInSeconds 5 is not modelled", "QueueName !Sub ${AWS::StackName}-orders: what cannot be resolved is left out")
}

func TestJSONTemplate(t *testing.T) {
	res, sc := importFile(t, "stack.json")
	if res.Name != "stack" || *sc.Gateway.Stage != (scenarios.Bucket{Rate: 800, Burst: 1600}) {
		t.Errorf("name %q stage %+v, want stack, 800/1600", res.Name, sc.Gateway.Stage)
	}
	p := planNamed(t, sc, "gold-plan")
	if *p.Throttle != (scenarios.Bucket{Rate: 200, Burst: 400}) || p.Quota.Limit != 20000 || p.Quota.Period != "month" {
		t.Errorf("gold-plan = %+v %+v, want Fn::FindInMap's 200/400 and 20,000 a month", *p.Throttle, *p.Quota)
	}
	if p.Methods["GET /items"] != (scenarios.Bucket{Rate: 20, Burst: 40}) {
		t.Errorf("gold-plan methods = %+v, want GET /items 20/40 from ApiStages Throttle /items/GET", p.Methods)
	}
	if c := sc.Clients[0]; c.Method != "GET" || c.Path != "/items" || c.APIKey != "PartnerKey" {
		t.Errorf("client = %+v, want GET /items with PartnerKey", c)
	}
	mustContain(t, res.YAML, "# not mapped: OtherKey (AWS::ApiGateway::ApiKey, line 76): API key orphan is on no usage plan")
}

func TestSQSIntegration(t *testing.T) {
	res, sc := importFile(t, "sqs-integration.yaml")
	g := sc.Gateway
	if g.Integration != "queue" || g.Queue != "orders" {
		t.Fatalf("integration %q queue %q, want queue, orders", g.Integration, g.Queue)
	}
	if len(sc.Queues) != 1 {
		t.Fatalf("queues = %+v, want one (the dead-letter queue is max_receive_count)", sc.Queues)
	}
	q := sc.Queues[0]
	if !q.FIFO || !q.ContentDedup || q.Delay.D() != 5*time.Second || q.Retention.D() != 96*time.Hour || q.MaxReceiveCount != 3 {
		t.Errorf("queue = %+v", q)
	}
	if g.Methods["POST /orders"] != (scenarios.Bucket{Rate: 300, Burst: 600}) {
		t.Errorf("methods = %+v, want POST /orders 300/600 from ResourcePath /~1orders", g.Methods)
	}
	if c := sc.Consumer; c.Concurrency != 5 || c.BatchSize != 10 || c.MemoryMB != 1024 {
		t.Errorf("consumer = %+v", c)
	}
	if len(sc.Alarms) != 1 || sc.Alarms[0].Metric != "queue.orders.depth" || sc.Alarms[0].Stat != "max" {
		t.Errorf("alarms = %+v, want the backlog alarm on queue.orders.depth", sc.Alarms)
	}
	mustContain(t, res.YAML, "PostOrders sends requests to SQS", "DatapointsToAlarm 2 of 3")
}

func TestHTTPAPISendsToSQS(t *testing.T) {
	_, sc := importFile(t, "http-api.yaml")
	g := sc.Gateway
	if g.Integration != "queue" || g.Queue != "jobs" || *g.Stage != (scenarios.Bucket{Rate: 500, Burst: 1000}) {
		t.Errorf("gateway = %+v, want queue jobs and stage 500/1000", g)
	}
	if b := g.Methods["POST /orders"]; b.Rate != 200 {
		t.Errorf("POST /orders = %+v, want rate 200", b)
	}
}

func TestUnmappedThingsAreListedAtTheTop(t *testing.T) {
	res, sc := importFile(t, "unmapped.yaml")
	top, _, _ := bytes.Cut(res.YAML, []byte("\nname:"))
	notes := strings.Join(res.NotMapped, "\n")
	for _, want := range []string{
		"Workflow (AWS::StepFunctions::StateMachine", "WAF rate-based rule per-ip (2000 requests per 300 s per IP)",
		"QuotaTable (AWS::DynamoDB::Table", "Stream (AWS::Kinesis::Stream", "StreamMapping", "ThrottlesAlarm",
		"ExtraQueue (AWS::SQS::Queue, line 141): left out: its condition Extras is false", `"cron(0 2 * * ? *)"`,
		"response caching on GET /jobs", "!ImportValue shared-rate-limit cannot be resolved",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("the not-mapped list does not mention %q:\n%s", want, notes)
		}
	}
	if n := bytes.Count(top, []byte("# not mapped: ")); n != len(res.NotMapped) {
		t.Errorf("%d not-mapped lines, want %d", n, len(res.NotMapped))
	}
	c := sc.Consumer
	if c.Pattern != "orchestrator" || c.Schedule.D() != time.Minute || c.Timeout.D() != 5*time.Minute {
		t.Errorf("consumer = %+v, want the orchestrator every minute from EveryMinute", c)
	}
	if sc.Gateway.Integration != "queue" || sc.Gateway.Queue != "jobs-queue" {
		t.Errorf("integration %q queue %q: the SendMessage action with a QueueUrl is an SQS integration", sc.Gateway.Integration, sc.Gateway.Queue)
	}
	if len(sc.Alarms) != 1 || sc.Alarms[0].Metric != "queue.jobs-queue.oldest_age_seconds" {
		t.Errorf("alarms = %+v", sc.Alarms)
	}
}

func TestImportIsDeterministic(t *testing.T) {
	for _, f := range []string{"sam-sqs.yaml", "stack.json", "unmapped.yaml"} {
		a, _ := ImportFile(filepath.Join("testdata", f), Options{})
		b, _ := ImportFile(filepath.Join("testdata", f), Options{})
		if !bytes.Equal(a.YAML, b.YAML) {
			t.Errorf("%s: two imports differ", f)
		}
	}
}

func TestNameOption(t *testing.T) {
	res, err := ImportFile("testdata/seed001.yaml", Options{Name: "partners"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scenarios.LoadBytes("partners.yaml", res.YAML); err != nil || res.Name != "partners" {
		t.Errorf("name %q: %v", res.Name, err)
	}
	for in, want := range map[string]string{"a/b/stack.template": "stack", "x.yml": "x", "t.json": "t", "noext": "noext"} {
		if got := DefaultName(in); got != want {
			t.Errorf("DefaultName(%q) = %q, want %q", in, got, want)
		}
	}
}

// planNamed returns the usage plan named name.
func planNamed(t *testing.T, sc *scenarios.Scenario, name string) scenarios.UsagePlan {
	t.Helper()
	for _, p := range sc.Gateway.UsagePlans {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no usage plan %q in %+v", name, sc.Gateway.UsagePlans)
	return scenarios.UsagePlan{}
}

// client returns the client named name.
func client(t *testing.T, sc *scenarios.Scenario, name string) scenarios.Client {
	t.Helper()
	for _, c := range sc.Clients {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no client %q in %+v", name, sc.Clients)
	return scenarios.Client{}
}

// continued matches the start of a comment's continuation line, which wrapping made.
var continued = regexp.MustCompile(`\n *#   `)

// mustContain checks that out holds every string of want, in comments wrapped or not.
func mustContain(t *testing.T, out []byte, want ...string) {
	t.Helper()
	unwrapped := continued.ReplaceAllString(string(out), " ")
	for _, w := range want {
		if !strings.Contains(unwrapped, w) {
			t.Errorf("the output does not contain %q:\n%s", w, out)
		}
	}
}
