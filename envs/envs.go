// Package envs sets up the environments a live run can use: where the fake third-party API
// runs and where the run's queues and state live.
//
//   - embedded: everything in-process on loopback; the run starts the fake API itself and
//     keeps queues and state in memory. Needs nothing installed.
//   - containers: the fake API as a container built from fakeapi/Dockerfile, and SQS and
//     DynamoDB emulated by LocalStack (a container) when its image is at hand, else by the
//     fauxqs and dynalite emulators installed in .tools/ (scripts/tools.sh), started as child
//     processes. Needs a Docker engine (scripts/docker.sh) and the source tree.
//   - endpoint: queues and state on an SQS/DynamoDB endpoint the user names (an emulator
//     running elsewhere, or real AWS when explicitly allowed); the fake API in-process.
//
// Everything listens on 127.0.0.1. Setup returns an Env whose Close releases what it started.
package envs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/throttlelab/throttlelab/scenarios"
)

// The kinds of environment Setup knows.
const (
	Embedded   = "embedded"
	Containers = "containers"
	Endpoint   = "endpoint"
)

// Kinds lists the kinds of environment, in the order a user meets them.
var Kinds = []string{Embedded, Containers, Endpoint}

// DefaultRegion is the AWS region of an environment when nothing names one.
const DefaultRegion = "us-east-1"

// Env is an environment a live run can use. The zero URLs mean "in-process".
type Env struct {
	// Name is the kind of environment (Embedded, Containers or Endpoint).
	Name string
	// APIURL is the fake API's base URL ("http://127.0.0.1:PORT"); empty: the run starts the
	// fake API in-process.
	APIURL string
	// AWSEndpoint is the SQS and DynamoDB endpoint of the run's queues and state; empty:
	// queues and state in memory.
	AWSEndpoint string
	// SQSEndpoint and DynamoEndpoint, when set, override AWSEndpoint for one service each:
	// fauxqs and dynalite are two servers (AWSEndpoint then is a router in front of both;
	// these reach each directly, one hop fewer). Empty: AWSEndpoint.
	SQSEndpoint, DynamoEndpoint string
	// Region is the AWS region of AWSEndpoint.
	Region string
	// Notes say what the environment is made of (which emulator, which image), for the
	// user; one line each.
	Notes []string
	// Close stops what Setup started (containers, child processes), in reverse order. It is
	// safe to call more than once; later calls return the first call's error.
	Close func() error
}

// Options tune Setup. The zero value sets up a local environment, writing no progress.
type Options struct {
	// AWSEndpoint is the SQS/DynamoDB endpoint of the endpoint environment (it, or
	// SQSEndpoint or DynamoEndpoint, is required there; all three are ignored elsewhere).
	AWSEndpoint string
	// SQSEndpoint and DynamoEndpoint override AWSEndpoint for one service each (two
	// emulators on two ports need no router in front of them). A service with no endpoint
	// at all keeps its model in memory.
	SQSEndpoint, DynamoEndpoint string
	// AllowRealAWS lets the endpoint environment use real AWS (*.amazonaws.com), where load
	// costs money.
	AllowRealAWS bool
	// Out receives progress lines ("containers: fake API image built in 0.4s"); nil: none.
	Out io.Writer
	// LocalStackImage is the LocalStack image of the containers environment (default
	// LocalStackImage). LOCALSTACK_AUTH_TOKEN, when set, is passed to it.
	LocalStackImage string
}

// ErrUnknownKind is returned (wrapped) by Setup for a kind it does not know.
var ErrUnknownKind = errors.New("unknown environment")

// Setup prepares the environment kind for sc (the scenario a live run will run). On error,
// whatever it had started is stopped again.
func Setup(ctx context.Context, kind string, sc *scenarios.Scenario, o Options) (*Env, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	switch kind {
	case Embedded:
		return embedded(), nil
	case Containers:
		return setupContainers(ctx, sc, o)
	case Endpoint:
		return setupEndpoint(o)
	}
	return nil, fmt.Errorf("%w %q: want one of %s", ErrUnknownKind, kind, strings.Join(Kinds, ", "))
}

// embedded is the environment of everything in-process.
func embedded() *Env {
	return &Env{
		Name:   Embedded,
		Region: DefaultRegion,
		Notes:  []string{"fake API, queues and state in-process on 127.0.0.1"},
		Close:  func() error { return nil },
	}
}

// closers collects the stop functions of what an environment started.
type closers struct {
	mu    sync.Mutex
	fns   []func() error
	once  sync.Once
	first error
}

// add registers fn to run on close, before the ones added earlier.
func (c *closers) add(fn func() error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, fn)
}

// close runs every stop function once, the last added first, and joins their errors.
func (c *closers) close() error {
	c.once.Do(func() {
		c.mu.Lock()
		fns := slices.Clone(c.fns)
		c.mu.Unlock()
		var errs []error
		for _, fn := range slices.Backward(fns) {
			if err := fn(); err != nil {
				errs = append(errs, err)
			}
		}
		c.first = errors.Join(errs...)
	})
	return c.first
}
