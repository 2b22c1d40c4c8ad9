package pipeline

import (
	"math"
	"time"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
)

// GatewayRefusal is how an attempt the gateway refused with outcome o is counted, and the
// reason its request ends with when the client gives up after it.
func GatewayRefusal(o model.Outcome) (metrics.Gateway, metrics.Reason) {
	switch o {
	case model.Forbidden:
		return metrics.Forbidden, metrics.RejectForbidden
	case model.QuotaExceeded:
		return metrics.QuotaExceeded, metrics.RejectQuota
	default:
		return metrics.Throttled, metrics.RejectThrottled
	}
}

// RecorderConfig describes the pipeline to the metrics recorder: its clients, its queues,
// and the downstream quota tiers that utilization and over-grant are measured against.
func (p *Pipeline) RecorderConfig() metrics.Config {
	cfg := metrics.Config{Offered: p.Scenario.Duration.D(), Epoch: p.Epoch}
	for _, c := range p.Clients {
		cfg.Clients = append(cfg.Clients, metrics.ClientInfo{Name: c.Name, Priority: c.Priority})
	}
	for _, q := range p.Queues {
		cfg.Queues = append(cfg.Queues, q.Name())
	}
	if d := p.Scenario.Downstream; d != nil {
		for _, q := range d.Quotas {
			cfg.Tiers = append(cfg.Tiers, metrics.Tier{Limit: q.Limit, Per: q.Per.D(), Window: q.Window})
		}
	}
	return cfg
}

// OrchestratorMetrics are the orchestrator's counters at end, under their summary names;
// none without an orchestrator.
func (p *Pipeline) OrchestratorMetrics(end time.Duration) map[string]float64 {
	o := p.Orchestrator
	if o == nil {
		return nil
	}
	s := o.Stats(end)
	return map[string]float64{
		"orchestrator_runs_total":               float64(s.Runs),
		"orchestrator_triggers_throttled_total": float64(s.ThrottledTriggers),
		"orchestrator_invokes_total":            float64(s.Invokes),
		"orchestrator_run_seconds":              s.RunTime.Seconds(),
		"orchestrator_idle_seconds":             (end - s.RunTime).Seconds(),
		"orchestrator_quota_blocked_seconds":    s.BlockedTime.Seconds(),
		"health_checks_total":                   float64(s.HealthChecks),
		"breaker_open_seconds":                  s.BreakerOpenTime.Seconds(),
	}
}

// AWSCounts are the AWS requests and compute a driver counted itself; AWSMetrics adds what the
// models know.
type AWSCounts struct {
	SQSSends, SQSReceives, SQSDeletes int64 // gateway sends and re-queues; consumer batches; deletes
	LambdaInvokes                     int64 // executions of the consumer and the orchestrator's workers
	LambdaTime                        time.Duration
	// FailureWrites are the workers' writes of a failure to the state table. With
	// EstimateDynamo the orchestrator's DynamoDB reads and writes are estimated from its work;
	// a driver that counted the real calls of a state store reports them itself.
	FailureWrites  int64
	EstimateDynamo bool
}

// esmIdlePollers is how many pollers an SQS event-source mapping keeps long-polling (20 s)
// when its queue is empty.
const esmIdlePollers = 5

// AWSMetrics puts the AWS requests of a run under their summary names, for the cost
// estimate, with the same rules in both drivers:
//
//   - SQS: SendMessage per message, ReceiveMessage per call (consumer batches, workers'
//     checks of higher queues, the orchestrator's polls, plus the event-source mapping's idle
//     long polls: 5 pollers × one 20 s poll each while the run lasts, an upper bound),
//     DeleteMessage per message;
//   - Lambda: invocations and their summed duration, the orchestrator's runs and health
//     checks included;
//   - DynamoDB (orchestrator state), when the driver did not count real calls: one read per
//     run, poll and health check, one write per ten invokes (the quota counters, written back
//     "every few iterations") and two per breaker opening (open, then closed).
func (p *Pipeline) AWSMetrics(c AWSCounts, end time.Duration) map[string]float64 {
	receives, deletes := c.SQSReceives, c.SQSDeletes
	invokes, ltime := c.LambdaInvokes, c.LambdaTime
	var reads, writes int64
	if pr, ok := p.Pattern.(interface{ Checks() int64 }); ok {
		receives += pr.Checks()
	}
	if p.Pattern != nil {
		receives += int64(len(p.Queues)) * esmIdlePollers * int64(math.Ceil(end.Seconds()/20))
	}
	if o := p.Orchestrator; o != nil {
		s := o.Stats(end)
		receives += s.Receives
		deletes += s.Invokes
		invokes += s.Runs + s.HealthChecks
		ltime += s.RunTime
		reads = s.Runs + s.Receives + s.HealthChecks
		writes = (s.Invokes+9)/10 + 2*s.BreakerOpened + c.FailureWrites
	}
	m := map[string]float64{
		"aws_sqs_send_requests_total":       float64(c.SQSSends),
		"aws_sqs_receive_requests_total":    float64(receives),
		"aws_sqs_delete_requests_total":     float64(deletes),
		"aws_lambda_invocations_total":      float64(invokes),
		"aws_lambda_duration_seconds_total": ltime.Seconds(),
	}
	if c.EstimateDynamo {
		m["aws_dynamodb_reads_total"] = float64(reads)
		m["aws_dynamodb_writes_total"] = float64(writes)
	}
	return m
}

// TokenMetrics are the Step Functions executions' counters, under their summary names; none
// without task tokens.
func (p *Pipeline) TokenMetrics() map[string]float64 {
	t := p.Tokens
	if t == nil {
		return nil
	}
	return map[string]float64{
		"sfn_state_transitions_total":  float64(t.Transitions()),
		"sfn_timeouts_total":           float64(t.TimedOut()),
		"sfn_heartbeat_timeouts_total": float64(t.HeartbeatTimedOut()),
		"sfn_running_at_end":           float64(t.Running()),
	}
}
