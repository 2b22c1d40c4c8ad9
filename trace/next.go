package trace

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Next returns the next request in time order; false when there are no more (see Err).
func (rd *Reader) Next() (Request, bool) {
	for rd.err == nil {
		if rd.pend.ready(rd.ended) {
			h, _ := rd.pend.peek()
			rd.pend.pop()
			if r, ok := rd.give(h); ok {
				return r, true
			}
			continue
		}
		if rd.ended {
			rd.finish()
			break
		}
		rd.read()
	}
	return Request{}, false
}

// read takes the decoder's next line into the pending requests.
func (rd *Reader) read() {
	line, err := rd.dec.next(&rd.e)
	var le *lineError
	switch {
	case err == io.EOF:
		rd.ended = true
	case errors.As(err, &le):
		rd.bad(le.line, le.err)
	case err != nil:
		rd.err = fmt.Errorf("read %s: %w", rd.name, err)
	default:
		rd.take(line)
	}
}

func (rd *Reader) take(line int64) {
	e := &rd.e
	at := e.at
	if e.coarse {
		at += rd.opts.Spread.Int64N(int64(time.Second))
	}
	if rd.started && at < rd.lastOut {
		rd.bad(line, fmt.Errorf("logged %s after a request it precedes: more than %s out of order (sort the log by time)",
			time.Duration(rd.lastOut-at), time.Duration(ReorderWindow)))
		return
	}
	rd.stats.Lines++
	h := held{at: at, raw: e.at, line: line, coarse: e.coarse, key: intern(rd.keys, e.key, maxKeys)}
	if rd.opts.Routes {
		h.route = rd.route(e.method, e.path)
	}
	if !rd.started && (!rd.seen || e.at < rd.stats.Origin) {
		rd.stats.Origin = e.at // the earliest so far, until the first request is given out
	}
	rd.seen = true
	rd.pend.push(h)
}

// bad counts a line that could not be read, and refuses a trace whose first thousand lines
// are mostly bad (a wrong format, most likely) without reading the rest.
func (rd *Reader) bad(line int64, err error) {
	rd.stats.Lines++
	rd.stats.Bad++
	if len(rd.stats.Samples) < maxSamples {
		rd.stats.Samples = append(rd.stats.Samples, fmt.Sprintf("%s:%d: %v", rd.name, line, err))
	}
	if rd.stats.Lines >= 1000 && 2*rd.stats.Bad > rd.stats.Lines {
		rd.err = fmt.Errorf("%w: %s: %d of its first %d lines could not be read as %s:\n  %s",
			ErrTooManyBad, rd.name, rd.stats.Bad, rd.stats.Lines, rd.opts.Format, strings.Join(rd.stats.Samples, "\n  "))
	}
}

// give hands out a request of the pending ones, unless APIKey leaves it out.
func (rd *Reader) give(h held) (Request, bool) {
	rd.started = true
	rd.lastOut = h.at
	if _, ok := rd.stats.Keys[h.key]; ok || len(rd.stats.Keys) < maxKeys {
		rd.stats.Keys[h.key]++
	}
	if rd.opts.APIKey != "" && h.key != rd.opts.APIKey {
		rd.stats.OtherKeys++
		return Request{}, false
	}
	rd.stats.Requests++
	end := h.raw + 1
	if h.coarse {
		rd.stats.Coarse++
		end = h.raw + int64(time.Second)
	}
	rd.stats.End = max(rd.stats.End, end)
	return Request{At: h.at, Key: h.key, Route: h.route, Line: h.line, Coarse: h.coarse}, true
}

// finish refuses a trace with more than BadLimit bad lines.
func (rd *Reader) finish() {
	s := rd.stats
	if s.Lines == 0 || float64(s.Bad) <= BadLimit*float64(s.Lines) {
		return
	}
	rd.err = fmt.Errorf("%w: %s: %d of its %d lines (%.2f%%) could not be read as %s, more than the %g%% allowed:\n  %s",
		ErrTooManyBad, rd.name, s.Bad, s.Lines, 100*float64(s.Bad)/float64(s.Lines), rd.opts.Format,
		100*BadLimit, strings.Join(s.Samples, "\n  "))
}

// route interns "METHOD /path", up to maxKeys routes; the rest share one name.
func (rd *Reader) route(method, path []byte) string {
	if len(method) == 0 && len(path) == 0 {
		return ""
	}
	b := make([]byte, 0, len(method)+1+len(path))
	b = append(append(append(b, method...), ' '), path...)
	if r, ok := rd.routes[string(b)]; ok {
		return r
	}
	if len(rd.routes) >= maxKeys {
		return "(other routes)"
	}
	r := string(b)
	rd.routes[r] = r
	return r
}

// intern returns the string of b, the same string for the same bytes (up to limit of them).
func intern(m map[string]string, b []byte, limit int) string {
	if s, ok := m[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(m) < limit {
		m[s] = s
	}
	return s
}
