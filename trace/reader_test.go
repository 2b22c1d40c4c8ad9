package trace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// readAll reads every request of a trace held in memory.
func readAll(t *testing.T, data string, opts Options) ([]Request, Stats, error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(data), "t.log", opts)
	if err != nil {
		return nil, Stats{}, err
	}
	var out []Request
	for {
		r, ok := rd.Next()
		if !ok {
			return out, rd.Stats(), rd.Err()
		}
		out = append(out, r)
	}
}

// csvLines writes a csv trace of requests at the given offsets (ms) from t0, keys cycling.
func csvLines(offsetsMS []int64, keys ...string) string {
	var b strings.Builder
	for i, off := range offsetsMS {
		fmt.Fprintf(&b, "%d,%s,GET,/\n", 1767607200000+off, keys[i%len(keys)])
	}
	return b.String()
}

func TestReaderPutsRequestsBackInOrder(t *testing.T) {
	// Logged out of order by up to a minute (as log streams interleave): given out in order.
	offs := []int64{0, 5000, 1000, 60000, 2000, 61000, 30000, 59999}
	reqs, st, err := readAll(t, csvLines(offs, "a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range reqs {
		got = append(got, (r.At-ns("2026-01-05T10:00:00Z"))/1e6)
	}
	if fmt.Sprint(got) != "[0 1000 2000 5000 30000 59999 60000 61000]" || st.Bad != 0 || st.Lines != 8 {
		t.Errorf("got %v, stats %+v", got, st)
	}
	if st.Origin != ns("2026-01-05T10:00:00Z") || st.End != ns("2026-01-05T10:01:01Z")+1 {
		t.Errorf("origin %d end %d", st.Origin, st.End)
	}
}

func TestReaderRefusesTooManyBadLines(t *testing.T) {
	good := csvLines(make([]int64, 199), "a")
	// 2 bad lines of 202 is just under 1%: read, counted, quoted with file:line.
	data := "1767607200000,a,GET,/\nnot a line\n" + good + "1767607200000,a\n"
	reqs, st, err := readAll(t, data, Options{Format: FormatCSV})
	if err != nil || len(reqs) != 200 || st.Bad != 2 || st.Lines != 202 {
		t.Fatalf("%d requests, %+v, %v", len(reqs), st, err)
	}
	if want := "t.log:2: 1 fields, want 4: timestamp,api_key,method,path"; st.Samples[0] != want {
		t.Errorf("sample %q, want %q", st.Samples[0], want)
	}
	if !strings.HasPrefix(st.Samples[1], "t.log:202: 2 fields") {
		t.Errorf("sample %q", st.Samples[1])
	}
	// 3 of 203 is more than 1%: refused, naming the lines.
	_, _, err = readAll(t, data+"x\n", Options{Format: FormatCSV})
	if !errors.Is(err, ErrTooManyBad) || !strings.Contains(err.Error(), "3 of its 203 lines (1.48%) could not be read as csv, more than the 1% allowed") ||
		!strings.Contains(err.Error(), "t.log:203: ") {
		t.Errorf("err = %v", err)
	}
}

func TestReaderGivesUpEarlyOnTheWrongFormat(t *testing.T) {
	data := strings.Repeat("{\"requestTimeEpoch\":1767607200000}\n", 5000)
	_, st, err := readAll(t, data, Options{Format: FormatCSV})
	if !errors.Is(err, ErrTooManyBad) || !strings.Contains(err.Error(), "1000 of its first 1000 lines could not be read as csv") || st.Lines != 1000 {
		t.Errorf("%+v %v", st, err)
	}
}

func TestReaderOutOfOrderBeyondTheWindowIsBad(t *testing.T) {
	offs := make([]int64, 0, 300)
	for i := range 299 {
		offs = append(offs, int64(i)*1000) // one a second for five minutes
	}
	offs = append(offs, 100) // then one logged five minutes late
	reqs, st, err := readAll(t, csvLines(offs, "a"), Options{})
	if err != nil || len(reqs) != 299 || st.Bad != 1 || !strings.Contains(st.Samples[0], "t.log:300: logged 3m57.9s after a request it precedes: more than 1m0s out of order") {
		t.Errorf("%d requests %+v %v", len(reqs), st, err)
	}
}

func TestReaderSelectsAKeyAndKeepsTheTracesOrigin(t *testing.T) {
	reqs, st, err := readAll(t, csvLines([]int64{0, 10, 20, 30, 40, 50}, "a", "b", "c"), Options{APIKey: "b"})
	if err != nil || len(reqs) != 2 || st.Requests != 2 || st.OtherKeys != 4 {
		t.Fatalf("%v %+v %v", reqs, st, err)
	}
	// Offsets are from the trace's first request, whatever its key, so that clients
	// replaying different keys of one trace stay in step.
	if st.Origin != ns("2026-01-05T10:00:00Z") || reqs[0].At-st.Origin != 10e6 || reqs[1].At-st.Origin != 40e6 {
		t.Errorf("origin %d, requests %+v", st.Origin, reqs)
	}
	if fmt.Sprint(st.Keys) != "map[a:2 b:2 c:2]" {
		t.Errorf("keys %v", st.Keys)
	}
	if _, err := NewReader(strings.NewReader(`1.2.3.4 - - [05/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200`), "t.log", Options{APIKey: "b"}); err == nil ||
		!strings.Contains(err.Error(), "read t.log: format apigw-clf logs no API key: api_key cannot select requests") {
		t.Errorf("clf with api_key: %v", err)
	}
}

func TestReaderSpreadsWholeSecondsDeterministically(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "%d,a,GET,/\n", 1767607200+i/100) // 100 requests in each of 10 seconds
	}
	read := func(seed uint64) []Request {
		reqs, st, err := readAll(t, b.String(), Options{Spread: rand.New(rand.NewPCG(seed, 0))})
		if err != nil || st.Coarse != 1000 || st.Origin != ns("2026-01-05T10:00:00Z") || st.End != ns("2026-01-05T10:00:10Z") {
			t.Fatalf("%+v %v", st, err)
		}
		return reqs
	}
	a, again, other := read(1), read(1), read(2)
	distinct := map[int64]bool{}
	for i, r := range a {
		sec := (r.At - ns("2026-01-05T10:00:00Z")) / 1e9
		if i > 0 && r.At < a[i-1].At {
			t.Fatalf("request %d at %d before %d", i, r.At, a[i-1].At)
		}
		if sec < 0 || sec > 9 || !r.Coarse {
			t.Fatalf("request %d spread out of its second: %+v", i, r)
		}
		distinct[r.At] = true
		if r != again[i] {
			t.Fatalf("same seed, request %d: %+v then %+v", i, r, again[i])
		}
	}
	if len(distinct) < 990 || fmt.Sprint(a) == fmt.Sprint(other) {
		t.Errorf("%d distinct instants; seeds 1 and 2 alike: %v", len(distinct), fmt.Sprint(a) == fmt.Sprint(other))
	}
	// Each second keeps its 100 requests.
	per := map[int64]int{}
	for _, r := range a {
		per[(r.At-ns("2026-01-05T10:00:00Z"))/1e9]++
	}
	for s, n := range per {
		if n != 100 {
			t.Errorf("second %d holds %d", s, n)
		}
	}
}

func TestReaderReadsGzipAndLongLines(t *testing.T) {
	var raw bytes.Buffer
	zw := gzip.NewWriter(&raw)
	fmt.Fprintf(zw, "{\"requestTimeEpoch\":1767607200000,\"pad\":\"%s\"}\r\n", strings.Repeat("x", 200<<10))
	fmt.Fprintf(zw, "{\"requestTimeEpoch\":1767607200001,\"pad\":\"%s\"}\n", strings.Repeat("x", maxLine))
	fmt.Fprint(zw, "{\"requestTimeEpoch\":1767607200002}") // no final newline
	zw.Close()
	rd, err := NewReader(&raw, "t.log.gz", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, ok := rd.Next(); ok; _, ok = rd.Next() {
		n++
	}
	st := rd.Stats()
	// One bad line in three is far more than 1%: the requests were given out, then Err says so.
	if n != 2 || st.Bad != 1 || !strings.Contains(st.Samples[0], "t.log.gz:2: longer than 1 MiB") || rd.Format() != FormatAPIGWJSON ||
		!errors.Is(rd.Err(), ErrTooManyBad) {
		t.Errorf("%d requests, %+v, %v", n, st, rd.Err())
	}
}

func TestReaderReadsVegetaGob(t *testing.T) {
	data := vegetaGob(t, 3)
	reqs, st, err := readAll(t, string(data), Options{})
	if err != nil || len(reqs) != 3 || st.Lines != 3 {
		t.Fatalf("%v %+v %v", reqs, st, err)
	}
	if reqs[2].At-reqs[0].At != int64(2*time.Millisecond) || reqs[0].Key != "acme" || reqs[0].Line != 1 {
		t.Errorf("%+v", reqs)
	}
	// A truncated gob stream cannot be read on: the trace fails, naming the record.
	_, _, err = readAll(t, string(data[:len(data)-3]), Options{})
	if err == nil || !strings.Contains(err.Error(), "read t.log: vegeta gob: record 3:") {
		t.Errorf("truncated gob: %v", err)
	}
}
