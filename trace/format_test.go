package trace

import (
	"strings"
	"testing"
	"time"
)

// ms returns the Unix nanoseconds of an RFC 3339 time.
func ns(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixNano()
}

func TestParseTime(t *testing.T) {
	cases := []struct {
		in     string
		want   int64
		coarse bool
		err    string
	}{
		{in: "1767571200123", want: ns("2026-01-05T00:00:00.123Z")},             // requestTimeEpoch, ms
		{in: "1767571200", want: ns("2026-01-05T00:00:00Z"), coarse: true},      // epoch seconds
		{in: "1767571200.5", want: ns("2026-01-05T00:00:00.5Z")},                // seconds with a fraction
		{in: "1767571200123456", want: ns("2026-01-05T00:00:00.123456Z")},       // µs
		{in: "1767571200123456789", want: ns("2026-01-05T00:00:00.123456789Z")}, // ns (vegeta)
		{in: "05/Jan/2026:01:00:00 +0100", want: ns("2026-01-05T00:00:00Z"), coarse: true},
		{in: "2026-01-05T00:00:00.250Z", want: ns("2026-01-05T00:00:00.25Z")},
		{in: "2026-01-05T00:00:00Z", want: ns("2026-01-05T00:00:00Z"), coarse: true},
		{in: "2026-01-05T02:00:00+02:00", want: ns("2026-01-05T00:00:00Z"), coarse: true},
		{in: " 1767571200123 ", want: ns("2026-01-05T00:00:00.123Z")},
		{in: "-", err: "no timestamp"},
		{in: "", err: "no timestamp"},
		{in: "12", err: "not between 1990 and 2200"},
		{in: "99999999999999999999", err: "not between 1990 and 2200"},
		{in: "9999999999", err: "not between 1990 and 2200"}, // year 2286
		{in: "yesterday", err: "want epoch seconds or milliseconds"},
		{in: "1767571200.", err: "want epoch"},
		{in: "2026-01-05 00:00:00", err: "want epoch"},
	}
	for _, c := range cases {
		got, coarse, err := parseTime([]byte(c.in))
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseTime(%q) = %d, %v; want an error containing %q", c.in, got, err, c.err)
			}
		case err != nil:
			t.Errorf("parseTime(%q): %v", c.in, err)
		case got != c.want || coarse != c.coarse:
			t.Errorf("parseTime(%q) = %d coarse %v; want %d coarse %v", c.in, got, coarse, c.want, c.coarse)
		}
	}
}

func TestFormats(t *testing.T) {
	t0 := ns("2026-01-05T10:00:00Z")
	cases := []struct {
		format, line string
		fields       Fields
		want         entry
		err          string
	}{
		{format: FormatAPIGWJSON, line: `{"requestId":"a","requestTimeEpoch":1767607200123,"httpMethod":"POST","resourcePath":"/orders","status":"200","apiKey":"k1"}`,
			want: entry{at: t0 + 123e6, key: []byte("k1"), method: []byte("POST"), path: []byte("/orders")}},
		{format: FormatAPIGWJSON, line: `{"requestTime":"05/Jan/2026:10:00:00 +0000","apiKey":"-","apiKeyId":"id9","routeKey":"GET /items/{id}"}`,
			want: entry{at: t0, coarse: true, key: []byte("id9"), method: []byte("GET"), path: []byte("/items/{id}")}},
		{format: FormatAPIGWJSON, line: `{"requestTime":"05/Jan/2026:10:00:00 +0000","requestTimeEpoch":"1767607200500","path":"/a\"b"}`,
			want: entry{at: t0 + 500e6, path: []byte(`/a"b`)}},
		{format: FormatAPIGWJSON, fields: Fields{Time: "ts", Key: "tenant", Path: "uri"},
			line: `{"ts":"2026-01-05T10:00:00.007Z","tenant":"acme","uri":"/x","nested":{"ts":1}}`,
			want: entry{at: t0 + 7e6, key: []byte("acme"), path: []byte("/x")}},
		{format: FormatAPIGWJSON, line: `{"apiKey":"k"}`, err: `no time: none of the members "requestTimeEpoch" or "requestTime"`},
		{format: FormatAPIGWJSON, line: `{"requestTimeEpoch":17676`, err: "not valid JSON"},
		{format: FormatAPIGWJSON, line: `[1,2]`, err: "not a JSON object"},
		{format: FormatAPIGWJSON, line: `{"requestTimeEpoch":"soon"}`, err: "requestTimeEpoch: timestamp"},
		{format: FormatAPIGWCLF, line: `203.0.113.9 - - [05/Jan/2026:10:00:00 +0000]"POST /orders HTTP/1.1" 200 12 1a2b c3d4`,
			want: entry{at: t0, coarse: true, method: []byte("POST"), path: []byte("/orders")}},
		{format: FormatAPIGWCLF, line: `203.0.113.9 - - [05/Jan/2026:11:00:00 +0100] "GET /items HTTP/1.1" 200 12 1a2b`,
			want: entry{at: t0, coarse: true, method: []byte("GET"), path: []byte("/items")}},
		{format: FormatAPIGWCLF, line: `203.0.113.9 - - 05/Jan/2026:10:00:00 "GET / HTTP/1.1"`, err: "no [time]"},
		{format: FormatAPIGWCLF, line: `1.2.3.4 - - [05/Jan/2026:10:00:00 +0000] "GET /`, err: "unterminated"},
		{format: FormatALB, line: `https 2026-01-05T10:00:01.500000Z app/my-lb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/orders/7?x=1 HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2026-01-05T10:00:00.250000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234`,
			want: entry{at: t0 + 250e6, method: []byte("GET"), path: []byte("/orders/7")}},
		{format: FormatALB, line: `http 2026-01-05T10:00:01.500000Z app/my-lb/5 1.2.3.4:1 - -1 -1 -1 503 - 0 0 "GET http://a/ HTTP/1.1"`, err: "13 fields, want at least 22"},
		{format: FormatALB, line: `http 2026-01-05T10:00:01Z lb "unterminated`, err: "unterminated quoted field"},
		{format: FormatVegeta, line: `{"attack":"acme","seq":0,"code":200,"timestamp":"2026-01-05T10:00:00.000000001Z","latency":1,"bytes_out":0,"bytes_in":0,"error":"","body":null,"method":"GET","url":"http://127.0.0.1:8080/orders","headers":null}`,
			want: entry{at: t0 + 1, key: []byte("acme"), method: []byte("GET"), path: []byte("/orders")}},
		{format: FormatVegeta, line: `1767607200000000000,200,1000,0,0,"",,acme,3,POST,http://127.0.0.1/x,`,
			want: entry{at: t0, key: []byte("acme"), method: []byte("POST"), path: []byte("/x")}},
		{format: FormatVegeta, line: `1767607200000000000,200,1000`, err: "3 fields, want vegeta's 12"},
		{format: FormatCSV, line: `1767607200250,acme,POST,/orders`,
			want: entry{at: t0 + 250e6, key: []byte("acme"), method: []byte("POST"), path: []byte("/orders")}},
		{format: FormatCSV, line: `2026-01-05T10:00:00Z,,GET,"/search?q=a,b ""c"""`,
			want: entry{at: t0, coarse: true, method: []byte("GET"), path: []byte(`/search?q=a,b "c"`)}},
		{format: FormatCSV, line: `1767607200250,acme,POST`, err: "3 fields, want 4"},
		{format: FormatCSV, line: `1767607200250,acme,POST,/a,extra`, err: "5 fields, want 4"},
		{format: FormatCSV, line: `1767607200250,ac"me,POST,/a`, err: "a quote inside an unquoted field"},
		{format: FormatCSV, line: `1767607200250,"acme,POST,/a`, err: "unterminated quoted field"},
	}
	for _, c := range cases {
		f, err := newLineFormat(c.format, c.fields)
		if err != nil {
			t.Fatal(err)
		}
		var got entry
		err = f.parse([]byte(c.line), &got)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %q: got %+v, %v; want an error containing %q", c.format, c.line, got, err, c.err)
			}
		case err != nil:
			t.Errorf("%s %q: %v", c.format, c.line, err)
		case !sameEntry(got, c.want):
			t.Errorf("%s %q:\n got %s\nwant %s", c.format, c.line, showEntry(got), showEntry(c.want))
		}
	}
}

func sameEntry(a, b entry) bool { return showEntry(a) == showEntry(b) }

func showEntry(e entry) string {
	return time.Unix(0, e.at).UTC().Format(time.RFC3339Nano) + " coarse=" + map[bool]string{true: "y", false: "n"}[e.coarse] +
		" key=" + string(e.key) + " method=" + string(e.method) + " path=" + string(e.path)
}

func TestFieldsOnlyForJSON(t *testing.T) {
	if _, err := newLineFormat(FormatCSV, Fields{Time: "t"}); err == nil || !strings.Contains(err.Error(), "fields applies to format apigw-json only") {
		t.Errorf("csv with fields: %v", err)
	}
	if _, err := newLineFormat("w3c", Fields{}); err == nil || !strings.Contains(err.Error(), `unknown format "w3c" (known: apigw-json, apigw-clf, alb, vegeta, csv)`) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestDetect(t *testing.T) {
	cases := map[string]string{
		`{"requestTimeEpoch":1767607200123,"apiKey":"k"}`:                                           FormatAPIGWJSON,
		"\n\n" + `{"attack":"a","seq":0,"code":200,"timestamp":"2026-01-05T10:00:00Z","latency":1}`: FormatVegeta,
		`203.0.113.9 - - [05/Jan/2026:10:00:00 +0000]"POST /orders HTTP/1.1" 200 12 1a2b c3d4`:      FormatAPIGWCLF,
		`h2 2026-01-05T10:00:01.500000Z app/my-lb/5 1.2.3.4:1 - -1 -1 -1 503 - 0 0 "GET / HTTP/2"`:  FormatALB,
		`1767607200000000000,200,1000,0,0,"",,acme,3,POST,http://127.0.0.1/x,`:                      FormatVegeta,
		"timestamp,api_key,method,path\n1767607200250,acme,POST,/orders":                            FormatCSV,
		`1767607200250,acme,POST,/orders`:                                                           FormatCSV,
		"\xff\x96\x7f\x03\x01\x01\x06Result\x01\xff\x80":                                            FormatVegeta,    // vegeta attack's gob
		"{\"requestTimeEpoch\":1767607200123,\"path\":\"/\x7f\"}":                                   FormatAPIGWJSON, // DEL is text
	}
	for head, want := range cases {
		if got, err := Detect([]byte(head)); got != want || err != nil {
			t.Errorf("Detect(%q) = %q, %v; want %q", head, got, err, want)
		}
	}
	for _, head := range []string{"", "\n \n", "hello world"} {
		if got, err := Detect([]byte(head)); err == nil {
			t.Errorf("Detect(%q) = %q; want an error", head, got)
		}
	}
}
