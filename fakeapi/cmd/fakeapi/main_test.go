package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	none := func(string) string { return "" }
	for _, args := range [][]string{{}, {"--nope"}, {"--scenario", "steady", "extra"}} {
		if err := run(context.Background(), args, none, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("run %q: %v, want a usage error", args, err)
		}
	}
}

func TestRunFromEnv(t *testing.T) {
	data, err := os.ReadFile("../../../scenarios/steady.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == envScenario {
			return strings.Replace(string(data), "name: steady", "name: from-env", 1)
		}
		return ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0"}, env, w, io.Discard); w.Close() }()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "fake api (from-env, $FAKEAPI_SCENARIO) listening on http://127.0.0.1:") {
		t.Errorf("first line %q, %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRunBadYAMLNamesTheVariable(t *testing.T) {
	env := func(string) string { return "name: x\nduration: nope\n" }
	err := run(context.Background(), nil, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "$FAKEAPI_SCENARIO:2:") {
		t.Errorf("error %v, want one at $FAKEAPI_SCENARIO:2", err)
	}
}
