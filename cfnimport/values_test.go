package cfnimport

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// intrinsics is a template exercising the intrinsic functions the importer resolves.
const intrinsics = `
Parameters:
  Env: {Type: String, Default: prod}
  Rates: {Type: CommaDelimitedList, Default: "10,20"}
  NoDefault: {Type: String}
Mappings:
  Limits:
    prod: {Rate: 700}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, {"Fn::Equals": ["a", "a"]}]
  Either: !Or [!Condition NotProd, !Equals [!Ref NoDefault, x], !Condition IsProd]
  Unknown: !Equals [!Ref NoDefault, x]
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [!Ref Env, !Select [1, [a, b, c]], orders]]
  V:
    Type: AWS::SQS::Queue
    Properties:
      A: !Sub ["${Env}-${X}-${!Literal}", {X: !FindInMap [Limits, !Ref Env, Rate]}]
      B: !If [NotProd, 1, !Ref AWS::NoValue]
      C: !Sub "arn:${AWS::Partition}:sqs:${Q.Arn}"
      D: {"Fn::GetAtt": ["Q", "QueueName"]}
      E: !ImportValue shared
`

func TestIntrinsics(t *testing.T) {
	tp, err := parse(newLoader("i.yaml"), "i.yaml", []byte(intrinsics), "", "")
	if err != nil {
		t.Fatal(err)
	}
	props := tp.byID["V"].props
	for _, c := range []struct {
		name string
		got  string
		ok   bool
		want string
		wok  bool
	}{
		{"Join/Select", first(tp.str(tp.prop(tp.byID["Q"].props, "QueueName"))), true, "prod-b-orders", true},
		{"Sub with FindInMap", first(tp.str(tp.prop(props, "A"))), true, "prod-700-${Literal}", true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if tp.prop(props, "B") != nil {
		t.Errorf("Fn::If [NotProd, 1, AWS::NoValue] should be no value")
	}
	if s, ok := tp.str(tp.prop(props, "C")); ok || s != "arn:${AWS::Partition}:sqs:${Q.Arn}" {
		t.Errorf("Sub of a pseudo parameter = %q, %v: want it kept symbolic and unresolved", s, ok)
	}
	if ids := tp.refIDs(props); len(ids) != 1 || ids[0] != "Q" {
		t.Errorf("refIDs = %v, want [Q] (from ${Q.Arn} and Fn::GetAtt)", ids)
	}
	if d := tp.describe(tp.prop(props, "E")); d != "!ImportValue shared" {
		t.Errorf("describe = %q", d)
	}
	for name, want := range map[string][2]bool{"IsProd": {true, true}, "NotProd": {false, true},
		"Both": {true, true}, "Either": {true, true}, "Unknown": {false, false}} {
		if v, k := tp.cond(name); v != want[0] || k != want[1] {
			t.Errorf("cond %s = %v (known %v), want %v (known %v)", name, v, k, want[0], want[1])
		}
	}
}

func first(s string, _ bool) string { return s }

func TestPathsKeysAndNames(t *testing.T) {
	for in, want := range map[string]string{"/~1orders": "/orders", "/~1orders~1{id}": "/orders/{id}", "/*": "/*", "/a~0b": "/a~b"} {
		if got := decodePath(in); got != want {
			t.Errorf("decodePath(%q) = %q, want %q", in, got, want)
		}
	}
	if got := methodKey("*", "/orders"); got != "ANY /orders" {
		t.Errorf("methodKey = %q", got)
	}
	if checkKey("FETCH /x") == "" || checkKey("GET /x") != "" {
		t.Errorf("checkKey accepts FETCH or refuses GET")
	}
	for in, want := range map[string]string{"OrdersQueue": "orders-queue", "BasicTier": "basic-tier", "APIGatewayStage": "api-gateway-stage",
		"consumer-acme-corp": "consumer-acme-corp", "a b.c": "a-b-c", "!!": "x",
		"Serverless-SaaS-BasicTier-ApiKey": "serverless-saas-basic-tier-api-key", "OrderID": "order-id", "Step2Go": "step2-go"} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorsNameTheFileAndLine(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"Resources:\n  A: [\n", "t.yaml:2: parse template"},
		{"Description: no resources\n", "t.yaml:1: not a template: no Resources section"},
		{"Resources:\n  Q:\n    Properties: {}\n", "t.yaml:2: resource Q has no Type"},
		{"- a list\n", "t.yaml:1: not a template"},
	} {
		_, err := Import("t.yaml", []byte(c.src), Options{})
		var ie *Error
		if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Import(%q) = %v, want an *Error starting %q", c.src, err, c.want)
		}
	}
	if _, err := ImportFile("testdata/missing.yaml", Options{}); err == nil || !strings.Contains(err.Error(), "testdata/missing.yaml") {
		t.Errorf("ImportFile of a missing file = %v, want an error naming it", err)
	}
}

// load imports src and loads the scenario.
func load(t *testing.T, src string) (*Result, *scenarios.Scenario) {
	t.Helper()
	res, err := Import("inline.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.LoadBytes("inline.yaml", res.YAML)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.YAML)
	}
	return res, sc
}

func TestDirectBackendAndDefaults(t *testing.T) {
	res, sc := load(t, `
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    MethodSettings:
      - {ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: 50}
    Auth:
      UsagePlan: {CreateUsagePlan: SHARED, Throttle: {RateLimit: 5, BurstLimit: 10}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      ReservedConcurrentExecutions: 3
      Events:
        Get: {Type: Api, Properties: {Path: /items, Method: get}}
  Requests:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ApiGateway
      MetricName: Count
      ExtendedStatistic: p99
      Period: 60
      EvaluationPeriods: 2
      Threshold: 1
      ComparisonOperator: LessThanOrEqualToThreshold
`)
	g := sc.Gateway
	if *g.Stage != (scenarios.Bucket{Rate: 50, Burst: 5000}) || g.Integration != "direct" {
		t.Errorf("gateway = %+v, want the implicit API's Globals stage 50 with the default burst", g)
	}
	if c := sc.Consumer; c == nil || c.Concurrency != 3 || c.Timeout.D().Seconds() != 3 {
		t.Errorf("consumer = %+v, want the function's reserved concurrency 3 and Lambda's default 3 s timeout", c)
	}
	if len(g.UsagePlans) != 1 || g.UsagePlans[0].Keys[0] != "ServerlessApiKey" {
		t.Errorf("plans = %+v, want SAM's shared plan with ServerlessApiKey", g.UsagePlans)
	}
	want := scenarios.Alarm{Name: "Requests", Metric: "attempts", Stat: "p99", Period: scenarios.Duration(time.Minute),
		EvaluationPeriods: 2, Comparison: "<=", Threshold: 1}
	if len(sc.Alarms) != 1 || sc.Alarms[0] != want {
		t.Errorf("alarms = %+v, want %+v", sc.Alarms, want)
	}
	mustContain(t, res.YAML, "ThrottlingBurstLimit not set: the account default 5000", "Timeout not set: Lambda's default")
}

func TestEventSourceDefaultsAndJSONRedrive(t *testing.T) {
	res, sc := load(t, `
Resources:
  Work:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: work
      RedrivePolicy: '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:work-dlq", "maxReceiveCount": 4}'
  Dead:
    Type: AWS::SQS::Queue
    Properties: {QueueName: work-dlq}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: worker, Timeout: 900}
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Work.Arn, FunctionName: worker}
`)
	if len(sc.Queues) != 1 || sc.Queues[0].MaxReceiveCount != 4 || sc.Gateway.Type != "none" || sc.Integration() != "queue" {
		t.Errorf("queues %+v gateway %+v, want work alone with 4 receives and no API Gateway in front of it", sc.Queues, sc.Gateway)
	}
	if c := sc.Consumer; c.BatchSize != 10 || c.Concurrency != 10 || c.Timeout.D().Minutes() != 15 {
		t.Errorf("consumer = %+v, want AWS's batch 10, the default concurrency and a 15m timeout", c)
	}
	mustContain(t, res.YAML, "BatchSize not set: AWS's default for SQS", "no API in the template: no API Gateway throttles or bills the entry; clients send straight to",
		"dead letters go to Dead after 4 receives")
}
