package trace

import (
	"bytes"
	"errors"
	"fmt"
)

// csvFormat reads CSV traces: timestamp,api_key,method,path, one request a line, an optional
// header line first. The timestamp is epoch seconds, milliseconds (or finer) or RFC 3339; a
// field may be quoted ("a,b", a quote doubled inside).
type csvFormat struct{}

const csvHeader = "timestamp,api_key,method,path"

func (csvFormat) keyed() bool { return true }

func (csvFormat) skip(line []byte, lineNo int64) bool {
	return lineNo == 1 && bytes.EqualFold(bytes.TrimSpace(line), []byte(csvHeader))
}

func (csvFormat) parse(line []byte, e *entry) error {
	var f [5][]byte
	n, err := splitCSV(line, f[:])
	if err != nil {
		return err
	}
	if n != 4 {
		return fmt.Errorf("%d fields, want 4: %s", n, csvHeader)
	}
	at, coarse, err := parseTime(f[0])
	if err != nil {
		return err
	}
	*e = entry{at: at, coarse: coarse, key: f[1], method: f[2], path: f[3]}
	return nil
}

// splitCSV splits a CSV line into fields (RFC 4180 quoting, on one line) and fills f with the
// first len(f) of them; it returns how many fields the line has, counting only up to len(f).
func splitCSV(line []byte, f [][]byte) (int, error) {
	n := 0
	for i := 0; ; n++ {
		var field []byte
		if i < len(line) && line[i] == '"' {
			var err error
			if field, i, err = quotedCSV(line, i+1); err != nil {
				return n, err
			}
			if i < len(line) && line[i] != ',' {
				return n, errors.New(`a quoted field must be followed by a comma or the line's end`)
			}
		} else {
			end := bytes.IndexByte(line[i:], ',')
			if end < 0 {
				end = len(line) - i
			}
			field, i = line[i:i+end], i+end
			if bytes.IndexByte(field, '"') >= 0 {
				return n, errors.New(`a quote inside an unquoted field`)
			}
		}
		if n < len(f) {
			f[n] = field
		}
		if i >= len(line) {
			return min(n+1, len(f)), nil
		}
		i++ // the comma
	}
}

// quotedCSV reads a quoted field whose content starts at i; it returns the content (quotes
// undoubled) and the index after the closing quote.
func quotedCSV(line []byte, i int) ([]byte, int, error) {
	start, doubled := i, false
	for ; i < len(line); i++ {
		if line[i] != '"' {
			continue
		}
		if i+1 < len(line) && line[i+1] == '"' {
			doubled = true
			i++
			continue
		}
		field := line[start:i]
		if doubled {
			field = bytes.ReplaceAll(field, []byte(`""`), []byte(`"`))
		}
		return field, i + 1, nil
	}
	return nil, i, errors.New("unterminated quoted field")
}
