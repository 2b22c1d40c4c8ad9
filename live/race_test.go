package live

import (
	"context"
	"testing"
	"time"
)

// TestRaceSmoke runs, briefly, a scenario through every port of the live driver — the
// gateway's answers and the clients' retries, a queue and its dead-letter queue, task tokens,
// the orchestrator with its breaker, health checks and state store, a FIFO re-queue — so that
// `make race` (go test -race) sees every goroutine that meets the loop. It asserts the ledger
// only: timings under the race detector are not the machine's.
func TestRaceSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	for _, c := range []agreeCase{
		{name: "tt-dlq", file: "tt-dlq.yaml"},
		{name: "fifo-requeue", file: "fifo-requeue.yaml", set: map[string]string{"duration": "8s", "drain": "15s"}},
		{name: "backoff", set: map[string]string{"duration": "4s", "drain": "10s",
			"clients[0].arrival.rate": "30/s", "clients[1].arrival.rate": "30/s",
			"clients[2].arrival.rate": "30/s", "clients[3].arrival.rate": "30/s", "gateway.stage.rate": "80", "gateway.stage.burst": "40"}},
		{name: "orchestrator-outage", set: map[string]string{"duration": "8s", "drain": "10s",
			"downstream.outages[0].at": "2s", "downstream.outages[0].for": "3s", "consumer.breaker.open_for": "2s",
			"consumer.breaker.health_check": "1s"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := loadCase(t, c)
			ctx, cancel := context.WithTimeout(context.Background(), sc.Duration.D()+sc.Drain.D()+time.Minute)
			defer cancel()
			res, err := Run(ctx, sc, Options{})
			if err != nil {
				t.Fatalf("live: %v", err)
			}
			if m := res.Summary.Metrics; m["lost_total"] != 0 {
				t.Errorf("lost %v: %s %v", m["lost_total"], res.Summary.Ledger.Verdict, res.Summary.Ledger.InFlight)
			}
		})
	}
}
