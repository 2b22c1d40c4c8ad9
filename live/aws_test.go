package live

import (
	"context"
	"testing"
	"time"
)

// A live run with its queues on an SQS emulator (fauxqs) and the orchestrator's state on a
// DynamoDB emulator (dynalite): the same pipeline, nothing lost, the quota held, the state
// table written.
func TestLiveOnSQSAndDynamoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	sqsURL, ddbURL := startFauxqs(t), startDynalite(t)
	sc := load(t, `
name: test
duration: 15s
drain: 10s
mode: live
clients: [{name: c, arrival: {shape: poisson, rate: 15/s}}]
queues: [{name: q, visibility_timeout: 5s, max_receive_count: 0}]
consumer:
  pattern: orchestrator
  pace: 10/s
  quotas: [{limit: 10, per: 1s, window: sliding}]
  breaker: {failures: 2, open_for: 2s, health_check: 1s}
  requeue_first: true
  state: dynamodb
downstream:
  quotas: [{limit: 10, per: 1s, window: sliding}]
  latency: {dist: lognormal, median: 50ms, p99: 200ms}
  outages: [{at: 5s, for: 3s, mode: error, status: 503}]
`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc, Options{SQSEndpoint: sqsURL, DynamoEndpoint: ddbURL})
	if err != nil {
		t.Fatalf("live run: %v", err)
	}
	m := res.Summary.Metrics
	if m["lost_total"] != 0 {
		t.Fatalf("lost %v: %s %v", m["lost_total"], res.Summary.Ledger.Verdict, res.Summary.Ledger.InFlight)
	}
	if m["downstream_429_total"] != 0 || m["breaker_opened_total"] < 1 {
		t.Errorf("429s %v, breaker opened %v", m["downstream_429_total"], m["breaker_opened_total"])
	}
	if m["aws_sqs_requests_measured_total"] == 0 || m["aws_dynamodb_writes_total"] == 0 {
		t.Errorf("SQS requests %v, DynamoDB writes %v", m["aws_sqs_requests_measured_total"], m["aws_dynamodb_writes_total"])
	}
	if m["state_quota_refused_total"] != 0 {
		t.Errorf("the state table refused %v quota takes the model allowed", m["state_quota_refused_total"])
	}
	t.Logf("completed %v of %v, 5xx %v, requeued %v, SQS requests %v, DynamoDB r/w %v/%v",
		m["completed_total"], m["offered_total"], m["downstream_5xx_total"], m["queue_requeued_total"],
		m["aws_sqs_requests_measured_total"], m["aws_dynamodb_reads_total"], m["aws_dynamodb_writes_total"])
}
