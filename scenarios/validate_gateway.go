package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Limits of SQS queue attributes, as AWS enforces them.
const (
	maxVisibilityTimeout = 12 * time.Hour
	maxDelay             = 15 * time.Minute
	minRetention         = time.Minute
	maxRetention         = 14 * 24 * time.Hour
	maxReceiveCount      = 1000
)

func (v *validator) gateway() {
	v.integration()
	g := v.s.Gateway
	if g == nil {
		return
	}
	if g.Account != nil {
		v.bucket("gateway.account", *g.Account)
	}
	if g.Stage != nil {
		v.bucket("gateway.stage", *g.Stage)
	}
	v.methods("gateway.methods", g.Methods)
	v.usagePlans(g.UsagePlans)
	v.oneOf("gateway.headers", "headers", g.Headers, HeaderStyles)
	if g.Timeout != nil {
		v.positive("gateway.timeout", *g.Timeout)
	}
}

// integration checks the effective integration and the queue it sends to.
func (v *validator) integration() {
	s := v.s
	if s.Gateway != nil && !v.oneOf("gateway.integration", "integration", s.Gateway.Integration, Integrations) {
		return
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

func (v *validator) bucket(p string, b Bucket) {
	if b.Rate < 0 {
		v.errf(p+".rate", "must not be negative, got %v", float64(b.Rate))
	}
	if b.Burst < 0 {
		v.errf(p+".burst", "must not be negative, got %d", b.Burst)
	}
}

// methods checks per-method throttling: keys are "METHOD /path".
func (v *validator) methods(p string, m map[string]Bucket) {
	for _, key := range slices.Sorted(maps.Keys(m)) {
		kp := fmt.Sprintf("%s[%q]", p, key)
		if err := checkMethodKey(key); err != "" {
			v.errf(kp, "%s", err)
		}
		v.bucket(kp, m[key])
	}
}

// checkMethodKey returns what is wrong with a method key, or "".
func checkMethodKey(key string) string {
	method, path, ok := strings.Cut(key, " ")
	if ok && slices.Contains(HTTPMethods, method) && strings.HasPrefix(path, "/") && !strings.ContainsAny(path, " \t") {
		return ""
	}
	return fmt.Sprintf("method key %q: want \"METHOD /path\" with METHOD one of %s (path /* for every path)",
		key, strings.Join(HTTPMethods, ", "))
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
		if u.Throttle != nil {
			v.bucket(p+".throttle", *u.Throttle)
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
	if v.oneOf(p+".period", "period", q.Period, Periods) {
		v.intIn(p+".offset", int64(q.Offset), 0, maxOffset[q.Period])
	}
	v.atLeast(p+".limit", q.Limit, 1)
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
		if q.VisibilityTimeout != nil {
			v.durationIn(p+".visibility_timeout", *q.VisibilityTimeout, 0, maxVisibilityTimeout)
		}
		v.intIn(p+".max_receive_count", int64(q.MaxReceiveCount), 0, maxReceiveCount)
		v.durationIn(p+".delay", q.Delay, 0, maxDelay)
		if q.Retention != nil {
			v.durationIn(p+".retention", *q.Retention, minRetention, maxRetention)
		}
		if q.ContentDedup && !q.FIFO {
			v.errf(p+".content_dedup", "content-based deduplication needs a FIFO queue (fifo: true)")
		}
	}
}
