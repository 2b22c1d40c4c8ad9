package cfnimport

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// eventsRule reads an AWS::Events::Rule: a schedule that triggers a Lambda function.
func (b *builder) eventsRule(r *resource) {
	t := b.t
	expr := t.prop(r.props, "ScheduleExpression")
	if expr == nil {
		b.eventPatternRule(r)
		return
	}
	if state, _ := t.str(t.prop(r.props, "State")); strings.EqualFold(state, "DISABLED") {
		b.note(r, "schedule %s is disabled: left out", t.describe(expr))
		return
	}
	for _, tg := range items(t.prop(r.props, "Targets")) {
		b.addSchedule(r, expr, b.q(t.ref(t.prop(tg, "Arn"), lambdaTypes...)))
	}
}

// eventPatternRule notes an event-pattern rule: it invokes its Lambda targets asynchronously,
// which a scenario does not model.
func (b *builder) eventPatternRule(r *resource) {
	var fns []string
	for _, tg := range items(b.t.prop(r.props, "Targets")) {
		if fn := b.q(b.t.ref(b.t.prop(tg, "Arn"), lambdaTypes...)); fn != "" {
			b.async[fn] = append(b.async[fn], "EventBridge rule "+r.qid)
			fns = append(fns, fn)
		}
	}
	if len(fns) == 0 {
		b.note(r, "event-pattern rules are not modelled")
		return
	}
	b.note(r, "event-pattern rule invoking %s asynchronously: not modelled (a scenario has no asynchronous invocation)", strings.Join(fns, ", "))
}

// schedulerSchedule reads an AWS::Scheduler::Schedule that invokes a Lambda function.
func (b *builder) schedulerSchedule(r *resource) {
	t := b.t
	b.addSchedule(r, t.prop(r.props, "ScheduleExpression"), b.q(t.ref(t.prop(t.prop(r.props, "Target"), "Arn"), lambdaTypes...)))
}

// addSchedule records that fn ("" when the target is not a function of the template) runs
// on the schedule expr.
func (b *builder) addSchedule(r *resource, expr *yaml.Node, fn string) {
	s, _ := b.t.str(expr)
	if fn == "" {
		b.note(r, "schedule %s targets no Lambda function of the template", b.t.describe(expr))
		return
	}
	b.schedules = append(b.schedules, &schedule{r: r, expr: s, fn: fn, every: rateExpr(s)})
}

// rateExprRE matches an EventBridge rate expression.
var rateExprRE = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)

// rateExpr returns the period of "rate(1 minute)", or 0 for anything else (cron(…)).
func rateExpr(s string) time.Duration {
	m := rateExprRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
	return time.Duration(n) * unit
}

// wafACL reports the rate-based rules of a WAF web ACL or rule group: the scenario has no
// WAF layer.
func (b *builder) wafACL(r *resource) {
	t := b.t
	for i, rule := range items(t.prop(r.props, "Rules")) {
		rb := t.prop(t.prop(rule, "Statement"), "RateBasedStatement")
		if rb == nil {
			continue
		}
		name, ok := t.str(t.prop(rule, "Name"))
		if !ok {
			name = fmt.Sprintf("Rules[%d]", i)
		}
		window := "300"
		if w, ok := t.str(t.prop(rb, "EvaluationWindowSec")); ok {
			window = w
		}
		key := "IP"
		if k, ok := t.str(t.prop(rb, "AggregateKeyType")); ok {
			key = k
		}
		b.note(r, "WAF rate-based rule %s (%s requests per %s s per %s) is not modelled: the scenario has no WAF layer",
			name, t.describe(t.prop(rb, "Limit")), window, key)
	}
}

// silent are resource types (by prefix) that hold nothing about limits.
var silent = []string{
	"AWS::IAM::", "AWS::Logs::", "AWS::KMS::", "AWS::S3::", "AWS::SSM::", "AWS::SNS::",
	"AWS::CloudFormation::", "AWS::CertificateManager::", "AWS::Route53::", "AWS::EC2::",
	"AWS::Lambda::Permission", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::LayerVersion",
	"AWS::Serverless::LayerVersion", "AWS::SQS::QueuePolicy", "AWS::CloudWatch::Dashboard",
	"AWS::ApiGateway::Resource", "AWS::ApiGateway::Account", "AWS::ApiGateway::Model",
	"AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::GatewayResponse", "AWS::ApiGateway::Authorizer",
	"AWS::ApiGateway::BasePathMapping", "AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::Deployment",
	"AWS::ApiGatewayV2::ApiMapping", "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::Authorizer",
	"AWS::WAFv2::WebACLAssociation", "AWS::WAFv2::IPSet", "AWS::SecretsManager::", "AWS::Events::EventBus",
	"AWS::EventSchemas::", "AWS::Cognito::", "AWS::ApiGateway::Documentation", "AWS::ApiGatewayV2::Model",
}

// unknown reports a resource of a type the importer does not read, unless the type holds
// nothing about limits.
func (b *builder) unknown(r *resource) {
	for _, p := range silent {
		if strings.HasPrefix(r.typ, p) {
			return
		}
	}
	switch {
	case r.typ == "AWS::DynamoDB::Table" || r.typ == "AWS::Serverless::SimpleTable":
		b.note(r, "a table is not modelled%s (an orchestrator keeping its quota state in DynamoDB is consumer.state: dynamodb)", b.tableCapacity(r))
	case strings.HasSuffix(r.typ, "::RateBasedRule"):
		b.note(r, "WAF rate-based rule (RateLimit %s per 5 min per IP) is not modelled: the scenario has no WAF layer",
			b.t.describe(b.t.prop(r.props, "RateLimit")))
	default:
		b.note(r, "resource type not modelled")
	}
}

// tableCapacity describes a table's provisioned throughput, a limit the scenario drops: ", its
// provisioned 5 reads/s and 5 writes/s"; "" for an on-demand table.
func (b *builder) tableCapacity(r *resource) string {
	pt := b.t.prop(r.props, "ProvisionedThroughput")
	if pt == nil {
		return ""
	}
	return fmt.Sprintf(", nor its provisioned %s read and %s write capacity units a second",
		b.t.describe(b.t.prop(pt, "ReadCapacityUnits")), b.t.describe(b.t.prop(pt, "WriteCapacityUnits")))
}
