package trace

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
)

// Options say how to read a trace.
type Options struct {
	// Format is one of Formats; "" detects it from the first line.
	Format string
	// Fields names an apigw-json log's members (only that format takes them).
	Fields Fields
	// APIKey keeps only the requests logged with this key; "" keeps all. The formats that log
	// no key (apigw-clf, alb) refuse it.
	APIKey string
	// Spread draws where in its second a request logged with whole seconds only is placed;
	// nil uses SpreadSource(nil).
	Spread *rand.Rand
	// Routes gives each request its route ("POST /orders"); without it Request.Route is "".
	Routes bool
}

// SpreadSource derives the source that spreads whole-second timestamps from a run's random
// source, as the replay shape does with its client's; nil stands for the first client's
// source under seed 1 (what analyze uses), so analyze and such a replay spread alike.
func SpreadSource(rng *rand.Rand) *rand.Rand {
	if rng == nil {
		rng = rand.New(rand.NewPCG(1, 1))
	}
	return rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
}

// Request is one request of a trace.
type Request struct {
	At     int64  // when it is replayed, in nanoseconds since the Unix epoch
	Key    string // its API key as logged; "" when none
	Route  string // "METHOD /path" with Options.Routes; "" otherwise
	Line   int64  // its line in the trace (its record, for vegeta's gob)
	Coarse bool   // logged with whole seconds only: At was spread over that second
}

// Stats count what a Reader has read so far.
type Stats struct {
	Lines     int64    // requests in the trace: lines that are neither blank nor a header
	Bad       int64    // lines that could not be read, or were logged too far out of order
	Samples   []string // the first few bad lines: "FILE:LINE: what is wrong"
	Requests  int64    // requests given out (of the APIKey, when set)
	Coarse    int64    // of them, logged with whole seconds only
	OtherKeys int64    // requests of other keys, left out
	// Origin is the trace's first instant, every key's requests counted, in nanoseconds since
	// the Unix epoch (for whole-second timestamps, the start of the second): a replay offsets
	// every request from it. End is the instant after the last request given out (the end of
	// its second when coarse). Both are 0 until a request has been given out.
	Origin, End int64
	// Keys counts the requests of each key seen (every key, before APIKey selects), up to
	// maxKeys keys.
	Keys map[string]int64
}

// BadLimit is the share of bad lines a trace may have: more and it is refused.
const BadLimit = 0.01

// maxSamples is how many bad lines a Reader quotes; maxKeys how many keys it counts.
const (
	maxSamples = 10
	maxKeys    = 10000
)

// ErrTooManyBad is wrapped by the error of a trace with more than BadLimit bad lines.
var ErrTooManyBad = errors.New("too many bad lines")

// Reader streams the requests of a trace in time order.
type Reader struct {
	name    string
	dec     decoder
	opts    Options
	pend    pending
	keys    map[string]string // interned keys
	routes  map[string]string // interned routes
	stats   Stats
	lastOut int64 // at of the latest request given out, of any key
	seen    bool  // a request was read
	started bool  // a request was given out, of any key: the origin is fixed
	ended   bool  // the decoder has no more
	err     error
	e       entry
}

// NewReader reads the trace r; name names it in messages ("access.log.gz"). A stream
// starting with gzip's magic bytes is decompressed.
func NewReader(r io.Reader, name string, opts Options) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	if opts.Format == "" {
		head, _ := br.Peek(16 << 10)
		f, err := Detect(head)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		opts.Format = f
	}
	if opts.Spread == nil {
		opts.Spread = SpreadSource(nil)
	}
	rd := &Reader{name: name, opts: opts, keys: map[string]string{}, routes: map[string]string{}}
	rd.stats.Keys = map[string]int64{}
	if err := rd.setDecoder(br); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return rd, nil
}

func (rd *Reader) setDecoder(br *bufio.Reader) error {
	if rd.opts.Format == FormatVegeta && rd.opts.Fields == (Fields{}) {
		if head, _ := br.Peek(1); isGob(head) {
			rd.dec = newGobDecoder(br)
			return nil
		}
	}
	f, err := newLineFormat(rd.opts.Format, rd.opts.Fields)
	if err != nil {
		return err
	}
	if rd.opts.APIKey != "" && !f.keyed() {
		return fmt.Errorf("format %s logs no API key: api_key cannot select requests", rd.opts.Format)
	}
	rd.dec = &lineDecoder{br: br, f: f}
	return nil
}

// Format returns the trace's format (as given, or detected).
func (rd *Reader) Format() string { return rd.opts.Format }

// Stats returns the counts so far; after Next has returned false, the trace's.
func (rd *Reader) Stats() Stats { return rd.stats }

// Err returns what ended the trace early, once Next has returned false: a trace that cannot
// be read further, or one with more than BadLimit bad lines (wrapping ErrTooManyBad).
func (rd *Reader) Err() error { return rd.err }
