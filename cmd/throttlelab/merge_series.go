package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/throttlelab/throttlelab/metrics"
)

// seriesTakesMax reports whether a column of series.csv merges as the largest shard's value:
// a per-second percentile (an upper bound of the run's), the age of the oldest message, a
// state (breaker open, orchestrator running). Every other column adds up: counts, and the
// gauges of what each shard had in flight, queued or running.
func seriesTakesMax(col string) bool {
	switch col {
	case "e2e_seconds_p50", "e2e_seconds_p99", "breaker_open", "orchestrator_running":
		return true
	}
	return strings.HasSuffix(col, ".oldest_age_seconds") || strings.HasSuffix(col, ".e2e_seconds_p99")
}

// mergeSeries merges the shards' series second by second, shard i's row k at second
// k + offsets[i] (its start's distance from the earliest start, in whole seconds).
func mergeSeries(ss []*metrics.Series, offsets []int) (*metrics.Series, error) {
	cols := ss[0].Columns
	rows := 0
	for i, s := range ss {
		if !slices.Equal(s.Columns, cols) {
			return nil, fmt.Errorf("the shards' series.csv have different columns (shard %d): not runs of one scenario", i)
		}
		rows = max(rows, len(s.Rows)+offsets[i])
	}
	out := &metrics.Series{Columns: cols, Rows: make([][]float64, rows)}
	takeMax := make([]bool, len(cols))
	for j, c := range cols {
		takeMax[j] = seriesTakesMax(c)
	}
	for k := range out.Rows {
		out.Rows[k] = make([]float64, len(cols))
		out.Rows[k][0] = float64(k) // "second"
	}
	for i, s := range ss {
		for k, r := range s.Rows {
			dst := out.Rows[k+offsets[i]]
			for j := 1; j < len(cols); j++ {
				if takeMax[j] {
					dst[j] = max(dst[j], r[j])
				} else {
					dst[j] += r[j]
				}
			}
		}
	}
	return out, nil
}

// mergeResults writes the shards' results.bin into one, in vegeta's (gob) encoding, each
// result taken in order of its send time across the shards (each shard's file in its own
// order). It returns how many results it wrote.
func mergeResults(paths []string, out string) (int, error) {
	var decs []vegeta.Decoder
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return 0, fmt.Errorf("merge results: %w", err)
		}
		defer f.Close()
		dec := vegeta.DecoderFor(bufio.NewReaderSize(f, 1<<16))
		if dec == nil {
			return 0, fmt.Errorf("merge results: %s is not in a vegeta encoding", p)
		}
		decs = append(decs, dec)
	}
	f, err := os.Create(out)
	if err != nil {
		return 0, fmt.Errorf("merge results: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	n, err := interleave(decs, paths, vegeta.NewEncoder(w))
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// interleave encodes the decoders' results, the earliest sent first among each one's next.
func interleave(decs []vegeta.Decoder, names []string, enc vegeta.Encoder) (int, error) {
	heads := make([]*vegeta.Result, len(decs))
	next := func(i int) error {
		var r vegeta.Result
		switch err := decs[i].Decode(&r); {
		case errors.Is(err, io.EOF):
			heads[i] = nil
		case err != nil:
			return fmt.Errorf("merge results: %s: %w", filepath.Base(filepath.Dir(names[i]))+"/"+filepath.Base(names[i]), err)
		default:
			heads[i] = &r
		}
		return nil
	}
	for i := range decs {
		if err := next(i); err != nil {
			return 0, err
		}
	}
	n := 0
	for {
		best, at := -1, time.Time{}
		for i, h := range heads {
			if h != nil && (best < 0 || h.Timestamp.Before(at)) {
				best, at = i, h.Timestamp
			}
		}
		if best < 0 {
			return n, nil
		}
		if err := enc.Encode(heads[best]); err != nil {
			return n, fmt.Errorf("merge results: %w", err)
		}
		n++
		if err := next(best); err != nil {
			return n, err
		}
	}
}
