package model

import (
	"fmt"
	"slices"
	"strings"
)

// Route matching: how a request ("METHOD /path") finds the entry of a table of routes that
// applies to it (stage method throttles, a usage plan's method throttles, per-method API key
// requirements), as API Gateway resolves a request to one of an API's methods.
//
// A table's keys are "METHOD /path". The method ANY stands for every method. A path segment
// {name} matches one segment, a last segment {name+} (a greedy path variable) one or more,
// and a last segment * any rest, none included: "GET /*" is every GET. Paths are compared
// after normalization: API Gateway routes /orders/ as /orders (a REST API deploys a resource
// path written /orders/ as /orders, and both REST and HTTP APIs send a request for /orders/ to
// the /orders route — AWS Lambda Powertools issue 1552, verified against both API kinds; HTTP
// API route keys cannot end in / at all); a query string is not part of the path.
//
// When several keys match, the most specific wins, as API Gateway prefers /orders/{id} to
// /orders/{proxy+} for /orders/1: segment by segment from the left, a literal beats {name},
// which beats {name+}, which beats *; then a named method beats ANY. A table knows only the
// routes it was given: a request matches the best of them even when the real API has a more
// specific resource that the table does not mention.

// routePattern is one parsed key of a route table.
type routePattern struct {
	key    string   // the key, normalized
	method string   // upper case; ANY matches every method
	segs   []string // the path's segments; none for /
}

// segment kinds, most specific first.
const (
	segLiteral = iota
	segParam
	segGreedy
	segRest
)

func segKind(s string) int {
	switch {
	case s == "*":
		return segRest
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
		return segGreedy
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		return segParam
	}
	return segLiteral
}

// splitRoute cuts "METHOD /path" into its method and path; ok is false when route is not of
// that form.
func splitRoute(route string) (method, path string, ok bool) {
	method, path, ok = strings.Cut(route, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		return "", "", false
	}
	return method, path, true
}

// normRoute normalizes a "METHOD /path" for matching: the query string and one trailing slash
// of the path (other than the root's) are dropped. The result is a prefix of route, so that
// normalizing allocates nothing.
func normRoute(route string) string {
	if i := strings.IndexByte(route, '?'); i >= 0 {
		route = route[:i]
	}
	if len(route) > 2 && strings.HasSuffix(route, "/") && !strings.HasSuffix(route, " /") {
		route = route[:len(route)-1]
	}
	return route
}

// parseRoutePattern parses a table key.
func parseRoutePattern(key string) (routePattern, error) {
	if err := checkRoute(key); err != nil {
		return routePattern{}, err
	}
	norm := normRoute(key)
	method, path, _ := splitRoute(norm)
	p := routePattern{key: norm, method: strings.ToUpper(method)}
	if path != "/" {
		p.segs = strings.Split(path[1:], "/")
	}
	for i, s := range p.segs {
		k := segKind(s)
		switch {
		case s == "":
			return p, fmt.Errorf("route %q: empty path segment", key)
		case (k == segGreedy || k == segRest) && i != len(p.segs)-1:
			return p, fmt.Errorf("route %q: %s must be the last path segment", key, s)
		}
	}
	return p, nil
}

// matches reports whether the pattern matches a request's method and normalized path.
func (p *routePattern) matches(method, path string) bool {
	if p.method != "ANY" && !strings.EqualFold(p.method, method) {
		return false
	}
	rest := strings.TrimPrefix(path, "/")
	for _, s := range p.segs {
		switch segKind(s) {
		case segRest:
			return true
		case segGreedy:
			return rest != ""
		}
		if rest == "" {
			return false
		}
		seg, after, _ := strings.Cut(rest, "/")
		if seg == "" || (segKind(s) == segLiteral && seg != s) {
			return false
		}
		rest = after
	}
	return rest == ""
}

// moreSpecific reports whether p is a more specific match than q for the same request.
func (p *routePattern) moreSpecific(q *routePattern) bool {
	for i := range min(len(p.segs), len(q.segs)) {
		if kp, kq := segKind(p.segs[i]), segKind(q.segs[i]); kp != kq {
			return kp < kq
		}
	}
	if len(p.segs) != len(q.segs) {
		// Both matched the same path, so the longer one spelled out what the shorter one's
		// last wildcard covers.
		return len(p.segs) > len(q.segs)
	}
	if (p.method == "ANY") != (q.method == "ANY") {
		return q.method == "ANY"
	}
	return p.key < q.key
}

// routeTable finds the key of a table that applies to a request.
type routeTable struct {
	pats []routePattern
}

// newRouteTable parses keys, reporting every key that is not a route and every two keys that
// name the same route once normalized ("POST /a" and "POST /a/"). norm maps each key to its
// normalized form.
func newRouteTable(keys []string) (t routeTable, norm map[string]string, errs []error) {
	norm = make(map[string]string, len(keys))
	seen := map[string]string{}
	slices.Sort(keys)
	for _, k := range keys {
		p, err := parseRoutePattern(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := seen[p.key]; dup {
			errs = append(errs, fmt.Errorf("routes %q and %q are the same route (a trailing slash does not count)", other, k))
			continue
		}
		seen[p.key] = k
		norm[k] = p.key
		t.pats = append(t.pats, p)
	}
	return t, norm, errs
}

// match returns the normalized key of the most specific pattern that matches the normalized
// route, or false when none does. It allocates nothing.
func (t *routeTable) match(route string) (string, bool) {
	method, path, ok := splitRoute(route)
	if !ok {
		return "", false
	}
	var best *routePattern
	for i := range t.pats {
		p := &t.pats[i]
		if p.matches(method, path) && (best == nil || p.moreSpecific(best)) {
			best = p
		}
	}
	if best == nil {
		return "", false
	}
	return best.key, true
}
