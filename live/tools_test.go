package live

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/throttlelab/throttlelab/envs"
)

// The emulators the backend tests run against are installed by scripts/tools.sh into the
// repository's git-ignored .tools/ directory, and started (by package envs, as the containers
// environment does) as child processes on a free loopback port, one per test that asks,
// killed when it ends.

// startFauxqs starts the fauxqs SQS emulator and returns its endpoint URL.
func startFauxqs(t *testing.T) string {
	t.Helper()
	return startTool(t, "fauxqs SQS emulator", envs.StartFauxqs)
}

// startDynalite starts the dynalite DynamoDB emulator and returns its endpoint URL.
func startDynalite(t *testing.T) string {
	t.Helper()
	return startTool(t, "dynalite DynamoDB emulator", envs.StartDynalite)
}

// startTool starts an emulator for the test's duration. A missing emulator skips the test,
// saying why, except under CI=true, where `make test` must have installed it.
func startTool(t *testing.T, what string, start func(context.Context) (string, func(), error)) string {
	t.Helper()
	endpoint, stop, err := start(context.Background())
	switch {
	case errors.Is(err, envs.ErrToolMissing) && os.Getenv("CI") != "true":
		t.Skipf("skipping the tests against the %s: %v", what, err)
	case err != nil:
		t.Fatalf("start the %s: %v", what, err)
	}
	t.Cleanup(stop)
	return endpoint
}
