package model

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func newTaskTokens(t *testing.T, timeout, heartbeat time.Duration) *TaskTokens {
	t.Helper()
	tt, err := NewTaskTokens(TaskTokenConfig{Timeout: timeout, Heartbeat: heartbeat})
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

type ttOp uint8

const (
	ttStart ttOp = iota
	ttBeat
	ttSucceed
	ttFail
	ttExpire
)

// ttStep acts on execution exec (the index of its Start in the table's order) at at.
type ttStep struct {
	at      time.Duration
	op      ttOp
	exec    int
	err     error
	expired []int         // ttExpire: executions timed out, in order
	next    time.Duration // NextDeadline after the step; -1: none
}

// Timeout 60s, heartbeat 20s: execution 0 is answered in time; 1 sits in its queue and
// misses its first heartbeat; 2 heartbeats until the Timeout stops it; 3 is answered at
// its deadline, before Expire ran.
func TestTaskTokensTable(t *testing.T) {
	tt := newTaskTokens(t, time.Minute, 20*time.Second)
	const s = time.Second
	var toks []Token
	for i, st := range []ttStep{
		{0, ttStart, 0, nil, nil, 20 * s},
		{1 * s, ttStart, 1, nil, nil, 20 * s},
		{2 * s, ttStart, 2, nil, nil, 20 * s},
		{10 * s, ttSucceed, 0, nil, nil, 21 * s}, // success before its deadline
		{15 * s, ttBeat, 2, nil, nil, 21 * s},    // 2's heartbeat deadline: 35s
		{21*s - 1, ttExpire, 0, nil, nil, 21 * s},
		{21 * s, ttExpire, 0, nil, []int{1}, 35 * s}, // 1 missed its heartbeat
		{21 * s, ttSucceed, 1, ErrTaskTimedOut, nil, 35 * s},
		{34 * s, ttBeat, 2, nil, nil, 54 * s},
		{50 * s, ttBeat, 2, nil, nil, 62 * s}, // capped by the Timeout: 2s+60s
		{55 * s, ttStart, 3, nil, nil, 62 * s},
		{62 * s, ttBeat, 2, ErrTaskTimedOut, nil, 62 * s}, // at the deadline: too late
		{75 * s, ttSucceed, 3, ErrTaskTimedOut, nil, 62 * s},
		{75 * s, ttFail, 3, ErrTaskTimedOut, nil, 62 * s},
		{80 * s, ttExpire, 0, nil, []int{2, 3}, -1},
		{81 * s, ttSucceed, 0, ErrTaskTimedOut, nil, -1}, // already closed
		{82 * s, ttStart, 4, nil, nil, 102 * s},          // reuses a slot: a new token
		{83 * s, ttFail, 4, nil, nil, -1},
	} {
		var (
			err     error
			expired []int
		)
		switch st.op {
		case ttStart:
			toks = append(toks, tt.Start(st.at, uint64(100+st.exec)))
		case ttBeat:
			err = tt.Heartbeat(st.at, toks[st.exec])
		case ttSucceed:
			var p uint64
			if p, _, err = tt.Succeed(st.at, toks[st.exec]); err == nil && p != uint64(100+st.exec) {
				t.Errorf("step %d: payload %d", i, p)
			}
		case ttFail:
			_, err = tt.Fail(st.at, toks[st.exec])
		case ttExpire:
			tt.Expire(st.at, func(tok Token, payload uint64, _ time.Duration) {
				expired = append(expired, int(payload-100))
				if tok != toks[payload-100] {
					t.Errorf("step %d: token %x for execution %d", i, tok, payload-100)
				}
			})
		}
		next, ok := tt.NextDeadline()
		if !ok {
			next = -1
		}
		if !errors.Is(err, st.err) || !slices.Equal(expired, st.expired) || next != st.next {
			t.Errorf("step %d at %v: err %v expired %v next %v, want %v %v %v",
				i, st.at, err, expired, next, st.err, st.expired, st.next)
		}
	}
	// 5 starts + 1 success + 1 failure + 3 time-outs = 10 transitions; 1 and 3 missed a
	// heartbeat, 2 reached the Timeout.
	if tt.Running() != 0 || tt.Transitions() != 10 || tt.TimedOut() != 3 || tt.HeartbeatTimedOut() != 2 {
		t.Errorf("running %d transitions %d timed out %d (heartbeat %d), want 0 10 3 2",
			tt.Running(), tt.Transitions(), tt.TimedOut(), tt.HeartbeatTimedOut())
	}
	if toks[4] == toks[0] || toks[4] == toks[1] || toks[4] == toks[2] || toks[4] == toks[3] {
		t.Error("a reused slot issued an old token again")
	}
}

func TestTaskTokensTimeoutAtExactlyTimeout(t *testing.T) {
	tt := newTaskTokens(t, time.Hour, 0)
	tok := tt.Start(time.Minute, 7)
	tt.Expire(time.Hour+time.Minute-1, func(Token, uint64, time.Duration) { t.Error("expired early") })
	if err := tt.Heartbeat(time.Hour, tok); err != nil { // no HeartbeatSeconds: accepted, no effect
		t.Errorf("Heartbeat: %v", err)
	}
	if at, _ := tt.NextDeadline(); at != time.Hour+time.Minute {
		t.Errorf("NextDeadline = %v, want 1h1m", at)
	}
	if _, _, err := tt.Succeed(time.Hour+time.Minute, tok); !errors.Is(err, ErrTaskTimedOut) {
		t.Errorf("Succeed at the deadline: %v, want ErrTaskTimedOut", err)
	}
	if tt.Running() != 1 {
		t.Error("a late callback must leave the execution for Expire")
	}
	var started time.Duration
	tt.Expire(time.Hour+time.Minute, func(_ Token, _ uint64, s time.Duration) { started = s })
	if started != time.Minute || tt.TimedOut() != 1 || tt.HeartbeatTimedOut() != 0 || tt.Running() != 0 {
		t.Errorf("started %v timed out %d heartbeat %d running %d", started, tt.TimedOut(), tt.HeartbeatTimedOut(), tt.Running())
	}
}

func TestTaskTokensInvalidTokens(t *testing.T) {
	tt := newTaskTokens(t, time.Minute, 0)
	tok := tt.Start(0, 1)
	for _, bad := range []Token{0, tok + 1, tok + 1<<32, 1, 1<<32 | 5} {
		if _, _, err := tt.Succeed(time.Second, bad); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("Succeed(%x): %v, want ErrInvalidToken", bad, err)
		}
		if err := tt.Heartbeat(time.Second, bad); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("Heartbeat(%x): %v, want ErrInvalidToken", bad, err)
		}
	}
	if p, started, err := tt.Succeed(time.Second, tok); p != 1 || started != 0 || err != nil {
		t.Errorf("Succeed = %d %v %v", p, started, err)
	}
	if _, err := tt.Fail(2*time.Second, tok); !errors.Is(err, ErrTaskTimedOut) {
		t.Errorf("Fail on a closed execution: %v, want ErrTaskTimedOut", err)
	}
}

// Expire reports deadlines in order, ties in start order, and fn may start executions.
func TestTaskTokensExpireOrder(t *testing.T) {
	tt := newTaskTokens(t, time.Minute, 20*time.Second)
	var toks []Token
	for i := range 5 {
		toks = append(toks, tt.Start(0, uint64(i))) // deadlines 20s
	}
	for _, b := range []struct {
		at   time.Duration
		exec int
	}{{3 * time.Second, 3}, {5 * time.Second, 2}, {5 * time.Second, 0}} {
		if err := tt.Heartbeat(b.at, toks[b.exec]); err != nil {
			t.Fatal(err)
		}
	}
	// deadlines: 0 → 25s, 1 → 20s, 2 → 25s, 3 → 23s, 4 → 20s
	var got []uint64
	tt.Expire(time.Minute, func(_ Token, p uint64, _ time.Duration) {
		got = append(got, p)
		if p == 1 {
			tt.Start(time.Minute, 99) // a retry started from the callback
		}
	})
	want := []uint64{1, 4, 3, 0, 2}
	if len(got) != len(want) {
		t.Fatalf("expired %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("expired %v, want %v", got, want)
		}
	}
	if tt.Running() != 1 || tt.HeartbeatTimedOut() != 5 {
		t.Errorf("Running = %d (want 1, started by fn), heartbeat timeouts %d (want 5)", tt.Running(), tt.HeartbeatTimedOut())
	}
}

func TestTaskTokensConfig(t *testing.T) {
	for _, cfg := range []TaskTokenConfig{
		{}, {Timeout: -time.Second}, {Timeout: TaskTokenMaxTimeout + 1},
		{Timeout: time.Minute, Heartbeat: time.Minute}, {Timeout: time.Minute, Heartbeat: -1},
	} {
		if _, err := NewTaskTokens(cfg); err == nil {
			t.Errorf("NewTaskTokens(%+v): no error", cfg)
		}
	}
	cfg := TaskTokenConfig{Timeout: TaskTokenMaxTimeout, Heartbeat: time.Hour}
	if tt, err := NewTaskTokens(cfg); err != nil || tt.Config() != cfg {
		t.Errorf("NewTaskTokens(%+v): %v", cfg, err)
	}
}

// Memory stays bounded by the executions running at once, and steady state allocates
// nothing.
func TestTaskTokensSteadyState(t *testing.T) {
	tt := newTaskTokens(t, 30*time.Second, 10*time.Second)
	var (
		now  time.Duration
		toks []Token
	)
	toks = make([]Token, 0, 64)
	step := func() {
		for range 4 {
			toks = append(toks, tt.Start(now, 1))
		}
		for i, tok := range toks[:len(toks)-4] {
			switch i % 3 {
			case 0:
				tt.Succeed(now, tok)
			case 1:
				tt.Heartbeat(now, tok)
			}
		}
		toks = toks[:copy(toks, toks[len(toks)-4:])]
		tt.Expire(now, nil)
		now += 5 * time.Second
	}
	for range 100 {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("%v allocations per step, want 0", n)
	}
	if len(tt.slots) > 64 || len(tt.heap) != tt.Running() || len(tt.free)+tt.Running() != len(tt.slots) {
		t.Errorf("slots %d heap %d free %d running %d", len(tt.slots), len(tt.heap), len(tt.free), tt.Running())
	}
}

// A seeded random run against a brute-force reference: deadlines, Expire order and
// callback answers agree.
func TestTaskTokensMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tt := newTaskTokens(t, 40*time.Second, 7*time.Second)
	type ref struct {
		tok               Token
		started, deadline time.Duration
		open              bool
	}
	var (
		all []ref
		now time.Duration
	)
	for step := range 20000 {
		now += time.Duration(rng.IntN(2000)) * time.Millisecond
		switch k := rng.IntN(len(all) + 1); {
		case rng.IntN(3) == 0:
			all = append(all, ref{tt.Start(now, uint64(len(all))), now, min(now+40*time.Second, now+7*time.Second), true})
		case k < len(all):
			r := &all[k]
			want := error(nil)
			if !r.open || now >= r.deadline {
				want = ErrTaskTimedOut
			}
			var err error
			if rng.IntN(2) == 0 {
				err = tt.Heartbeat(now, r.tok)
				if err == nil {
					r.deadline = min(r.started+40*time.Second, now+7*time.Second)
				}
			} else if _, _, err = tt.Succeed(now, r.tok); err == nil {
				r.open = false
			}
			if !errors.Is(err, want) {
				t.Fatalf("step %d: err %v, want %v", step, err, want)
			}
		default:
			var wantOrder []uint64
			for i := range all { // reference order: deadline, then start order
				if all[i].open && all[i].deadline <= now {
					wantOrder = append(wantOrder, uint64(i))
				}
			}
			slices.SortStableFunc(wantOrder, func(a, b uint64) int { return cmp.Compare(all[a].deadline, all[b].deadline) })
			var got []uint64
			tt.Expire(now, func(_ Token, p uint64, _ time.Duration) { got = append(got, p); all[p].open = false })
			if !slices.Equal(got, wantOrder) {
				t.Fatalf("step %d: expired %v, want %v", step, got, wantOrder)
			}
		}
		next, ok := tt.NextDeadline()
		var wantNext time.Duration = -1
		for _, r := range all {
			if r.open && (wantNext < 0 || r.deadline < wantNext) {
				wantNext = r.deadline
			}
		}
		if !ok {
			next = -1
		}
		if next != wantNext {
			t.Fatalf("step %d: NextDeadline %v, want %v", step, next, wantNext)
		}
	}
}
