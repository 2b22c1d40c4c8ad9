// Package trace reads recorded traffic — API Gateway access logs (JSON and CLF), ALB access
// logs, vegeta results, plain CSV — as a stream of requests in time order, replays it as the
// "replay" arrival shape, and computes what a trace asks of a token bucket (its arrival
// curve) for `throttlelab analyze`.
//
// A trace is never loaded whole: a Reader holds the lines of its reorder window (requests
// logged out of order by up to a minute are put back in order) and nothing else, so a
// 10 M-line log replays in constant memory. Timestamps with only whole seconds are spread
// uniformly over their second by a seeded source, so a replay stays deterministic.
//
// Importing the package registers the replay shape with the model's registry.
package trace
