package model

import "io"

// ReplayConfig is a replay arrival's trace: recorded requests replayed at their recorded
// offsets from the trace's first request. The model reads no file itself: Open hands it a
// fresh stream of the trace from its first byte each time it is called (a replay reads it
// again to answer Rate, and again if asked for a hit it has streamed past).
type ReplayConfig struct {
	// Name names the trace in messages ("access.log.gz"), as the scenario file does.
	Name string
	// Open opens the trace's bytes (gzip-compressed or not: the replay tells by its magic).
	Open func() (io.ReadCloser, error)
	// Format is the log format (apigw-json, apigw-clf, alb, vegeta, csv); "" detects it.
	Format string
	// Speed scales time: 2 replays twice as fast; 0 means 1.
	Speed float64
	// APIKey keeps only the requests logged with this API key; "" keeps every request.
	APIKey string
	// Fields names the JSON members of an apigw-json log holding the request's time, API
	// key, method and path, when they are not API Gateway's own names; "" keeps the default.
	Fields ReplayFields
}

// ReplayFields maps the parts of a request to the members of a JSON access log.
type ReplayFields struct {
	Time, Key, Method, Path string
}

// ExactArrival is implemented by an Arrival whose instants are when requests reach the
// gateway rather than when a client sends them, such as a trace recorded at the gateway:
// a driver adds no client-to-gateway delay to them when Exact returns true.
type ExactArrival interface {
	Exact() bool
}

// NotedArrival is implemented by an Arrival with something to tell the run's reader — for a
// replay, that 1 s timestamps were spread over their second, or that bad lines were skipped.
// A driver appends the notes to the run's summary once the arrivals are over.
type NotedArrival interface {
	Notes() []string
}
