package envs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/localstack"
)

// LocalStackImage is the LocalStack image of the containers environment unless
// Options.LocalStackImage names another. Images after 4.14.0 need LOCALSTACK_AUTH_TOKEN.
const LocalStackImage = "localstack/localstack:4.14.0"

// LocalStackTokenEnv names the environment variable whose value, when set, is passed to the
// LocalStack container as its auth token.
const LocalStackTokenEnv = "LOCALSTACK_AUTH_TOKEN"

// pullCheckWait bounds the check that LocalStack's image could be pulled: the registry is
// asked for its manifest, which answers quickly or not at all.
const pullCheckWait = 5 * time.Second

// startAWS starts the SQS and DynamoDB of the containers environment and sets env's AWS
// endpoints and notes: LocalStack when its image is present or can be pulled, else fauxqs
// and dynalite from .tools, also behind one endpoint. cl stops them.
func startAWS(ctx context.Context, cli *client.Client, o Options, env *Env, cl *closers) error {
	image := o.LocalStackImage
	if image == "" {
		image = LocalStackImage
	}
	why, ok := imageAtHand(ctx, cli, image)
	if ok {
		progress(o, "LocalStack image %s %s: starting it", image, why)
		endpoint, err := startLocalStack(ctx, image, cl)
		if err != nil {
			return err
		}
		env.AWSEndpoint = endpoint
		env.Notes = append(env.Notes, fmt.Sprintf("SQS and DynamoDB: LocalStack (%s) at %s", image, endpoint))
		return nil
	}
	progress(o, "LocalStack image %s is not present and cannot be pulled (%s): using fauxqs and dynalite", image, why)
	if err := startEmulators(ctx, o, env, cl); err != nil {
		return fmt.Errorf("LocalStack image %s is not present and cannot be pulled (%s), and the emulators "+
			"that stand in for it did not start: %w", image, why, err)
	}
	env.Notes = append(env.Notes, fmt.Sprintf("LocalStack not used: %s is not present and cannot be pulled (%s)", image, why))
	return nil
}

// imageAtHand reports whether image is present in the engine or its registry answers for it
// within pullCheckWait, and why (or why not).
func imageAtHand(ctx context.Context, cli *client.Client, image string) (string, bool) {
	if _, err := cli.ImageInspect(ctx, image); err == nil {
		return "is present", true
	}
	ctx, cancel := context.WithTimeout(ctx, pullCheckWait)
	defer cancel()
	if _, err := cli.DistributionInspect(ctx, image, client.DistributionInspectOptions{}); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Sprintf("its registry did not answer within %v", pullCheckWait), false
		}
		return firstLine(err.Error()), false
	}
	return "can be pulled", true
}

// startLocalStack runs LocalStack with SQS and DynamoDB, its port published on 127.0.0.1, and
// returns its endpoint once its health check answers.
func startLocalStack(ctx context.Context, image string, cl *closers) (string, error) {
	env := map[string]string{"SERVICES": "sqs,dynamodb"}
	if token := os.Getenv(LocalStackTokenEnv); token != "" {
		env[LocalStackTokenEnv] = token
	}
	c, err := localstack.Run(ctx, image,
		testcontainers.WithLogger(quiet),
		testcontainers.WithEnv(env),
		testcontainers.WithHostConfigModifier(bindLoopback("4566/tcp")),
	)
	if c != nil {
		cl.add(func() error { return terminate("localstack container", c) })
	}
	if err != nil {
		return "", fmt.Errorf("start localstack: %w", err)
	}
	endpoint, err := c.PortEndpoint(ctx, "4566/tcp", "http")
	if err != nil {
		return "", fmt.Errorf("start localstack: %w", err)
	}
	return endpoint, nil
}

// startEmulators starts fauxqs and dynalite and, in front of them, the AWS router that gives
// both one endpoint.
func startEmulators(ctx context.Context, o Options, env *Env, cl *closers) error {
	t0 := time.Now()
	sqs, stopSQS, err := StartFauxqs(ctx)
	if err != nil {
		return err
	}
	cl.add(func() error { stopSQS(); return nil })
	dynamo, stopDynamo, err := StartDynalite(ctx)
	if err != nil {
		return err
	}
	cl.add(func() error { stopDynamo(); return nil })
	endpoint, stopRouter, err := StartAWSRouter(sqs, dynamo)
	if err != nil {
		return err
	}
	cl.add(stopRouter)
	progress(o, "fauxqs at %s and dynalite at %s ready in %v, both at %s", sqs, dynamo, since(t0), endpoint)
	env.AWSEndpoint, env.SQSEndpoint, env.DynamoEndpoint = endpoint, sqs, dynamo
	env.Notes = append(env.Notes,
		fmt.Sprintf("SQS: fauxqs (npm, from .tools, a child process) at %s", sqs),
		fmt.Sprintf("DynamoDB: dynalite (npm, from .tools, a child process) at %s", dynamo),
		fmt.Sprintf("both behind one endpoint %s, which sends DynamoDB calls to dynalite and the rest to fauxqs", endpoint))
	return nil
}
