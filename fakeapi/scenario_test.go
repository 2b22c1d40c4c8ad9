package fakeapi

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

func TestScenarioConfig(t *testing.T) {
	sc, err := scenarios.Resolve("steady")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ScenarioConfig(sc, t0, 7)
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.API.Quotas
	if len(q) != 1 || q[0].Limit != 1000 || q[0].Per != time.Second || q[0].Window != "sliding" ||
		cfg.API.Latency == nil || !cfg.API.Epoch.Equal(t0) || cfg.HealthPath != "/health" || cfg.Seed != 7 {
		t.Errorf("config %+v does not describe steady's downstream", cfg)
	}
	sc.Downstream = nil
	if _, err := ScenarioConfig(sc, t0, 7); err == nil || !strings.Contains(err.Error(), "scenarios/steady.yaml") {
		t.Errorf("no downstream: error %v, want one naming the file", err)
	}
}

func TestServe(t *testing.T) {
	sc, err := scenarios.Resolve("steady")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ScenarioConfig(sc, time.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, "", "steady", w); w.Close() }()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "fake api (steady) listening on http://127.0.0.1:") {
		t.Errorf("first line %q, %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
