package model

import (
	"errors"
	"fmt"
	"time"
)

// TaskTokenConfig is the Task state of a Step Functions Standard workflow that waits for a
// callback (Resource "arn:aws:states:::sqs:sendMessage.waitForTaskToken", seed 000).
type TaskTokenConfig struct {
	// Timeout is the state's TimeoutSeconds: how long it waits for SendTaskSuccess or
	// SendTaskFailure whatever heartbeats arrive; positive, at most TaskTokenMaxTimeout.
	Timeout time.Duration
	// Heartbeat is the state's HeartbeatSeconds: the longest allowed silence between the
	// start and a heartbeat or between two heartbeats; 0 for none, else less than Timeout.
	Heartbeat time.Duration
}

// TaskTokenMaxTimeout is the longest a Standard workflow execution may run: one year
// (Step Functions Developer Guide, "Continue long-running workflows using Step Functions
// API", docs.aws.amazon.com/step-functions/latest/dg/tutorial-continue-new.html, which
// gives Standard executions a maximum duration of one year; the seed says the same).
const TaskTokenMaxTimeout = 365 * 24 * time.Hour

// Token names one execution's wait: the task token Step Functions puts in $$.Task.Token.
// The zero Token is never issued.
type Token uint64

// Errors Step Functions answers SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat
// with (Step Functions API Reference, SendTaskSuccess, "Errors").
var (
	// ErrTaskTimedOut (TaskTimedOut): "The task token has either expired or the task
	// associated with the token has already been closed."
	ErrTaskTimedOut = errors.New("task timed out")
	// ErrInvalidToken (InvalidToken): "The provided token is not valid": never issued.
	ErrInvalidToken = errors.New("invalid token")
)

// TaskTokens models the executions of a Step Functions state machine that each wait in a
// .waitForTaskToken Task state, consuming nothing, until a worker calls back with the task
// token (seed 000, "Simple Concurrency Limiting with AWS Primitives"). Start is
// StartExecution; Succeed, Fail and Heartbeat are SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat; Expire fails the executions whose deadline passed. An execution's
// deadline is the earlier of start+Timeout and, when Heartbeat is set, its last heartbeat
// (or start) +Heartbeat: "This action resets the Heartbeat clock ... The Timeout of a task
// ... is its maximum allowed duration, regardless of the number of SendTaskHeartbeat
// requests received" (API Reference, SendTaskHeartbeat). A deadline is reached at the
// instant itself: a callback at or after it is answered ErrTaskTimedOut even before Expire
// has run, and the execution is left for Expire to report.
//
// Transitions counts the billed state transitions ("Step Functions counts a state
// transition each time a step of your workflow is executed", aws.amazon.com/step-functions
// /pricing) of the seed's one-state machine, Start → Task → End: entering the Task state
// is 1, leaving it (success, failure or time-out) is 1 more.
//
// Deviations: the Timeout and heartbeat failures (States.Timeout and
// States.HeartbeatTimeout in AWS) both end the execution here, with no Retry or Catch;
// HeartbeatTimedOut tells them apart. The account's limit of open executions and the
// StartExecution and callback API rate limits are not modelled. Tokens are dense integers,
// not opaque strings.
//
// Memory is bounded by the most executions running at once (a slab of slots reused
// through a free list, and an indexed heap of deadlines); every operation is O(log n).
// Instants must not go backwards. The zero value is not usable: use NewTaskTokens. A
// TaskTokens is not safe for concurrent use.
type TaskTokens struct {
	cfg   TaskTokenConfig
	slots []ttSlot
	free  []int32 // free slot indices
	heap  []int32 // running slots, a min-heap by (deadline, seq)
	seq   uint64

	transitions, timedOut, heartbeatTimedOut int64
}

// ttSlot holds one running execution, or none (pos < 0). A Token is (gen << 32 | index):
// gen counts the executions the slot has held, so a token of an earlier one is recognised
// as closed, and a token with a later gen as never issued.
type ttSlot struct {
	payload  uint64
	started  time.Duration
	deadline time.Duration
	seq      uint64 // start order: breaks ties between equal deadlines
	gen      uint32
	pos      int32 // index in heap; -1 when free
}

// NewTaskTokens returns a model with no execution running, for cfg.
func NewTaskTokens(cfg TaskTokenConfig) (*TaskTokens, error) {
	if cfg.Timeout <= 0 || cfg.Timeout > TaskTokenMaxTimeout {
		return nil, fmt.Errorf("new task tokens: timeout %v: need more than 0, at most %v",
			cfg.Timeout, TaskTokenMaxTimeout)
	}
	if cfg.Heartbeat < 0 || cfg.Heartbeat >= cfg.Timeout {
		return nil, fmt.Errorf("new task tokens: heartbeat %v: need 0 (none) or less than the timeout %v",
			cfg.Heartbeat, cfg.Timeout)
	}
	return &TaskTokens{cfg: cfg}, nil
}

// Config returns the model's configuration.
func (t *TaskTokens) Config() TaskTokenConfig { return t.cfg }

// Start starts an execution carrying payload (StartExecution); it enters its Task state at
// now and waits for its token.
func (t *TaskTokens) Start(now time.Duration, payload uint64) Token {
	var idx int32
	if n := len(t.free); n > 0 {
		idx, t.free = t.free[n-1], t.free[:n-1]
	} else {
		idx = int32(len(t.slots))
		t.slots = append(t.slots, ttSlot{pos: -1})
	}
	t.seq++
	s := &t.slots[idx]
	s.gen++
	s.payload, s.started, s.seq = payload, now, t.seq
	s.deadline = t.deadline(now, now)
	s.pos = int32(len(t.heap))
	t.heap = append(t.heap, idx)
	t.up(int(s.pos))
	t.transitions++
	return Token(uint64(s.gen)<<32 | uint64(idx))
}

// deadline returns when an execution started at started, last heard of at beat, times out.
func (t *TaskTokens) deadline(started, beat time.Duration) time.Duration {
	d := started + t.cfg.Timeout
	if t.cfg.Heartbeat > 0 {
		d = min(d, beat+t.cfg.Heartbeat)
	}
	return d
}

// Heartbeat records SendTaskHeartbeat for tok at now: the heartbeat deadline restarts from
// now (never beyond the Timeout). Without a Heartbeat configured it has no effect.
func (t *TaskTokens) Heartbeat(now time.Duration, tok Token) error {
	idx, err := t.running(now, tok)
	if err != nil || t.cfg.Heartbeat == 0 {
		return err
	}
	s := &t.slots[idx]
	s.deadline = t.deadline(s.started, now)
	t.fix(int(s.pos))
	return nil
}

// Succeed records SendTaskSuccess for tok at now: the execution ends, and its payload and
// start instant are returned. A closed or timed-out execution's token is ErrTaskTimedOut,
// one never issued ErrInvalidToken.
func (t *TaskTokens) Succeed(now time.Duration, tok Token) (payload uint64, started time.Duration, err error) {
	return t.close(now, tok)
}

// Fail records SendTaskFailure for tok at now: the execution ends (failed), and its payload
// is returned. Errors are those of Succeed.
func (t *TaskTokens) Fail(now time.Duration, tok Token) (payload uint64, err error) {
	payload, _, err = t.close(now, tok)
	return payload, err
}

func (t *TaskTokens) close(now time.Duration, tok Token) (uint64, time.Duration, error) {
	idx, err := t.running(now, tok)
	if err != nil {
		return 0, 0, err
	}
	s := t.slots[idx]
	t.end(idx)
	t.transitions++
	return s.payload, s.started, nil
}

// running returns the slot of tok's execution if it is still waiting at now.
func (t *TaskTokens) running(now time.Duration, tok Token) (int32, error) {
	idx, gen := uint32(tok), uint32(tok>>32)
	if gen == 0 || uint64(idx) >= uint64(len(t.slots)) {
		return 0, ErrInvalidToken
	}
	s := &t.slots[idx]
	switch {
	case gen > s.gen:
		return 0, ErrInvalidToken
	case gen < s.gen || s.pos < 0 || now >= s.deadline:
		return 0, ErrTaskTimedOut
	}
	return int32(idx), nil
}

// Expire times out every execution whose deadline (Timeout or heartbeat) is at or before
// now, earliest deadline first (ties in start order), calling fn, if not nil, for each
// after it has ended; fn may call t's methods.
func (t *TaskTokens) Expire(now time.Duration, fn func(tok Token, payload uint64, started time.Duration)) {
	for len(t.heap) > 0 && t.slots[t.heap[0]].deadline <= now {
		idx := t.heap[0]
		s := t.slots[idx]
		t.end(idx)
		t.transitions++
		t.timedOut++
		if s.deadline < s.started+t.cfg.Timeout {
			t.heartbeatTimedOut++
		}
		if fn != nil {
			fn(Token(uint64(s.gen)<<32|uint64(idx)), s.payload, s.started)
		}
	}
}

// NextDeadline returns the earliest deadline of a running execution; ok is false when none
// is running.
func (t *TaskTokens) NextDeadline() (at time.Duration, ok bool) {
	if len(t.heap) == 0 {
		return 0, false
	}
	return t.slots[t.heap[0]].deadline, true
}

// Running returns the executions waiting for their token (timed out ones included until
// Expire ends them).
func (t *TaskTokens) Running() int { return len(t.heap) }

// Transitions returns the billed state transitions so far (see TaskTokens).
func (t *TaskTokens) Transitions() int64 { return t.transitions }

// TimedOut returns the executions Expire ended, for either deadline.
func (t *TaskTokens) TimedOut() int64 { return t.timedOut }

// HeartbeatTimedOut returns those of TimedOut that missed a heartbeat
// (States.HeartbeatTimeout) rather than reached the Timeout (States.Timeout).
func (t *TaskTokens) HeartbeatTimedOut() int64 { return t.heartbeatTimedOut }

// end removes slot idx's execution from the heap and frees the slot.
func (t *TaskTokens) end(idx int32) {
	i, last := int(t.slots[idx].pos), len(t.heap)-1
	t.swap(i, last)
	t.heap = t.heap[:last]
	t.slots[idx].pos = -1
	t.free = append(t.free, idx)
	if i < last {
		t.fix(i)
	}
}

func (t *TaskTokens) less(i, j int) bool {
	a, b := &t.slots[t.heap[i]], &t.slots[t.heap[j]]
	return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq)
}

func (t *TaskTokens) swap(i, j int) {
	t.heap[i], t.heap[j] = t.heap[j], t.heap[i]
	t.slots[t.heap[i]].pos, t.slots[t.heap[j]].pos = int32(i), int32(j)
}

// fix restores the heap order after the element at i changed its deadline.
func (t *TaskTokens) fix(i int) {
	if !t.down(i) {
		t.up(i)
	}
}

func (t *TaskTokens) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.less(i, p) {
			return
		}
		t.swap(i, p)
		i = p
	}
}

// down sifts the element at i down and reports whether it moved.
func (t *TaskTokens) down(i int) bool {
	start, n := i, len(t.heap)
	for {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && t.less(l, m) {
			m = l
		}
		if r < n && t.less(r, m) {
			m = r
		}
		if m == i {
			return i != start
		}
		t.swap(i, m)
		i = m
	}
}
