package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// vegeta results come in three encodings, all of which `vegeta encode` and `vegeta report`
// read: gob (what `vegeta attack` writes), JSON (one object a line) and CSV (12 columns, the
// timestamp in nanoseconds first). A request is sent at its timestamp; its API key is the
// attack's name (vegeta records no headers of the request), its path the URL's.

// vegetaText reads vegeta's JSON and CSV encodings, telling them apart line by line. A CSV
// record must be on one line: one whose quoted field holds a line break (an attack named so)
// is a bad line.
type vegetaText struct{}

func (vegetaText) skip([]byte, int64) bool { return false }
func (vegetaText) keyed() bool             { return true }

func (vegetaText) parse(line []byte, e *entry) error {
	if len(line) > 0 && line[0] == '{' {
		return parseVegetaJSON(line, e)
	}
	var f [13][]byte
	n, err := splitCSV(line, f[:])
	if err != nil {
		return err
	}
	if n != 12 {
		return fmt.Errorf("%d fields, want vegeta's 12 CSV columns (or a JSON object)", n)
	}
	at, _, err := parseTime(f[0])
	if err != nil {
		return err
	}
	*e = entry{at: at, key: f[7], method: f[9], path: urlPath(f[10])}
	return nil
}

func parseVegetaJSON(line []byte, e *entry) error {
	if !json.Valid(line) {
		return errors.New("not valid JSON")
	}
	*e = entry{}
	var ts []byte
	err := members(line, func(name, raw []byte) {
		switch string(name) {
		case "timestamp":
			ts = unquote(raw)
		case "attack":
			e.key = unquote(raw)
		case "method":
			e.method = unquote(raw)
		case "url":
			e.path = urlPath(unquote(raw))
		}
	})
	if err != nil {
		return err
	}
	if ts == nil {
		return errors.New(`no "timestamp"`)
	}
	at, _, err := parseTime(ts)
	e.at = at // vegeta's timestamps have nanoseconds, even when a time falls on a whole second
	return err
}

// isVegetaJSON reports whether a valid JSON line is a vegeta result.
func isVegetaJSON(line []byte) bool {
	seen := 0
	_ = members(line, func(name, _ []byte) {
		switch string(name) {
		case "attack", "seq", "code", "timestamp", "latency":
			seen++
		}
	})
	return seen == 5
}

// urlPath returns the path of a URL as logged ("https://host:443/orders?x=1": "/orders"),
// unescaped when it parses, cut out of it as written when it does not.
func urlPath(raw []byte) []byte {
	if u, err := url.Parse(string(raw)); err == nil && u.Path != "" {
		return []byte(u.Path)
	}
	p := raw
	if _, rest, ok := bytes.Cut(p, []byte("://")); ok {
		if i := bytes.IndexByte(rest, '/'); i >= 0 {
			p = rest[i:]
		} else {
			p = []byte("/")
		}
	}
	if i := bytes.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return p
}

// gobDecoder reads vegeta's gob encoding, a record at a time. gob cannot find the next record
// after a broken one, so a decoding error ends the trace.
type gobDecoder struct {
	dec vegeta.Decoder
	n   int64
	res vegeta.Result
}

func newGobDecoder(r io.Reader) *gobDecoder { return &gobDecoder{dec: vegeta.NewDecoder(r)} }

func (g *gobDecoder) next(e *entry) (int64, error) {
	g.res = vegeta.Result{}
	if err := g.dec.Decode(&g.res); err != nil {
		if errors.Is(err, io.EOF) {
			return g.n, io.EOF
		}
		return g.n + 1, fmt.Errorf("vegeta gob: record %d: %w", g.n+1, err)
	}
	g.n++
	ns := g.res.Timestamp.UnixNano()
	if ns < minTime || ns >= maxTime {
		return g.n, &lineError{line: g.n, err: fmt.Errorf("timestamp %s is not between 1990 and 2200", g.res.Timestamp)}
	}
	*e = entry{at: ns, key: []byte(g.res.Attack), method: []byte(g.res.Method), path: urlPath([]byte(g.res.URL))}
	return g.n, nil
}
