package engine

import (
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// Ports are the engine's ways to what takes real time. Each is called on the engine's
// goroutine and must not block: it starts the work and delivers the outcome later through
// the Engine method its documentation names, on the engine's goroutine again. A nil port is
// in process (see each).
type Ports struct {
	// Client carries answers to the clients and their retries. nil: the clients are in
	// process — their arrivals come from the arrival models, an attempt reaches the gateway
	// after a network delay of up to NetJitter, its answer is seen at once and a retry is
	// scheduled on the engine's clock.
	Client Client
	// Downstream makes the calls to the downstream API and its health checks. nil: the
	// pipeline's API model answers, and the answer arrives after its latency.
	Downstream Downstream
	// State mirrors the orchestrator's state to its store (DynamoDB). nil: none.
	State StateMirror
}

// Client is the clients' side of the gateway, outside the engine.
type Client interface {
	// Answer delivers the gateway's answer to the attempt waiting as handle h (the handle
	// given to Engine.AtGateway). The client's own view of it comes back through
	// Engine.Answered.
	Answer(h uint64, a Answer)
	// Retry sends attempt n of request ref of client c. Its answer comes back through
	// Engine.Answered, and the attempt reaches the gateway through Engine.AtGateway.
	Retry(ref uint64, c, n int)
}

// AnswerKind is what the gateway did with an attempt.
type AnswerKind uint8

// Answers.
const (
	// Refused: the gateway refused the attempt (Decision says how: 403, 429).
	Refused AnswerKind = iota
	// Enqueued: the SQS integration sent the message (MessageID); 200.
	Enqueued
	// Done: a direct integration's backend answered 2xx.
	Done
	// BackendFailed: a direct integration's backend failed (Reply says how), or a throttled
	// Lambda function behind it (Reply zero, Throttled true), or SendMessage failed: 5xx.
	BackendFailed
)

// Answer is the gateway's answer to one attempt.
type Answer struct {
	Kind      AnswerKind
	Decision  model.Decision // Refused
	MessageID uint64         // Enqueued
	Reply     model.Reply    // Done, BackendFailed
	Throttled bool           // BackendFailed: the backend function was throttled (500)
}

// Downstream is the way to the downstream API.
type Downstream interface {
	// Call starts a call for API key key that the caller abandons after timeout; its
	// outcome arrives through Engine.CallDone(tag, reply).
	Call(tag uint64, key string, timeout time.Duration)
	// Health starts a health check; its outcome arrives through Engine.HealthDone.
	Health()
}

// StateMirror writes the orchestrator's state through to its store.
type StateMirror interface {
	// Invoked mirrors one worker invoke: a conditional add on each quota tier's counter.
	Invoked(now time.Duration)
	// Breaker mirrors the breaker opening or closing.
	Breaker(now time.Duration, open bool)
}

// Queue is a queue as the engine reaches it: the model in memory, or a real SQS queue
// behind the same methods (package live). A queue that can also list the bodies it holds
// (model.Queue, Bodies) lets the census tell live requests from stale messages.
type Queue interface {
	model.QueueAPI
	Send(now time.Duration, body uint64, o model.SendOptions) (id uint64, duplicate bool, err error)
	OldestAge(now time.Duration) time.Duration
	Name() string
	Config() model.QueueConfig
}

// AsyncSender is a Queue whose sends complete later (a remote queue): SendAsync starts one
// and the driver delivers its outcome through Engine.SendDone(tag, id, err).
type AsyncSender interface {
	SendAsync(now time.Duration, body uint64, o model.SendOptions, tag uint64)
}

// bodyLister is a queue that can list the bodies it holds (the model).
type bodyLister interface {
	Bodies(fn func(body uint64))
}
