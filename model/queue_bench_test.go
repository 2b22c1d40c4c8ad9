package model

import (
	"testing"
	"time"
)

func TestQueueSteadyStateAllocatesNothing(t *testing.T) {
	q := qtQueue(t, QueueConfig{}, QueueHooks{})
	buf := make([]Message, 0, 10)
	var now time.Duration
	step := func() {
		now += time.Millisecond
		q.Send(now, 1, SendOptions{})
		for _, m := range q.Receive(now, 10, 0, buf[:0]) {
			_ = q.Delete(now, m.Receipt)
		}
	}
	for range 100000 {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("%v allocations per send/receive/delete", n)
	}
}

func BenchmarkQueueSendReceiveDelete(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
		lag   int // deletes trail receives by this many messages (in-flight working set)
	}{{"batch1", 1, 0}, {"batch10", 10, 0}, {"batch1-inflight2000", 1, 2000}} {
		b.Run(bc.name, func(b *testing.B) {
			q, _ := NewQueue(QueueConfig{}, QueueHooks{})
			buf := make([]Message, 0, 10)
			var pending qring[Receipt]
			var now time.Duration
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				now += 500 * time.Microsecond // 2,000 messages a second
				q.Send(now, uint64(i), SendOptions{})
				if (i+1)%bc.batch != 0 {
					continue
				}
				for _, m := range q.Receive(now, bc.batch, 0, buf[:0]) {
					pending.push(m.Receipt)
				}
				for pending.len() > bc.lag {
					q.Delete(now, pending.pop())
				}
			}
		})
	}
}
