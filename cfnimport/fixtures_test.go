package cfnimport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/cost"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
	"github.com/throttlelab/throttlelab/sim"
)

// The fixtures are faithful excerpts of public templates (each names its repository, path and
// commit at its top); the tests assert what the importer reads from each.

// fixtureRoots are the templates of testdata given to import: every file at its top, and the
// templates of the directories that hold a template with the files it names.
func fixtureRoots(t *testing.T) []string {
	t.Helper()
	var roots []string
	files, _ := filepath.Glob("testdata/*")
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && !st.IsDir() {
			roots = append(roots, f)
		}
	}
	return append(roots, "testdata/http-sqs-include/template.yaml", "testdata/task-token/template.yaml",
		"testdata/cfn-nested/template.yaml", "testdata/saas-nested/bootstrap-template.yaml")
}

// importWith imports testdata/name with opts and loads the output as a scenario.
func importWith(t *testing.T, name string, opts Options) (*Result, *scenarios.Scenario) {
	t.Helper()
	res, err := ImportFile(filepath.Join("testdata", name), opts)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
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

// simulate runs sc for d in the simulator.
func simulate(t *testing.T, sc *scenarios.Scenario, d time.Duration) *metrics.Summary {
	t.Helper()
	sc.Duration = scenarios.Duration(d)
	res, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		t.Fatalf("sim.Run: %v", err)
	}
	return res.Summary
}

// metric looks a summary metric up, failing when it is missing.
func metric(t *testing.T, s *metrics.Summary, name string) float64 {
	t.Helper()
	v, ok := s.Lookup(name)
	if !ok {
		t.Fatalf("the summary has no %s", name)
	}
	return v
}

// notMapped checks that some not-mapped line contains each of want.
func notMapped(t *testing.T, res *Result, want ...string) {
	t.Helper()
	all := strings.Join(res.NotMapped, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the not-mapped list does not mention %q:\n%s", w, all)
		}
	}
}

// Every fixture imports into a file that the validation `throttlelab validate` runs accepts.
func TestEveryFixtureValidates(t *testing.T) {
	dir := t.TempDir()
	for _, root := range fixtureRoots(t) {
		t.Run(root, func(t *testing.T) {
			res, err := ImportFile(root, Options{})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, res.Name+".yaml")
			if err := os.WriteFile(path, res.YAML, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := scenarios.Resolve(path); err != nil {
				t.Errorf("%s imported from %s does not validate: %v\n%s", path, root, err, res.YAML)
			}
		})
	}
}

// apigw-usage-plans: the plan's throttle on /plantest/POST applies to the route the SAM events
// write /plantest/, and SAM's Auth.ApiKeyRequired makes every method need a key.
func TestUsagePlanMethodThrottleOnTrailingSlashRoute(t *testing.T) {
	res, sc := importWith(t, "usage-plans.yaml", Options{})
	g := sc.Gateway
	if !g.APIKeyRequired || len(g.APIKeyMethods) != 0 || g.Type != "rest" {
		t.Errorf("api_key_required %v api_key_methods %v type %q, want every method keyed on a REST API", g.APIKeyRequired, g.APIKeyMethods, g.Type)
	}
	p := planNamed(t, sc, "DailyLimit")
	if *p.Throttle != (scenarios.Bucket{Rate: 15, Burst: 30}) || *p.Quota != (scenarios.PlanQuota{Limit: 50, Period: "day"}) ||
		p.Methods["POST /plantest"] != (scenarios.Bucket{Rate: 5, Burst: 10}) || len(p.Keys) != 1 || p.Keys[0] != "UsagePlanApiKey" {
		t.Errorf("DailyLimit = %+v %+v %+v, want 15/30, 50 a day, POST /plantest 5/10 and the key UsagePlanApiKey", *p.Throttle, *p.Quota, p)
	}
	if got := sc.Origin.Fields[`gateway.usage_plans[0].methods["POST /plantest"].rate`]; got != `UsagePlan.Properties.ApiStages[0].Throttle["/plantest/POST"].RateLimit` {
		t.Errorf("source of the method rate = %q", got)
	}
	mustContain(t, res.YAML, "routes in the template: GET /plantest, POST /plantest")
	// 15/s on POST /plantest/ for 3 s: the method's bucket (burst 10, 5/s) admits 25 and
	// throttles the rest; 45 requests stay under the daily quota of 50.
	sc.Clients = []scenarios.Client{{Name: "c", APIKey: "UsagePlanApiKey", Method: "POST", Path: "/plantest/",
		Arrival: scenarios.Arrival{Shape: "constant", Rate: scenarios.RateOf(15)}}}
	s := simulate(t, sc, 3*time.Second)
	if a, th := metric(t, s, "gateway_admitted_total"), metric(t, s, "gateway_throttled_total"); a < 24 || a > 26 || th < 19 {
		t.Errorf("admitted %v throttled %v, want about 25 and 20: the plan's method throttle applies to /plantest/", a, th)
	}
}

// The SaaS reference solution's bootstrap: its API, keys and five usage plans are in a nested
// application; OpenAPI security decides which methods need a key.
func TestNestedApplicationAndOpenAPIKeys(t *testing.T) {
	res, sc := importWith(t, "saas-nested/bootstrap-template.yaml", Options{})
	want := map[string][3]int64{"Plan_Platinum_Tier": {300, 300, 10000}, "Plan_Premium_Tier": {100, 200, 5000},
		"Plan_Standard_Tier": {75, 100, 3000}, "Plan_Basic_Tier": {50, 50, 1000}, "System_Admin_Usage_Plan": {500, 5000, 10000}}
	for name, w := range want {
		p := planNamed(t, sc, name)
		if int64(p.Throttle.Rate) != w[0] || int64(p.Throttle.Burst) != w[1] || p.Quota.Limit != w[2] || p.Quota.Period != "day" {
			t.Errorf("%s = %+v %+v, want %d/%d and %d a day", name, *p.Throttle, *p.Quota, w[0], w[1], w[2])
		}
	}
	if k := planNamed(t, sc, "Plan_Basic_Tier").Keys; len(k) != 1 || k[0] != "Serverless-SaaS-BasicTier-ApiKey" {
		t.Errorf("basic keys = %v", k)
	}
	g := sc.Gateway
	if g.APIKeyRequired || len(g.APIKeyMethods) != 10 || !g.APIKeyMethods["GET /tenants"] || !g.APIKeyMethods["PUT /tenant/activation/{tenantid}"] {
		t.Errorf("api_key_required %v api_key_methods %v, want false with the 10 methods whose security names api_key", g.APIKeyRequired, g.APIKeyMethods)
	}
	if _, listed := g.APIKeyMethods["POST /registration"]; listed {
		t.Errorf("POST /registration (no security) is listed as needing a key")
	}
	const nested = "nested_templates/bootstrap/apigateway.yaml#"
	if got := sc.Origin.Fields["gateway.usage_plans[3].quota.limit"]; got != nested+"UsagePlanBasicTier.Properties.Quota.Limit" {
		t.Errorf("source of the basic quota = %q", got)
	}
	mustContain(t, res.YAML, "Also read: nested_templates/bootstrap/apigateway.yaml (nested stack APIs)",
		"key source AUTHORIZER", "from APIs/UsagePlanBasicTier")
	// The basic key at 100/s on a keyed method is held to its plan's 50/s; an anonymous
	// caller of POST /registration needs no key and no plan applies to it.
	sc.Clients = []scenarios.Client{
		{Name: "basic", APIKey: "Serverless-SaaS-BasicTier-ApiKey", Method: "GET", Path: "/tenants", Arrival: scenarios.Arrival{Shape: "constant", Rate: scenarios.RateOf(100)}},
		{Name: "anon", Method: "POST", Path: "/registration/", Arrival: scenarios.Arrival{Shape: "constant", Rate: scenarios.RateOf(100)}},
	}
	s := simulate(t, sc, 2*time.Second)
	if f := metric(t, s, "gateway_forbidden_total"); f != 0 {
		t.Errorf("%v requests forbidden: POST /registration needs no key", f)
	}
	if th := metric(t, s, "per_client.basic.gateway_throttled_total"); th < 40 {
		t.Errorf("basic throttled %v times, want its 200 requests held to 50 + 50/s", th)
	}
	if th := metric(t, s, "per_client.anon.gateway_throttled_total"); th != 0 {
		t.Errorf("anon throttled %v times, want 0", th)
	}
}

// A nested stack's parameter takes the value its parent passes, which the parent resolves
// (here from its own default), and the value's source is where the parent got it.
func TestNestedStackParametersPassedDown(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("root.yaml", `Parameters:
  Rate: {Type: Number, Default: 250}
Resources:
  Api:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: stacks/api.yaml
      Parameters: {StageRate: !Ref Rate, StageBurst: 40, Other: !GetAtt Elsewhere.Outputs.X}
  Remote:
    Type: AWS::Serverless::Application
    Properties:
      Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/x, SemanticVersion: 1.0.0}
`)
	write("stacks/api.yaml", `Parameters:
  StageRate: {Type: Number, Default: 1}
  StageBurst: {Type: Number}
  Other: {Type: String, Default: unused}
Resources:
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      MethodSettings:
        - {ResourcePath: /*, HttpMethod: '*', ThrottlingRateLimit: !Ref StageRate, ThrottlingBurstLimit: !Ref StageBurst}
        - {ResourcePath: /x, HttpMethod: GET, ThrottlingRateLimit: !Ref Other, ThrottlingBurstLimit: 1}
`)
	res, err := ImportFile(filepath.Join(dir, "root.yaml"), Options{Params: map[string]string{"Rate": "300"}})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.LoadBytes("root.yaml", res.YAML)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.YAML)
	}
	if s := sc.Gateway.Stage; s == nil || *s != (scenarios.Bucket{Rate: 300, Burst: 40}) {
		t.Errorf("stage = %+v, want 300 (--param Rate through the parent) and 40 (a literal the parent passes)", s)
	}
	f := sc.Origin.Fields
	if f["gateway.stage.rate"] != "Parameters.Rate" || f["gateway.stage.burst"] != "Api.Properties.Parameters.StageBurst" {
		t.Errorf("sources = %v", f)
	}
	notMapped(t, res, "!Parent !GetAtt Elsewhere.Outputs.X cannot be resolved", "Serverless Application Repository is not followed")
}

// apigw-sqs-lambda: an HTTP API whose OpenAPI body, included from api.yaml, sends to SQS.
func TestHTTPAPIIncludedBodySendsToSQS(t *testing.T) {
	res, sc := importWith(t, "http-sqs-include/template.yaml", Options{})
	g := sc.Gateway
	if g.Type != "http" || g.Integration != "queue" || g.Queue != "MySqsQueue" || g.APIKeyRequired {
		t.Errorf("gateway = %+v, want an HTTP API sending to MySqsQueue", g)
	}
	if c := sc.Consumer; c == nil || c.BatchSize != 10 || c.Timeout.D() != 3*time.Second || c.MemoryMB != 128 {
		t.Errorf("consumer = %+v, want MyLambdaFunction's batch 10, 3 s, 128 MB", c)
	}
	if c := sc.Clients[0]; c.Method != "POST" || c.Path != "/submit" {
		t.Errorf("client = %+v, want POST /submit from api.yaml", c)
	}
	mustContain(t, res.YAML, "Also read: api.yaml (DefinitionBody of MyHttpApi)", "MyHttpApi sends requests to SQS")
}

// apigw-sqs-lambda-ddb: the same with the body inline, and a dead-letter queue.
func TestHTTPAPIInlineBodySendsToSQS(t *testing.T) {
	_, sc := importWith(t, "http-sqs-inline.yaml", Options{})
	if g := sc.Gateway; g.Type != "http" || g.Integration != "queue" || g.Queue != "BufferingQueue" {
		t.Errorf("gateway = %+v, want an HTTP API sending to BufferingQueue", g)
	}
	if len(sc.Queues) != 1 || sc.Queues[0].MaxReceiveCount != 5 {
		t.Errorf("queues = %+v, want BufferingQueue with 5 receives before its dead-letter queue", sc.Queues)
	}
}

// The API Gateway line of the estimate follows the template's API: REST at $3.50 a million,
// HTTP at $1.00, none for a template without an API.
func TestImportedGatewayTypePricing(t *testing.T) {
	sum := &metrics.Summary{Metrics: map[string]float64{"gateway_admitted_total": 1e6}}
	for file, want := range map[string]float64{"usage-plans.yaml": 3.50, "http-sqs-include/template.yaml": 1.00, "function-url.yaml": 0} {
		_, sc := importWith(t, file, Options{})
		if got := gatewayUSD(sc, sum); got < want-1e-9 || got > want+1e-9 {
			t.Errorf("%s: a million API calls cost $%v, want $%v", file, got, want)
		}
	}
}

// eventbridge-webhooks/2-github: a function behind its Function URL, no API Gateway: its
// reserved concurrency bounds the backend.
func TestFunctionURLReservedConcurrency(t *testing.T) {
	res, sc := importWith(t, "function-url.yaml", Options{})
	if g := sc.Gateway; g.Type != "none" || g.Integration != "direct" {
		t.Errorf("gateway = %+v, want type none, direct", g)
	}
	c := sc.Consumer
	if c == nil || c.Concurrency != 10 || c.Timeout.D() != 100*time.Second || c.MemoryMB != 128 {
		t.Fatalf("consumer = %+v, want WebhookFunction's reserved 10, 100 s, 128 MB", c)
	}
	if got := sc.Origin.Fields["consumer.concurrency"]; got != "WebhookFunction.Properties.ReservedConcurrentExecutions" {
		t.Errorf("source of consumer.concurrency = %q", got)
	}
	mustContain(t, res.YAML, "clients call WebhookFunction's Function URL")
}

// apigw-eventbridge-schema-validation: the reserved concurrency of a function an EventBridge
// rule invokes cannot be mapped, and says so.
func TestEventBridgeFunctionReservedConcurrencyNoted(t *testing.T) {
	res, sc := importWith(t, "eventbridge-reserved.yaml", Options{})
	notMapped(t, res, "EventSchemaValidationLogPolicyLambdaFunction (AWS::Serverless::Function, line 33): ReservedConcurrentExecutions 10 is dropped: it is invoked asynchronously (its CloudWatchEvent event Trigger)")
	if sc.Consumer != nil || sc.Gateway.Type != "rest" {
		t.Errorf("consumer %+v gateway %+v, want no consumer behind the REST API", sc.Consumer, sc.Gateway)
	}
	mustContain(t, res.YAML, "the API integrates events:action/PutEvents directly")
}

// webhook-provider: a state machine's sqs:sendMessage.waitForTaskToken state, in a
// DefinitionUri file, waits on the queue a function drains: consumer.task_token.
func TestTaskTokenFromStateMachineDefinition(t *testing.T) {
	res, sc := importWith(t, "task-token/template.yaml", Options{})
	g := sc.Gateway
	if g.Type != "none" || g.Integration != "queue" || g.Queue != "web-hook-call-queue" {
		t.Errorf("gateway = %+v, want no API Gateway, sending to web-hook-call-queue", g)
	}
	tt := sc.Consumer.TaskToken
	if tt == nil || tt.Timeout.D() != 365*24*time.Hour || tt.Heartbeat.D() != time.Hour {
		t.Fatalf("task_token = %+v, want a year (no TimeoutSeconds) and HeartbeatSeconds 3600", tt)
	}
	if got := sc.Origin.Fields["consumer.task_token.heartbeat"]; got != `statemachine/statemachine.asl.json#States["Queue webhook call"].HeartbeatSeconds` {
		t.Errorf("source of the heartbeat = %q", got)
	}
	mustContain(t, res.YAML, "TimeoutSeconds not set: the task waits as long as a Standard workflow's execution may run")
	simulate(t, sc, 10*time.Second)
}

// s3-event-sfn-lambda-ddb-sns: a lambda:invoke.waitForTaskToken state with TimeoutSeconds
// 3600 and no queue: a scenario's task token needs one, so the timeout is listed as dropped.
func TestTaskTokenWithoutQueueNoted(t *testing.T) {
	res, sc := importWith(t, "sfn-lambda-token.yaml", Options{})
	if sc.Consumer != nil && sc.Consumer.TaskToken != nil {
		t.Errorf("task_token = %+v, want none", sc.Consumer.TaskToken)
	}
	notMapped(t, res, "UpdateTableStateMachine (AWS::Serverless::StateMachine, line 24): state LambdaInvoke (arn:aws:states:::lambda:invoke.waitForTaskToken)",
		"its timeout 3600s, heartbeat not set")
}

// custom-http-headers-to-sqs: parameters without defaults take --param values.
func TestParamValues(t *testing.T) {
	res, sc := importWith(t, "http-params.yaml", Options{})
	if sc.Queues[0].Name != "my-queue" || sc.Gateway.Queue != "my-queue" {
		t.Errorf("queues %+v, want my-queue named after the logical id", sc.Queues)
	}
	mustContain(t, res.YAML, "give it with --param QueueName=VALUE")
	_, sc = importWith(t, "http-params.yaml", Options{Params: map[string]string{"QueueName": "orders", "ApiGatewayName": "orders-api"}})
	if sc.Queues[0].Name != "orders" || sc.Gateway.Queue != "orders" || *sc.Gateway.Stage != (scenarios.Bucket{Rate: 50, Burst: 100}) {
		t.Errorf("queues %+v gateway %+v, want orders and the stage 50/100", sc.Queues, sc.Gateway)
	}
	if p := sc.Origin.Params; p["QueueName"] != "orders" || p["ApiGatewayName"] != "orders-api" {
		t.Errorf("source.params = %v", p)
	}
	_, err := ImportFile("testdata/http-params.yaml", Options{Params: map[string]string{"QueueNme": "x"}})
	var ie *Error
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "--param QueueNme: the template has no parameter QueueNme (parameters: ApiGatewayName, QueueName)") {
		t.Errorf("an unknown parameter: %v", err)
	}
}

// owasp-api-security-controls-demo: an AWS::CloudFormation::Stack whose TemplateURL is a local
// file is followed.
func TestCloudFormationStackFollowed(t *testing.T) {
	res, sc := importWith(t, "cfn-nested/template.yaml", Options{})
	if len(sc.Queues) != 1 || sc.Queues[0].Name != "fulfillment-q" || sc.Queues[0].MaxReceiveCount != 5 {
		t.Errorf("queues = %+v, want the nested stack's fulfillment-q with 5 receives", sc.Queues)
	}
	if c := sc.Consumer; c == nil || c.BatchSize != 10 || c.Timeout.D() != 5*time.Second {
		t.Errorf("consumer = %+v, want FulfillmentQLambda's batch 10 and Globals' 5 s", c)
	}
	if got := sc.Origin.Fields["consumer.timeout"]; got != "fulfillment/template.yaml#Globals.Function.Timeout" {
		t.Errorf("source of consumer.timeout = %q", got)
	}
	notMapped(t, res, "FulfillmentServiceStack/FulfillmentTable (AWS::DynamoDB::Table, fulfillment/template.yaml line 95)")
	mustContain(t, res.YAML, "routes in the template: POST /updateOrderStatus, GET /listPendingOrders")
}

// VPCFlowLogs-main: nested stacks in S3 are listed, not followed; with the default parameters
// their conditions leave them out.
func TestRemoteNestedStacksListed(t *testing.T) {
	res, _ := importWith(t, "remote-stacks.yaml", Options{})
	notMapped(t, res, "VPCFlowLogsS3Stack (AWS::CloudFormation::Stack, line 154): left out: its condition VPCFlowLogsToS3Condition is false")
	res, _ = importWith(t, "remote-stacks.yaml", Options{Params: map[string]string{"CreateVPCFlowLogsToS3": "Yes"}})
	notMapped(t, res, "VPCFlowLogsS3Stack (AWS::CloudFormation::Stack, line 154): nested stack https://${TemplatesS3BucketName}.s3.${TemplatesS3BucketRegion}.${AWS::URLSuffix}/templates/VPCFlowLogsS3.cfn.yaml is remote: not followed")
}

// apigw-rest-api-dynamodb: AWS::ApiGateway::Method's ApiKeyRequired.
func TestMethodApiKeyRequired(t *testing.T) {
	res, sc := importWith(t, "method-keys.yaml", Options{})
	if !sc.Gateway.APIKeyRequired || len(sc.Gateway.APIKeyMethods) != 0 {
		t.Errorf("api_key_required %v api_key_methods %v, want both methods keyed", sc.Gateway.APIKeyRequired, sc.Gateway.APIKeyMethods)
	}
	p := planNamed(t, sc, "api-music-usage-plan")
	if *p.Throttle != (scenarios.Bucket{Rate: 500, Burst: 1000}) || *p.Quota != (scenarios.PlanQuota{Limit: 10000, Period: "month"}) {
		t.Errorf("plan = %+v %+v", *p.Throttle, *p.Quota)
	}
	if c := sc.Clients[0]; c.APIKey != "api-music-apikey" || c.Method != "POST" || c.Path != "/music" {
		t.Errorf("client = %+v", c)
	}
	mustContain(t, res.YAML, "routes in the template: POST /music, GET /music/{artist}",
		"the API integrates dynamodb:action/PutItem, dynamodb:action/Query directly")
}

// gatewayUSD is the API Gateway line of sc's cost estimate for summary s.
func gatewayUSD(sc *scenarios.Scenario, s *metrics.Summary) float64 {
	for _, it := range cost.Estimate(sc, s, cost.DefaultPrices()).Items {
		if it.Name == "api_gateway" {
			return it.USD
		}
	}
	return -1
}

// A second API is merged into the one gateway a scenario has, and the import says so; a
// second kind of API is named once.
func TestSecondAPINoted(t *testing.T) {
	res, err := Import("two.yaml", []byte(`Resources:
  Orders: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}
  Admin: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}
  Events: {Type: AWS::Serverless::HttpApi}
  EventsStage: {Type: AWS::ApiGatewayV2::Stage}
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	notMapped(t, res, "Admin (AWS::Serverless::Api, line 3): a second API besides Orders",
		"Events (AWS::Serverless::HttpApi, line 4): an HTTP API besides the template's REST API")
	if n := strings.Count(strings.Join(res.NotMapped, "\n"), "besides the template's REST API"); n != 1 {
		t.Errorf("the second kind of API is noted %d times, want once", n)
	}
}
