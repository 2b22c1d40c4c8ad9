package envs

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestStartFauxqs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	endpoint, stop, err := StartFauxqs(ctx)
	need(t, "start fauxqs", err)
	defer stop()
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") {
		t.Errorf("endpoint %s, want one on 127.0.0.1", endpoint)
	}
	sqsRoundTrip(t, endpoint)
}

func TestStartDynalite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	endpoint, stop, err := StartDynalite(ctx)
	need(t, "start dynalite", err)
	defer stop()
	dynamoCall(t, endpoint)
}

// An emulator's process can be hung and killed, as the tests of a failing backend do: stopped,
// it accepts connections and never answers; resumed, it answers again; killed, it refuses.
func TestEmulatorSignals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := LaunchDynalite(ctx)
	need(t, "start dynalite", err)
	defer e.Stop()
	addr := strings.TrimPrefix(e.Endpoint, "http://")
	if err := e.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := answers(addr, 500*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("stopped: %v, want no answer within its deadline", err)
	}
	if err := e.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := answers(addr, 5*time.Second); err != nil {
		t.Errorf("resumed: %v, want an answer", err)
	}
	if err := e.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.Stop() // waits for it to exit
	if err := answers(addr, 5*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("killed: %v, want connection refused", err)
	}
	if err := e.Signal(syscall.SIGCONT); err == nil {
		t.Error("signal after exit: no error")
	}
}

// answers sends an HTTP request over a fresh connection to addr and reads the first byte of
// the answer, within d.
func answers(addr string, d time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, d)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(d))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return err
	}
	_, err = c.Read(make([]byte, 1))
	return err
}

func TestToolMissing(t *testing.T) {
	t.Setenv(ToolsDirEnv, t.TempDir())
	for name, start := range map[string]func(context.Context) (string, func(), error){
		"fauxqs": StartFauxqs, "dynalite": StartDynalite,
	} {
		_, _, err := start(context.Background())
		if !errors.Is(err, ErrToolMissing) || !strings.Contains(err.Error(), ToolsInstall) {
			t.Errorf("%s from an empty tools dir: %v, want ErrToolMissing naming %q", name, err, ToolsInstall)
		}
	}
}

func TestAWSRouter(t *testing.T) {
	backend := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, name+" "+r.Host)
		}))
	}
	sqs, dynamo := backend("sqs"), backend("dynamo")
	defer sqs.Close()
	defer dynamo.Close()
	endpoint, stop, err := StartAWSRouter(sqs.URL, dynamo.URL)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(endpoint, "http://")
	for target, want := range map[string]string{
		"DynamoDB_20120810.PutItem": "dynamo " + host,
		"AmazonSQS.SendMessage":     "sqs " + host,
		"":                          "sqs " + host, // SQS's query protocol has no target
	} {
		if status, body := awsCall(t, endpoint, target); status != http.StatusOK || body != want {
			t.Errorf("target %q: %d %q, want %q (the backend, the Host kept)", target, status, body, want)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// awsCall posts an empty JSON-protocol call with target to endpoint and returns the status
// and body.
func awsCall(t *testing.T, endpoint, target string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("call %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// awsConfig is the SDK configuration of a test client of an emulator: dummy credentials, no
// retries.
func awsConfig() aws.Config {
	return aws.Config{
		Region:      DefaultRegion,
		Credentials: credentials.NewStaticCredentialsProvider("throttlelab", "throttlelab", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// sqsRoundTrip creates a queue at endpoint with the SDK, sends a message and receives it.
func sqsRoundTrip(t *testing.T, endpoint string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c := sqs.NewFromConfig(awsConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("envs-test")})
	if err != nil {
		t.Fatalf("SQS CreateQueue at %s: %v", endpoint, err)
	}
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")}); err != nil {
		t.Fatalf("SQS SendMessage at %s: %v", endpoint, err)
	}
	r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 2})
	if err != nil || len(r.Messages) != 1 || aws.ToString(r.Messages[0].Body) != "hello" {
		t.Errorf("SQS ReceiveMessage at %s: %v, %v; want the message sent", endpoint, r, err)
	}
}

// dynamoCall creates a table at endpoint with the SDK and lists the tables.
func dynamoCall(t *testing.T, endpoint string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c := dynamodb.NewFromConfig(awsConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("envs-test"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("DynamoDB CreateTable at %s: %v", endpoint, err)
	}
	out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || !slices.Contains(out.TableNames, "envs-test") {
		t.Errorf("DynamoDB ListTables at %s: %v, %v; want envs-test", endpoint, out, err)
	}
}
