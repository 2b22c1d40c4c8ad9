package metrics

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// row is one second of the run-wide series.
type row struct {
	offered, attempts, admitted, throttled, quota, forbidden int64
	sent, deleted, deferred, dlq                             int64
	calls, ok, c429, c5xx, timeouts, resets                  int64
	completed, rejected, failed                              int64
	inFlight, concInUse, concLimit, breakerOpen, orchRunning int64
	e2eP50, e2eP99                                           float64
}

type clientRow struct{ offered, admitted, throttled, forbidden, completed int64 }

type queueRow struct {
	depth, inFlight, dlq int64
	oldest               time.Duration
}

type priRow struct {
	completed int64
	e2eP99    float64
}

// series holds the per-second rows; it grows as time advances.
type series struct {
	nClients, nQueues int
	rows              []row
	clients           []clientRow // second*nClients + client
	queues            []queueRow  // second*nQueues + queue
	pris              []priRow    // second*3 + priority
	// per-second latency, reset when a second closes; 2 significant digits is enough for a
	// chart and keeps the reset cheap over a day of seconds.
	secE2E [4]*hdr.Histogram // all, then per priority
	// last is the second of the latest lookup, which starts at lastFrom.
	last     int
	lastFrom time.Duration
}

func newSeries(nClients, nQueues int) series {
	s := series{nClients: nClients, nQueues: nQueues, lastFrom: -time.Hour}
	for i := range s.secE2E {
		s.secE2E[i] = hdr.New(1, histMax, 2)
	}
	return s
}

func (s *series) grow(sec int) {
	for len(s.rows) <= sec {
		s.rows = append(s.rows, row{})
		for range s.nClients {
			s.clients = append(s.clients, clientRow{})
		}
		for range s.nQueues {
			s.queues = append(s.queues, queueRow{})
		}
		s.pris = append(s.pris, priRow{}, priRow{}, priRow{})
	}
}

func secOf(t time.Duration) int {
	if t < 0 {
		return 0
	}
	return int(t / time.Second)
}

// sec returns the second t falls in, growing the rows to hold it. Most calls are for the
// second of the previous call: it is remembered, to spare a division on the hot path.
func (s *series) sec(t time.Duration) int {
	if t >= s.lastFrom && t < s.lastFrom+time.Second {
		return s.last
	}
	sec := secOf(t)
	s.grow(sec)
	s.last, s.lastFrom = sec, time.Duration(sec)*time.Second
	return sec
}

func (s *series) at(t time.Duration) *row { return &s.rows[s.sec(t)] }

func (s *series) client(t time.Duration, c int) *clientRow {
	return &s.clients[s.sec(t)*s.nClients+c]
}

func (s *series) queue(t time.Duration, q int) *queueRow {
	sec := secOf(t)
	s.grow(sec)
	return &s.queues[sec*s.nQueues+q]
}

func (s *series) recordE2E(t time.Duration, pri int, e2e time.Duration) {
	v := micros(e2e)
	_ = s.secE2E[0].RecordValue(v)
	_ = s.secE2E[1+pri].RecordValue(v)
	s.grow(secOf(t))
	s.pris[secOf(t)*3+pri].completed++
}

// closeE2E turns the second's latency histograms into percentiles and resets them.
func (s *series) closeE2E(t time.Duration) {
	sec := secOf(t)
	s.grow(sec)
	if h := s.secE2E[0]; h.TotalCount() > 0 {
		s.rows[sec].e2eP50 = float64(h.ValueAtQuantile(50)) / 1e6
		s.rows[sec].e2eP99 = float64(h.ValueAtQuantile(99)) / 1e6
		h.Reset()
	}
	for p := range 3 {
		if h := s.secE2E[1+p]; h.TotalCount() > 0 {
			s.pris[sec*3+p].e2eP99 = float64(h.ValueAtQuantile(99)) / 1e6
			h.Reset()
		}
	}
}
