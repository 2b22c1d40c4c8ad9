package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// apigwJSON reads API Gateway access logs written in JSON, one object a line. Each part of a
// request is read from the first of its candidate members the line has (and is not "-", API
// Gateway's empty value).
type apigwJSON struct {
	time, key, method, path []string
}

func newAPIGWJSON(f Fields) *apigwJSON {
	pick := func(name string, defaults ...string) []string {
		if name != "" {
			return []string{name}
		}
		return defaults
	}
	return &apigwJSON{
		time:   pick(f.Time, "requestTimeEpoch", "requestTime"),
		key:    pick(f.Key, "apiKey", "apiKeyId"),
		method: pick(f.Method, "httpMethod"),
		path:   pick(f.Path, "resourcePath", "path", "routeKey"),
	}
}

func (*apigwJSON) skip([]byte, int64) bool { return false }
func (*apigwJSON) keyed() bool             { return true }

func (j *apigwJSON) parse(line []byte, e *entry) error {
	if !json.Valid(line) {
		return errors.New("not valid JSON")
	}
	var vals [4][]byte // time, key, method, path
	var rank [4]int    // which candidate each value came from, +1; 0: none yet
	err := members(line, func(name, raw []byte) {
		for k, cands := range [4][]string{j.time, j.key, j.method, j.path} {
			for r, c := range cands {
				if string(name) != c || (rank[k] != 0 && r+1 >= rank[k]) {
					continue
				}
				if v := unquote(raw); len(v) > 0 && string(v) != "-" {
					vals[k], rank[k] = v, r+1
				}
			}
		}
	})
	if err != nil {
		return err
	}
	if rank[0] == 0 {
		return fmt.Errorf("no time: none of the members %s", quoteList(j.time))
	}
	at, coarse, err := parseTime(vals[0])
	if err != nil {
		return fmt.Errorf("%s: %w", j.time[rank[0]-1], err)
	}
	*e = entry{at: at, coarse: coarse, key: vals[1], method: vals[2], path: vals[3]}
	if rank[3] > 0 && j.path[rank[3]-1] == "routeKey" {
		// An HTTP API's route key is "GET /orders" ($default for the default route).
		if m, p, ok := bytes.Cut(e.path, []byte{' '}); ok {
			e.method, e.path = m, p
		}
	}
	return nil
}

func quoteList(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteString(" or ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}

// apigwCLF reads API Gateway access logs in the console's Common Log Format default:
//
//	$context.identity.sourceIp $context.identity.caller $context.identity.user
//	[$context.requestTime]"$context.httpMethod $context.resourcePath $context.protocol"
//	$context.status $context.responseLength $context.requestId $context.extendedRequestId
//
// (HTTP APIs log "- -" for caller and user, and a space before the quote). CLF logs no API
// key; $context.requestTime has whole seconds only.
type apigwCLF struct{}

func (apigwCLF) skip([]byte, int64) bool { return false }
func (apigwCLF) keyed() bool             { return false }

func (apigwCLF) parse(line []byte, e *entry) error {
	open := bytes.IndexByte(line, '[')
	closing := bytes.IndexByte(line, ']')
	if open < 0 || closing < open {
		return errors.New("no [time]")
	}
	at, coarse, err := parseTime(line[open+1 : closing])
	if err != nil {
		return err
	}
	*e = entry{at: at, coarse: coarse}
	rest := line[closing+1:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return errors.New(`no "METHOD PATH PROTOCOL"`)
	}
	req, _, ok := bytes.Cut(rest[q+1:], []byte{'"'})
	if !ok {
		return errors.New(`unterminated "METHOD PATH PROTOCOL"`)
	}
	if f := bytes.Fields(req); len(f) >= 2 {
		e.method, e.path = f[0], f[1]
	}
	return nil
}
