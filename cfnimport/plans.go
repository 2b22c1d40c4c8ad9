package cfnimport

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// usagePlan reads an AWS::ApiGateway::UsagePlan.
func (b *builder) usagePlan(r *resource) {
	b.setAPI(r, "rest")
	p := b.planFrom(r, r.qid, r.props)
	for i, st := range items(b.t.prop(r.props, "ApiStages")) {
		b.planMethods(r, p, b.t.prop(st, "Throttle"), fmt.Sprintf("ApiStages[%d].Throttle", i))
	}
}

// planFrom reads the name, throttle and quota of a usage plan (CloudFormation's UsagePlan or
// SAM's Auth.UsagePlan, which share these properties) and adds it.
func (b *builder) planFrom(r *resource, id string, props *yaml.Node) *plan {
	t := b.t
	p := &plan{id: id, name: id, methods: map[string]scenarios.Bucket{}, src: fields{}, methodSrc: map[string]fields{}}
	if n := t.prop(props, "UsagePlanName"); n != nil {
		if s, ok := t.str(n); ok && s != "" {
			p.name = s
		} else {
			p.comments = append(p.comments, fmt.Sprintf("UsagePlanName %s cannot be resolved: named after %s", t.describe(n), id))
		}
	}
	p.comments = append(p.comments, "from "+id)
	if th := t.prop(props, "Throttle"); th != nil {
		if bk, fill, src, ok := b.limits(r, th, "RateLimit", "BurstLimit", "Throttle"); ok {
			p.throttle = &bk
			src.under(p.src, "throttle.")
			if fill != "" {
				p.comments = append(p.comments, fill)
			}
		}
	}
	p.quota = b.quota(r, t.prop(props, "Quota"), p.src)
	b.plans = append(b.plans, p)
	return p
}

// quota reads a usage plan's QuotaSettings, recording where its fields came from in src.
func (b *builder) quota(r *resource, q *yaml.Node, src fields) *scenarios.PlanQuota {
	if q == nil {
		return nil
	}
	src.set(b.t, "quota.limit", b.t.prop(q, "Limit"))
	src.set(b.t, "quota.offset", b.t.prop(q, "Offset"))
	limit, okL := b.number(r, b.t.prop(q, "Limit"), "Quota.Limit")
	period, okP := b.t.str(b.t.prop(q, "Period"))
	period = strings.ToLower(period)
	if !okL || limit < 1 || !okP || !slices.Contains(scenarios.Periods, period) {
		b.note(r, "Quota (limit %s, period %s) is not a quota a scenario can hold", b.t.describe(b.t.prop(q, "Limit")), b.t.describe(b.t.prop(q, "Period")))
		return nil
	}
	pq := &scenarios.PlanQuota{Limit: int64(limit), Period: period}
	if off, ok := b.number(r, b.t.prop(q, "Offset"), "Quota.Offset"); ok {
		pq.Offset = int(off)
	}
	return pq
}

// planMethods reads an ApiStage's Throttle map: keys "/orders/POST" (resource path, then the
// method) to {RateLimit, BurstLimit}.
func (b *builder) planMethods(r *resource, p *plan, m *yaml.Node, where string) {
	for _, e := range pairs(m) {
		k := e.key.Value
		i := strings.LastIndex(k, "/")
		if i < 0 {
			b.note(r, "%s key %q: want /path/METHOD", where, k)
			continue
		}
		path := k[:i]
		if path == "" {
			path = "/"
		}
		key := methodKey(k[i+1:], decodePath(path))
		if msg := checkKey(key); msg != "" {
			b.note(r, "%s: %s", where, msg)
			continue
		}
		if bk, _, src, ok := b.limits(r, b.t.val(e.val), "RateLimit", "BurstLimit", where+"."+k); ok {
			p.methods[key], p.methodSrc[key] = bk, src
		}
	}
}

// usagePlanKey reads an AWS::ApiGateway::UsagePlanKey: an API key on a usage plan.
func (b *builder) usagePlanKey(r *resource) {
	t := b.t
	keyNode, planNode := t.prop(r.props, "KeyId"), t.prop(r.props, "UsagePlanId")
	key := t.ref(keyNode, "AWS::ApiGateway::ApiKey")
	if key != "" {
		key = b.keyName(t.byID[key])
	} else if s, ok := t.str(keyNode); ok {
		key = s
	} else {
		key = sanitize(t.describe(keyNode))
	}
	b.keyLinks = append(b.keyLinks, keyLink{key: key, plan: b.q(rawRef(planNode, t)), r: r})
}

// apiKey records an AWS::ApiGateway::ApiKey, to report it when it is on no plan.
func (b *builder) apiKey(r *resource) {
	b.apiKeys = append(b.apiKeys, namedKey{r: r, name: b.keyName(r)})
}

// namedKey is an AWS::ApiGateway::ApiKey and its name in the scenario.
type namedKey struct {
	r    *resource
	name string
}

// keyName is the name an ApiKey resource has in the scenario: its Name, or its logical id.
func (b *builder) keyName(r *resource) string {
	if s, ok := b.t.str(b.t.prop(r.props, "Name")); ok && s != "" {
		return s
	}
	return r.qid
}

// rawRef is the logical id a Ref or Fn::GetAtt names, whether or not the template declares
// it (SAM generates some), or the value of a plain string.
func rawRef(n *yaml.Node, t *tmpl) string {
	fn, arg, ok := intrinsic(n)
	switch {
	case ok && fn == "Ref":
		return arg.Value
	case ok && fn == "Fn::GetAtt":
		id, _, _ := strings.Cut(getAttName(arg), ".")
		return id
	}
	s, _ := t.str(n)
	return s
}

// linkKeys puts each linked key on its plan, reports keys on no plan, and gives a keyless
// plan a placeholder key (a scenario's usage plan needs one).
func (b *builder) linkKeys() {
	used := map[string]bool{}
	for _, l := range b.keyLinks {
		i := slices.IndexFunc(b.plans, func(p *plan) bool { return p.id == l.plan })
		if i < 0 {
			b.note(l.r, "usage plan %q is not in the template: key %s left out", l.plan, l.key)
			continue
		}
		if slices.ContainsFunc(b.plans, func(p *plan) bool { return slices.Contains(p.keys, l.key) }) {
			b.note(l.r, "key %s is already on a usage plan (a key belongs to at most one plan in a scenario)", l.key)
			continue
		}
		b.plans[i].keys = append(b.plans[i].keys, l.key)
		used[l.key] = true
	}
	for _, k := range b.apiKeys {
		if !used[k.name] {
			b.note(k.r, "API key %s is on no usage plan: with keys required it would get 403", k.name)
		}
	}
	for _, p := range b.plans {
		if len(p.keys) == 0 {
			p.keys = []string{sanitize(p.name) + "-key"}
			p.comments = append(p.comments, "no UsagePlanKey puts a key on this plan: "+p.keys[0]+" is a placeholder")
		}
	}
}

// sanitize lower-kebab-cases a name for clients, queues and placeholder keys: "OrdersQueue"
// is orders-queue, "BasicTier" basic-tier.
func sanitize(s string) string {
	var out []rune
	prev := rune(0)
	for i, c := range s {
		lower := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		upper := c >= 'A' && c <= 'Z'
		switch {
		case upper && i > 0 && ((prev >= 'a' && prev <= 'z' || prev >= '0' && prev <= '9') && nextLetter(s, i) || nextLower(s, i) && prev >= 'A' && prev <= 'Z'):
			out = append(out, '-', c+'a'-'A')
		case upper:
			out = append(out, c+'a'-'A')
		case lower:
			out = append(out, c)
		case len(out) > 0 && out[len(out)-1] != '-':
			out = append(out, '-')
		}
		prev = c
	}
	res := strings.Trim(string(out), "-")
	if res == "" {
		return "x"
	}
	return res
}

// nextLetter reports whether the byte after position i of s is a letter or the end: an
// upper-case letter that ends a word ("SaaS-") starts no new one.
func nextLetter(s string, i int) bool {
	if i+1 >= len(s) {
		return true
	}
	c := s[i+1]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// nextLower reports whether the byte after position i of s is a lower-case letter.
func nextLower(s string, i int) bool {
	return i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
}
