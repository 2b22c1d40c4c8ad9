package trace

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// decoder yields a trace's requests in file order.
type decoder interface {
	// next fills e with the next request and returns its line (its record, for gob). It
	// returns io.EOF at the end, a *lineError for a line that could not be read (the next
	// call goes on after it), and any other error when the trace cannot be read further.
	next(e *entry) (int64, error)
}

// lineError is a line of a trace that could not be read.
type lineError struct {
	line int64
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

// maxLine is the longest line a trace may have; a longer one is a bad line.
const maxLine = 1 << 20

// lineDecoder reads a line format, skipping blank lines and headers.
type lineDecoder struct {
	br   *bufio.Reader
	f    lineFormat
	line int64
	long []byte // a line longer than br's buffer, put together
}

func (d *lineDecoder) next(e *entry) (int64, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return d.line, err
		}
		if line = bytes.TrimRight(line, "\r"); len(bytes.TrimSpace(line)) == 0 || d.f.skip(line, d.line) {
			continue
		}
		if err := d.f.parse(line, e); err != nil {
			return d.line, &lineError{line: d.line, err: err}
		}
		return d.line, nil
	}
}

// readLine returns the next line without its newline (valid until the next call), io.EOF
// after the last, or a *lineError for a line longer than maxLine (skipped).
func (d *lineDecoder) readLine() ([]byte, error) {
	line, err := d.br.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(line) > 0) {
		d.line++
		return bytes.TrimSuffix(line, []byte{'\n'}), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	d.long = append(d.long[:0], line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = d.br.ReadSlice('\n')
		if len(d.long) <= maxLine {
			d.long = append(d.long, line...)
		}
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	d.line++
	if len(d.long) > maxLine {
		d.long = d.long[:0]
		return nil, &lineError{line: d.line, err: fmt.Errorf("longer than %d MiB", maxLine>>20)}
	}
	return bytes.TrimSuffix(d.long, []byte{'\n'}), nil
}
