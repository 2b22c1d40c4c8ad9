package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The fuzz tests' seed corpora are in testdata/fuzz/FuzzParse*/. Each test parses arbitrary
// lines (no panic; what parses is in range) and round-trips requests it writes itself in the
// format, with fuzzed keys, paths and times.

// checkParsed holds for any line a format accepts.
func checkParsed(t *testing.T, line []byte, e entry, err error) {
	t.Helper()
	if err != nil {
		return
	}
	if e.at < minTime || e.at >= maxTime {
		t.Fatalf("%q parsed to %d, out of range", line, e.at)
	}
	if e.coarse && e.at%int64(time.Second) != 0 {
		t.Fatalf("%q: coarse time %d is not a whole second", line, e.at)
	}
}

// fuzzTime maps any int64 into the accepted range, in milliseconds.
func fuzzTime(ms int64) int64 {
	lo, hi := minTime/1e6, maxTime/1e6
	if ms < 0 {
		ms = -(ms + 1)
	}
	return lo + ms%(hi-lo)
}

func sameParts(t *testing.T, what string, e entry, at int64, key, method, path string) {
	t.Helper()
	if e.at != at || string(e.key) != key || string(e.method) != method || string(e.path) != path {
		t.Fatalf("%s: parsed %s; want at %d key %q method %q path %q", what, showEntry(e), at, key, method, path)
	}
}

func FuzzParseAPIGWJSON(f *testing.F) {
	p := newAPIGWJSON(Fields{})
	f.Fuzz(func(t *testing.T, line []byte, key, path string, ms int64) {
		var e entry
		err := p.parse(line, &e)
		checkParsed(t, line, e, err)
		// members agrees with encoding/json on the names of a valid object's members.
		var m map[string]json.RawMessage
		if json.Unmarshal(line, &m) == nil && m != nil {
			seen := map[string]bool{}
			if err := members(line, func(name, _ []byte) { seen[string(name)] = true }); err != nil {
				t.Fatalf("members(%q): %v", line, err)
			}
			for name := range m {
				if !seen[name] {
					t.Fatalf("members(%q) missed %q (saw %v)", line, name, seen)
				}
			}
		}
		// A line API Gateway would write parses back to what was written.
		if !utf8.ValidString(key) || !utf8.ValidString(path) || key == "" || key == "-" || path == "" || path == "-" {
			return
		}
		at := fuzzTime(ms)
		obj, _ := json.Marshal(map[string]any{"requestTimeEpoch": at, "apiKey": key, "httpMethod": "GET", "resourcePath": path, "status": "200"})
		e = entry{}
		if err := p.parse(obj, &e); err != nil {
			t.Fatalf("%s: %v", obj, err)
		}
		sameParts(t, string(obj), e, at*1e6, key, "GET", path)
	})
}

func FuzzParseAPIGWCLF(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte, path string, ms int64) {
		var e entry
		checkParsed(t, line, e, apigwCLF{}.parse(line, &e))
		if path == "" || strings.ContainsFunc(path, unicode.IsSpace) || strings.ContainsAny(path, "\"[]") || !utf8.ValidString(path) {
			return
		}
		sec := fuzzTime(ms) / 1000 * 1000
		ts := time.UnixMilli(sec).In(time.FixedZone("", 2*3600)).Format(clfTime)
		l := fmt.Sprintf(`198.51.100.7 - - [%s]"POST %s HTTP/1.1" 200 17 6f1c-req 6f1c-ext`, ts, path)
		e = entry{}
		if err := (apigwCLF{}).parse([]byte(l), &e); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		sameParts(t, l, e, sec*1e6, "", "POST", path)
		if !e.coarse {
			t.Fatalf("%s: CLF time is not coarse", l)
		}
	})
}

func FuzzParseALB(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte, path string, ms int64) {
		var e entry
		checkParsed(t, line, e, alb{}.parse(line, &e))
		if strings.ContainsFunc(path, unicode.IsSpace) || strings.ContainsAny(path, "\"\\?#%") || !utf8.ValidString(path) {
			return
		}
		path = "/" + path
		at := fuzzTime(ms) * 1e6
		created := time.Unix(0, at).UTC().Format("2006-01-02T15:04:05.000000Z")
		l := fmt.Sprintf(`h2 %s app/lb/1 192.0.2.1:5000 10.0.0.1:80 0.001 0.020 0.000 200 200 34 366 "GET https://api.example.com:443%s HTTP/2.0" "curl/8" ECDHE TLSv1.3 arn:tg "Root=1-x" "api.example.com" "arn:cert" 0 %s "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"`,
			created, path, created)
		e = entry{}
		if err := (alb{}).parse([]byte(l), &e); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		sameParts(t, l, e, at, "", "GET", path)
	})
}

func FuzzParseVegeta(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, attack, path string, ns int64) {
		// Any line of vegeta's text encodings; any bytes as its gob encoding.
		var e entry
		line, _, _ := bytes.Cut(data, []byte{'\n'})
		checkParsed(t, line, e, vegetaText{}.parse(line, &e))
		dec := newGobDecoder(bytes.NewReader(data))
		for range 100 {
			n, err := dec.next(&e)
			if err != nil {
				break
			}
			checkParsed(t, data, e, nil)
			if n < 1 {
				t.Fatalf("record %d", n)
			}
		}
		// What vegeta writes, in each encoding, reads back (but a CSV record spanning lines:
		// an attack named with a line break).
		if !utf8.ValidString(attack) || strings.ContainsAny(attack, "\r\n") || strings.ContainsAny(path, " \t\r\n?#%") || !utf8.ValidString(path) {
			return
		}
		at := fuzzTime(ns/1e6)*1e6 + (ns%1e6+1e6)%1e6
		r := vegeta.Result{Attack: attack, Seq: 1, Code: 200, Timestamp: time.Unix(0, at), Method: "PUT",
			URL: "http://127.0.0.1:8080/" + path, Headers: http.Header{}}
		for name, enc := range map[string]func(*bytes.Buffer) vegeta.Encoder{
			"json": func(b *bytes.Buffer) vegeta.Encoder { return vegeta.NewJSONEncoder(b) },
			"csv":  func(b *bytes.Buffer) vegeta.Encoder { return vegeta.NewCSVEncoder(b) },
			"gob":  func(b *bytes.Buffer) vegeta.Encoder { return vegeta.NewEncoder(b) },
		} {
			var b bytes.Buffer
			if err := enc(&b)(&r); err != nil {
				t.Fatal(err)
			}
			rd, err := NewReader(&b, "v", Options{Format: FormatVegeta})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, ok := rd.Next()
			if !ok || got.At != at || got.Key != attack {
				t.Fatalf("%s %q: got %+v, %v (err %v); want at %d attack %q", name, b.String(), got, ok, rd.Err(), at, attack)
			}
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte, key, path string, ms int64) {
		var e entry
		checkParsed(t, line, e, csvFormat{}.parse(line, &e))
		if strings.ContainsAny(key+path, "\r\n") {
			return
		}
		at := fuzzTime(ms)
		l := fmt.Sprintf("%d,%s,DELETE,%s", at, csvField(key), csvField(path))
		e = entry{}
		if err := (csvFormat{}).parse([]byte(l), &e); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		sameParts(t, l, e, at*1e6, key, "DELETE", path)
	})
}

// csvField quotes a field as RFC 4180 writers do when it needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, `,"`) || strings.HasPrefix(s, " ") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
