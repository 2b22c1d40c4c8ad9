package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

func (v *validator) gateway() {
	v.integration()
	g := v.s.Gateway
	if g == nil {
		return
	}
	if slices.Contains(GatewayTypes, g.Type) { // else reported by the enum check
		v.gatewayType(g)
	}
	v.methods("gateway.methods", g.Methods)
	v.keyMethods(g.APIKeyMethods)
	v.usagePlans(g.UsagePlans)
}

// integration checks the effective integration and the queue it sends to.
func (v *validator) integration() {
	s := v.s
	if s.Gateway != nil && !slices.Contains(Integrations, s.Gateway.Integration) {
		return // reported by the enum check
	}
	if s.Integration() == "queue" && len(s.Queues) == 0 {
		v.errf("gateway.integration", "integration queue needs at least one queue (add a queues section)")
	}
	if s.Gateway != nil && s.Gateway.Queue != "" {
		v.queueRef("gateway.queue", s.Gateway.Queue)
	}
}

// queueRef checks that name is the name of a queue.
func (v *validator) queueRef(path, name string) {
	if v.s.queueIndex(name) >= 0 {
		return
	}
	names := make([]string, len(v.s.Queues))
	for i, q := range v.s.Queues {
		names[i] = q.Name
	}
	v.errf(path, "queue %q does not exist (queues: %s)", name, strings.Join(names, ", "))
}

// gatewayType checks the fields that do not apply to an HTTP API (API keys, usage plans) or
// to no gateway at all (any limit).
func (v *validator) gatewayType(g *Gateway) {
	set := map[string]bool{
		"account": g.Account != nil, "stage": g.Stage != nil, "methods": len(g.Methods) > 0,
		"api_key_required": g.APIKeyRequired, "api_key_methods": len(g.APIKeyMethods) > 0,
		"usage_plans": len(g.UsagePlans) > 0, "headers": g.Headers == "informative",
		// a default fills the timeout in: only a written one is wrong
		"timeout": v.s.lines != nil && v.given("gateway.timeout"),
	}
	var wrong []string
	var why string
	switch g.Type {
	case "http":
		wrong = []string{"api_key_required", "api_key_methods", "usage_plans"}
		why = "an HTTP API has no API keys or usage plans (use type rest)"
	case "none":
		wrong = []string{"account", "stage", "methods", "api_key_required", "api_key_methods", "usage_plans", "headers", "timeout"}
		why = "with type none there is no API Gateway in front (producers call SQS or Lambda directly)"
	}
	for _, f := range wrong {
		if set[f] {
			v.errf("gateway."+f, "does not apply: %s", why)
		}
	}
}

// methods checks per-method throttling: keys are "METHOD /path".
func (v *validator) methods(p string, m map[string]Bucket) {
	v.methodKeys(p, slices.Collect(maps.Keys(m)))
}

// keyMethods checks the per-method API key requirements.
func (v *validator) keyMethods(m map[string]bool) {
	v.methodKeys("gateway.api_key_methods", slices.Collect(maps.Keys(m)))
}

// methodKeys checks the keys of a map of methods, and that no two name the same route (API
// Gateway ignores a trailing slash).
func (v *validator) methodKeys(p string, keys []string) {
	seen := map[string]string{}
	for _, key := range slices.Sorted(slices.Values(keys)) {
		kp := fmt.Sprintf("%s[%q]", p, key)
		if err := checkMethodKey(key); err != "" {
			v.errf(kp, "%s", err)
			continue
		}
		norm := strings.TrimSuffix(key, "/")
		if strings.HasSuffix(key, " /") {
			norm = key
		}
		if other, dup := seen[norm]; dup {
			v.errf(kp, "%q and %q are the same method (a trailing slash does not count)", other, key)
		}
		seen[norm] = key
	}
}

// checkMethodKey returns what is wrong with a method key, or "".
func checkMethodKey(key string) string {
	method, path, ok := strings.Cut(key, " ")
	if !ok || !slices.Contains(HTTPMethods, method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t") {
		return fmt.Sprintf("method key %q: want \"METHOD /path\" with METHOD one of %s (path /* for every path)",
			key, strings.Join(HTTPMethods, ", "))
	}
	segs := strings.Split(strings.TrimSuffix(path[1:], "/"), "/")
	for i, seg := range segs {
		switch {
		case seg == "" && path != "/":
			return fmt.Sprintf("method key %q: empty path segment", key)
		case (seg == "*" || strings.HasSuffix(seg, "+}")) && i < len(segs)-1:
			return fmt.Sprintf("method key %q: %s must be the last path segment", key, seg)
		}
	}
	return ""
}

func (v *validator) usagePlans(plans []UsagePlan) {
	names := map[string]int{}
	keys := map[string]string{}
	for i := range plans {
		u, p := &plans[i], fmt.Sprintf("gateway.usage_plans[%d]", i)
		if u.Name == "" {
			v.errf(p+".name", "must not be empty")
		} else if j, dup := names[u.Name]; dup {
			v.errf(p+".name", "usage plan %q is also usage_plans[%d]", u.Name, j)
		} else {
			names[u.Name] = i
		}
		if len(u.Keys) == 0 {
			v.errf(p+".keys", "a usage plan needs at least one API key")
		}
		for j, k := range u.Keys {
			kp := fmt.Sprintf("%s.keys[%d]", p, j)
			if k == "" {
				v.errf(kp, "must not be empty")
			} else if other, dup := keys[k]; dup {
				v.errf(kp, "API key %q is already in usage plan %q (a key belongs to at most one plan)", k, other)
			} else {
				keys[k] = u.Name
			}
		}
		if u.Quota != nil {
			v.planQuota(p+".quota", u.Quota)
		}
		v.methods(p+".methods", u.Methods)
	}
}

// maxOffset is the largest quota offset of each period, as AWS QuotaSettings.
var maxOffset = map[string]int64{"day": 0, "week": 6, "month": 27}

func (v *validator) planQuota(p string, q *PlanQuota) {
	if last, ok := maxOffset[q.Period]; ok && (q.Offset < 0 || int64(q.Offset) > last) {
		v.errf(p+".offset", "must be between 0 and %d, got %d", last, q.Offset)
	}
}

func (v *validator) queues() {
	seen := map[string]int{}
	for i := range v.s.Queues {
		q, p := &v.s.Queues[i], fmt.Sprintf("queues[%d]", i)
		if q.Name == "" {
			v.errf(p+".name", "must not be empty")
		} else if j, dup := seen[q.Name]; dup {
			v.errf(p+".name", "queue %q is also queues[%d]", q.Name, j)
		} else {
			seen[q.Name] = i
		}
		if q.ContentDedup && !q.FIFO {
			v.errf(p+".content_dedup", "content-based deduplication needs a FIFO queue (fifo: true)")
		}
	}
}
