package trace

import (
	"bytes"
	"errors"
	"fmt"
)

// alb reads Application Load Balancer access logs: space-separated fields, some quoted.
// A request arrives at request_creation_time (field 22), not at time (field 2, when the
// response was sent); "request" (field 13) is "METHOD URL PROTOCOL". ALB logs no API key.
type alb struct{}

// albTypes are the first field of an ALB log entry.
var albTypes = []string{"http", "https", "h2", "grpcs", "ws", "wss"}

const (
	albRequest  = 12 // 0-based field indexes
	albCreation = 21
)

func (alb) skip([]byte, int64) bool { return false }
func (alb) keyed() bool             { return false }

func (alb) parse(line []byte, e *entry) error {
	var f [albCreation + 1][]byte
	n, err := splitALB(line, f[:])
	if err != nil {
		return err
	}
	if n <= albCreation {
		return fmt.Errorf("%d fields, want at least %d (request_creation_time is field %d)", n, albCreation+1, albCreation+1)
	}
	at, coarse, err := parseTime(f[albCreation])
	if err != nil {
		return fmt.Errorf("request_creation_time: %w", err)
	}
	*e = entry{at: at, coarse: coarse}
	if m, rest, ok := bytes.Cut(f[albRequest], []byte{' '}); ok {
		raw, _, _ := bytes.Cut(rest, []byte{' '})
		e.method, e.path = m, urlPath(raw)
	}
	return nil
}

// splitALB splits line into space-separated fields, a quoted field ("...") being one field
// without its quotes, and fills f with the first len(f) of them. It returns how many fields
// it found (at most len(f)).
func splitALB(line []byte, f [][]byte) (int, error) {
	n := 0
	for i := 0; i < len(line) && n < len(f); {
		if line[i] == ' ' {
			i++
			continue
		}
		if line[i] == '"' {
			end := closingQuote(line, i+1)
			if end < 0 {
				return n, errors.New("unterminated quoted field")
			}
			f[n], i = line[i+1:end], end+1
		} else {
			end := bytes.IndexByte(line[i:], ' ')
			if end < 0 {
				end = len(line) - i
			}
			f[n], i = line[i:i+end], i+end
		}
		n++
	}
	return n, nil
}

// closingQuote returns the index of the quote closing a quoted field that starts at i, a
// backslash escaping the byte after it; -1 when there is none.
func closingQuote(line []byte, i int) int {
	for ; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// isALB reports whether line starts like an ALB log entry: a known type, then a time.
func isALB(line []byte) bool {
	typ, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return false
	}
	for _, t := range albTypes {
		if string(typ) == t {
			ts, _, _ := bytes.Cut(rest, []byte{' '})
			_, _, err := parseTime(ts)
			return err == nil
		}
	}
	return false
}
