package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/throttlelab/throttlelab/model"
)

// The formats a trace may be in.
const (
	FormatAPIGWJSON = "apigw-json" // API Gateway access log, one JSON object a line
	FormatAPIGWCLF  = "apigw-clf"  // API Gateway access log in the console's CLF default
	FormatALB       = "alb"        // Application Load Balancer access log
	FormatVegeta    = "vegeta"     // vegeta results: gob (vegeta attack's output), JSON or CSV
	FormatCSV       = "csv"        // timestamp,api_key,method,path
)

// Formats lists the formats, in the order detection tries them.
var Formats = []string{FormatAPIGWJSON, FormatAPIGWCLF, FormatALB, FormatVegeta, FormatCSV}

// ErrFormat is wrapped by the error for a format nobody knows or a trace whose format cannot
// be told from its first line.
var ErrFormat = errors.New("trace format")

// Fields names the members of an apigw-json log holding a request's time, API key, method and
// path; an empty name keeps API Gateway's: requestTimeEpoch or requestTime, apiKey or
// apiKeyId, httpMethod, resourcePath or path or routeKey.
type Fields = model.ReplayFields

// entry is one request as a format reads it; its byte slices point into the line.
type entry struct {
	at                int64 // nanoseconds since the Unix epoch
	coarse            bool  // whole seconds only
	key, method, path []byte
}

// lineFormat reads the requests of a line-oriented format.
type lineFormat interface {
	// parse reads one line (without its newline). An error says what is wrong with it.
	parse(line []byte, e *entry) error
	// skip reports whether a line is a header rather than a request (csv's first line).
	skip(line []byte, lineNo int64) bool
	// keyed reports whether the format logs API keys.
	keyed() bool
}

// newLineFormat returns the reader of a named line format (every format but vegeta's gob).
func newLineFormat(name string, f Fields) (lineFormat, error) {
	if f != (Fields{}) && name != FormatAPIGWJSON {
		return nil, fmt.Errorf("fields applies to format %s only, not %s", FormatAPIGWJSON, name)
	}
	switch name {
	case FormatAPIGWJSON:
		return newAPIGWJSON(f), nil
	case FormatAPIGWCLF:
		return apigwCLF{}, nil
	case FormatALB:
		return alb{}, nil
	case FormatVegeta:
		return vegetaText{}, nil
	case FormatCSV:
		return csvFormat{}, nil
	}
	return nil, fmt.Errorf("%w: unknown format %q (known: %s)", ErrFormat, name, strings.Join(Formats, ", "))
}

// CheckFormat reports whether name is a known format ("" is: it means detect).
func CheckFormat(name string) error {
	if name == "" || slices.Contains(Formats, name) {
		return nil
	}
	return fmt.Errorf("%w: unknown format %q (known: %s)", ErrFormat, name, strings.Join(Formats, ", "))
}

// Detect tells a trace's format from its first non-blank line (or, for vegeta's binary gob
// encoding, its first bytes).
func Detect(head []byte) (string, error) {
	line := firstLine(head)
	switch {
	case len(line) == 0:
		return "", fmt.Errorf("%w: the trace is empty", ErrFormat)
	case isGob(head):
		return FormatVegeta, nil // gob, vegeta attack's own output
	case line[0] == '{':
		if json.Valid(line) && isVegetaJSON(line) {
			return FormatVegeta, nil
		}
		return FormatAPIGWJSON, nil
	case isALB(line):
		return FormatALB, nil
	case bytes.Contains(line, []byte(`[`)) && bytes.Contains(line, []byte(`] `)) || bytes.Contains(line, []byte(`]"`)):
		return FormatAPIGWCLF, nil
	case bytes.Count(line, []byte{','}) >= 11 && (vegetaText{}).parse(line, &entry{}) == nil:
		return FormatVegeta, nil
	case bytes.HasPrefix(line, []byte("timestamp,")) || (csvFormat{}).parse(line, &entry{}) == nil:
		return FormatCSV, nil
	}
	return "", fmt.Errorf("%w: cannot tell the format from the first line %q (formats: %s)", ErrFormat, clip(line), strings.Join(Formats, ", "))
}

// firstLine returns the first line of head that is not blank, without its line ending.
func firstLine(head []byte) []byte {
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte{'\n'})
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return line
		}
		head = rest
	}
	return nil
}

// isGob reports whether a stream starting with head is gob-encoded, as vegeta attack writes
// results: its first message, the Result type's definition, is longer than 127 bytes, so its
// length is encoded as a negated byte count (0xfe, 0xff). Text traces start with a printable
// character or a blank.
func isGob(head []byte) bool {
	return len(head) > 0 && head[0] >= 0xf8
}
