package metrics

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Series is series.csv: one row per second of scenario time, one column per series. Column
// names are the metric names alarms and charts use: run-wide series first ("offered",
// "gateway_throttled", "downstream_utilization", …), then per queue ("queue.NAME.depth"), per
// client ("client.NAME.offered") and per priority ("priority.P.e2e_seconds_p99").
type Series struct {
	Columns []string
	Rows    [][]float64
}

// Column returns the values of the named column, or nil.
func (s *Series) Column(name string) []float64 {
	for i, c := range s.Columns {
		if c == name {
			out := make([]float64, len(s.Rows))
			for j, r := range s.Rows {
				out[j] = r[i]
			}
			return out
		}
	}
	return nil
}

// Has reports whether the series has the named column.
func (s *Series) Has(name string) bool {
	for _, c := range s.Columns {
		if c == name {
			return true
		}
	}
	return false
}

var baseColumns = []string{"second", "offered", "attempts", "admitted", "gateway_throttled",
	"gateway_quota_exceeded", "gateway_forbidden", "queue_sent", "queue_deleted",
	"queue_deferred", "dlq", "in_flight", "concurrency_in_use", "concurrency_limit",
	"downstream_calls", "downstream_ok", "downstream_429", "downstream_5xx",
	"downstream_timeouts", "downstream_resets", "downstream_utilization", "completed",
	"rejected", "failed", "e2e_seconds_p50", "e2e_seconds_p99", "breaker_open",
	"orchestrator_running"}

// SeriesColumns are the columns of series.csv, the series alarms may watch, for a run with
// these queues and clients: "second", the run-wide series, then per queue, per client and per
// priority.
func SeriesColumns(queues, clients []string) []string {
	cols := append([]string(nil), baseColumns...)
	for _, q := range queues {
		cols = append(cols, "queue."+q+".depth", "queue."+q+".in_flight",
			"queue."+q+".oldest_age_seconds", "queue."+q+".dlq")
	}
	for _, c := range clients {
		cols = append(cols, "client."+c+".offered", "client."+c+".admitted",
			"client."+c+".throttled", "client."+c+".forbidden", "client."+c+".completed")
	}
	for _, p := range Priorities {
		cols = append(cols, "priority."+p+".completed", "priority."+p+".e2e_seconds_p99")
	}
	return cols
}

func (r *Recorder) export() *Series {
	clients := make([]string, len(r.cfg.Clients))
	for i, c := range r.cfg.Clients {
		clients[i] = c.Name
	}
	s := &Series{Columns: SeriesColumns(r.cfg.Queues, clients)}
	capRate := r.rateCap()
	for sec := range r.series.rows {
		s.Rows = append(s.Rows, r.rowValues(sec, capRate))
	}
	return s
}

func (r *Recorder) rowValues(sec int, capRate float64) []float64 {
	x := &r.series.rows[sec]
	util := 0.0
	if capRate > 0 {
		util = float64(x.ok) / capRate
	}
	v := []float64{float64(sec), f(x.offered), f(x.attempts), f(x.admitted), f(x.throttled),
		f(x.quota), f(x.forbidden), f(x.sent), f(x.deleted), f(x.deferred), f(x.dlq),
		f(x.inFlight), f(x.concInUse), f(x.concLimit), f(x.calls), f(x.ok), f(x.c429),
		f(x.c5xx), f(x.timeouts), f(x.resets), util, f(x.completed), f(x.rejected),
		f(x.failed), x.e2eP50, x.e2eP99, f(x.breakerOpen), f(x.orchRunning)}
	for q := range r.cfg.Queues {
		qr := r.series.queues[sec*r.series.nQueues+q]
		v = append(v, f(qr.depth), f(qr.inFlight), qr.oldest.Seconds(), f(qr.dlq))
	}
	for c := range r.cfg.Clients {
		cr := r.series.clients[sec*r.series.nClients+c]
		v = append(v, f(cr.offered), f(cr.admitted), f(cr.throttled), f(cr.forbidden), f(cr.completed))
	}
	for p := range Priorities {
		pr := r.series.pris[sec*3+p]
		v = append(v, f(pr.completed), pr.e2eP99)
	}
	return v
}

// WriteCSV writes the series with a header row.
func (s *Series) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(s.Columns); err != nil {
		return err
	}
	rec := make([]string, len(s.Columns))
	for _, r := range s.Rows {
		for i, v := range r {
			rec[i] = strconv.FormatFloat(v, 'g', 6, 64)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteFile writes the series as CSV to path.
func (s *Series) WriteFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write series: %w", err)
	}
	if err := s.WriteCSV(f); err != nil {
		f.Close()
		return fmt.Errorf("write series %s: %w", path, err)
	}
	return f.Close()
}

// ReadSeries reads a series.csv.
func ReadSeries(path string) (*Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read series %s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("read series %s: no header", path)
	}
	s := &Series{Columns: recs[0]}
	for i, rec := range recs[1:] {
		r := make([]float64, len(rec))
		for j, v := range rec {
			if r[j], err = strconv.ParseFloat(v, 64); err != nil {
				return nil, fmt.Errorf("read series %s: line %d column %s: %w", path, i+2, s.Columns[j], err)
			}
		}
		s.Rows = append(s.Rows, r)
	}
	return s, nil
}
