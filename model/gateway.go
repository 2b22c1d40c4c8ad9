package model

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GatewayConfig describes one API Gateway REST API stage and the account it lives in.
//
// Account nil means AWS's default account limit (DefaultAccountBucket). Stage nil means
// no stage throttle. Methods maps a route ("POST /orders") to the throttle that replaces
// the stage's for that route; its keys, like those of KeyRoutes and of a plan's Methods,
// are matched as route.go describes (ANY, {name}, {name+}, a trailing slash ignored).
// APIKeyRequired makes the API's methods demand a key (x-api-key) on a usage plan, and
// KeyRoutes overrides it per route (true: the route needs a key; false: it does not).
// Usage plans apply only to a route that requires a key, as in AWS, where a key is read
// and matched to a plan only on methods that require one ("Choose an API key source", API
// Gateway developer guide): on any other route the key a client sends is ignored, and
// neither its plan's throttle nor its quota applies. Informative adds Retry-After and
// X-RateLimit-* headers that AWS does not send. Epoch is the wall-clock instant of now =
// 0, which places the quota periods.
//
// Bypass means there is no API Gateway at all (producers call SQS or Lambda directly):
// every request is admitted, no layer applies, not even the account's; the other fields
// must then be empty.
type GatewayConfig struct {
	Account        *BucketConfig
	Stage          *BucketConfig
	Methods        map[string]BucketConfig
	APIKeyRequired bool
	KeyRoutes      map[string]bool
	Plans          []PlanConfig
	Informative    bool
	Bypass         bool
	Epoch          time.Time
}

// Outcome is what the gateway does with a request.
type Outcome uint8

// The outcomes, by the status they answer with.
const (
	Admitted      Outcome = iota // passed on to the integration
	Throttled                    // 429 Too Many Requests: a token bucket was empty
	QuotaExceeded                // 429 Limit Exceeded: the key's usage-plan quota is spent
	Forbidden                    // 403: the API key is missing or on no usage plan
)

func (o Outcome) String() string {
	switch o {
	case Admitted:
		return "admitted"
	case Throttled:
		return "throttled"
	case QuotaExceeded:
		return "quota-exceeded"
	case Forbidden:
		return "forbidden"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// The layers that can refuse a request, as Decision.Layer names them.
const (
	LayerAccount    = "account"     // the account's bucket, shared by every API
	LayerStage      = "stage"       // the stage's default throttle for the route
	LayerMethod     = "method"      // a stage method throttle (GatewayConfig.Methods)
	LayerPlan       = "plan"        // the key's usage-plan throttle
	LayerPlanMethod = "plan-method" // the key's usage-plan throttle for the route
	LayerQuota      = "quota"       // the key's usage-plan quota
	LayerKey        = "key"         // the API key check
)

// Decision is the gateway's answer to one request.
//
// Layer names the layer that refused ("" when admitted). RetryAfter, for a 429, is how
// long until every bucket the request needs holds a token, or until the quota's next
// period. Limit, Remaining and Reset describe the deciding layer: the one that refused,
// or when admitted the one with the fewest requests left (Remaining whole tokens or
// quota requests); Limit is its rate in requests per second (a quota's: its limit per
// period) and Reset how long until it is full again (a quota's: its next period). For an
// admitted request they are filled only when the gateway is Informative (only its headers
// carry them), which keeps the admitted path cheap for the simulator.
type Decision struct {
	Outcome    Outcome
	Layer      string
	RetryAfter time.Duration
	Limit      float64
	Remaining  int64
	Reset      time.Duration
}

// Status returns the HTTP status API Gateway answers with.
func (d Decision) Status() int {
	switch d.Outcome {
	case Throttled, QuotaExceeded:
		return http.StatusTooManyRequests
	case Forbidden:
		return http.StatusForbidden
	}
	return http.StatusOK
}

// Gateway emulates API Gateway REST API throttling: the account bucket, the stage's
// per-method buckets, usage plans' per-key buckets and quotas, and API keys.
//
// A request must pass every layer that applies to it: the key's plan bucket (the plan's
// Methods entry for the route, else its Throttle), the route's bucket (the stage
// Methods entry, else the stage default), and the account bucket — the order in which
// AWS documents applying them (knowledge center, api-gateway-429-limit). The stage
// default is a bucket per route: AWS applies "per-API, per-stage throttling limits ...
// at the API method level for a stage" (developer guide, "Throttle requests to your
// REST APIs"). Our choice, which AWS does not document: the layers are checked without
// consuming and a token is taken from each only when all hold one, so a refused request
// costs nothing anywhere (all or nothing).
//
// Answers come in this order: a missing or unknown key when keys are required → 403; a
// spent quota → 429 Limit Exceeded; an empty bucket → 429 Too Many Requests. Throttles
// and quotas are best-effort targets in AWS; here they are exact.
//
// Decide does not allocate, except once for the first request of a route that takes
// the stage default. A Gateway is not safe for concurrent use.
type Gateway struct {
	epoch       time.Time
	account     *rateBucket
	stage       *BucketConfig
	methods     routeTable          // the keys of routes
	routes      map[string]*gwRoute // method throttles by normalized key; stage-default buckets by normalized route
	keys        map[string]*gwKey
	keyRequired bool
	keyTable    routeTable      // the keys of keyRoutes
	keyRoutes   map[string]bool // by normalized key
	informative bool
	bypass      bool
}

type gwRoute struct {
	b     *rateBucket
	layer string
}

// NewGateway checks cfg, reporting every problem at once, and returns a gateway with
// every bucket full.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	account := DefaultAccountBucket
	if cfg.Account != nil {
		account = *cfg.Account
	}
	var errs []error
	if err := account.check(); err != nil {
		errs = append(errs, fmt.Errorf("account: %w", err))
	}
	if cfg.Stage != nil {
		if err := cfg.Stage.check(); err != nil {
			errs = append(errs, fmt.Errorf("stage: %w", err))
		}
	}
	g := &Gateway{epoch: cfg.Epoch, account: account.newBucket(cfg.Epoch),
		routes: make(map[string]*gwRoute), keys: make(map[string]*gwKey),
		keyRequired: cfg.APIKeyRequired, informative: cfg.Informative, bypass: cfg.Bypass}
	if cfg.Bypass && (cfg.Account != nil || cfg.Stage != nil || len(cfg.Methods) > 0 || cfg.APIKeyRequired ||
		len(cfg.KeyRoutes) > 0 || len(cfg.Plans) > 0) {
		errs = append(errs, errors.New("bypass: a gateway that is not there has no limits, keys or plans"))
	}
	if cfg.Stage != nil {
		stage := *cfg.Stage
		g.stage = &stage
	}
	errs = append(errs, g.addMethods(cfg.Methods)...)
	errs = append(errs, g.addKeyRoutes(cfg.KeyRoutes)...)
	for i, p := range cfg.Plans {
		if err := newPlanKeys(g.keys, i, p, cfg.Epoch); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new gateway: %w", err)
	}
	return g, nil
}

// addMethods adds the stage's method throttles.
func (g *Gateway) addMethods(methods map[string]BucketConfig) []error {
	var errs []error
	var norm map[string]string
	g.methods, norm, errs = newRouteTable(slices.Collect(maps.Keys(methods)))
	for route, b := range methods {
		if err := b.check(); err != nil {
			errs = append(errs, fmt.Errorf("method %q: %w", route, err))
		}
		if n, ok := norm[route]; ok {
			g.routes[n] = &gwRoute{b: b.newBucket(g.epoch), layer: LayerMethod}
		}
	}
	for i, err := range errs {
		errs[i] = fmt.Errorf("methods: %w", err)
	}
	return errs
}

// addKeyRoutes adds the per-route key requirements.
func (g *Gateway) addKeyRoutes(keyRoutes map[string]bool) []error {
	var errs []error
	var norm map[string]string
	g.keyTable, norm, errs = newRouteTable(slices.Collect(maps.Keys(keyRoutes)))
	g.keyRoutes = make(map[string]bool, len(keyRoutes))
	for route, req := range keyRoutes {
		if n, ok := norm[route]; ok {
			g.keyRoutes[n] = req
		}
	}
	for i, err := range errs {
		errs[i] = fmt.Errorf("key routes: %w", err)
	}
	return errs
}

// KeyRequired reports whether a request for route ("METHOD /path") must carry an API key on a
// usage plan: its KeyRoutes entry, else APIKeyRequired.
func (g *Gateway) KeyRequired(route string) bool {
	if key, ok := g.keyTable.match(normRoute(route)); ok {
		return g.keyRoutes[key]
	}
	return g.keyRequired
}

// gwLayers holds the buckets one request needs, in the order they are applied.
type gwLayers struct {
	n    int
	b    [3]*rateBucket
	name [3]string
}

func (ls *gwLayers) add(b *rateBucket, name string) {
	ls.b[ls.n], ls.name[ls.n] = b, name
	ls.n++
}

// Decide answers a request for route ("METHOD /path") with apiKey ("" for none) at now.
func (g *Gateway) Decide(now time.Duration, route, apiKey string) Decision {
	var c Caller
	g.resolve(&c, route, apiKey)
	return g.DecideFor(now, &c)
}

// Caller is a route and an API key resolved once, for a caller that sends many requests
// (the simulator's clients): the layers that apply to its requests, so that deciding each
// one looks nothing up.
type Caller struct {
	k         *gwKey
	forbidden bool
	ls        gwLayers
}

// Caller resolves route and apiKey; DecideFor(now, c) then answers what Decide(now, route,
// apiKey) would. Routes and keys never change, so the resolution holds for the whole run.
func (g *Gateway) Caller(route, apiKey string) *Caller {
	c := new(Caller)
	g.resolve(c, route, apiKey)
	return c
}

func (g *Gateway) resolve(c *Caller, route, apiKey string) {
	if g.bypass {
		return // no layer: every request is admitted
	}
	route = normRoute(route)
	if g.KeyRequired(route) {
		if c.k = g.keys[apiKey]; c.k == nil {
			c.forbidden = true
			return
		}
	}
	g.layers(&c.ls, route, c.k)
}

// DecideFor answers a request of caller c at now.
func (g *Gateway) DecideFor(now time.Duration, c *Caller) Decision {
	if c.forbidden {
		return Decision{Outcome: Forbidden, Layer: LayerKey}
	}
	k, ls := c.k, &c.ls
	if k != nil && k.quota != nil && !k.quota.fits(now) {
		return k.quota.exceeded(now)
	}
	var tokens [len(gwLayers{}.b)]float64
	for i := range ls.n {
		ok, t := ls.b[i].fits(now)
		if !ok {
			return g.throttled(now, ls, i, t)
		}
		tokens[i] = t
	}
	for i := range ls.n {
		ls.b[i].take(now)
	}
	if k != nil && k.quota != nil {
		k.quota.used++
	}
	if !g.informative {
		return Decision{Outcome: Admitted} // no header carries the details: skip them
	}
	return gwAdmitted(ls, &tokens, k, now)
}

// layers collects the buckets that apply to the normalized route for key k (nil: no plan).
func (g *Gateway) layers(ls *gwLayers, route string, k *gwKey) {
	if k != nil {
		if b := k.method(route); b != nil {
			ls.add(b, LayerPlanMethod)
		} else if k.throttle != nil {
			ls.add(k.throttle, LayerPlan)
		}
	}
	var r *gwRoute
	if key, ok := g.methods.match(route); ok {
		r = g.routes[key]
	} else {
		r = g.routes[route]
	}
	if r == nil && g.stage != nil {
		r = &gwRoute{b: g.stage.newBucket(g.epoch), layer: LayerStage}
		g.routes[strings.Clone(route)] = r
	}
	if r != nil {
		ls.add(r.b, r.layer)
	}
	ls.add(g.account, LayerAccount)
}

// throttled is the decision when layer i, holding tokens, refused at now.
func (g *Gateway) throttled(now time.Duration, ls *gwLayers, i int, tokens float64) Decision {
	var wait time.Duration
	for j := range ls.n {
		wait = max(wait, ls.b[j].free(now)-now)
	}
	b := ls.b[i]
	return Decision{Outcome: Throttled, Layer: ls.name[i], RetryAfter: wait, Limit: b.rate,
		Remaining: int64(max(0, math.Floor(tokens))), Reset: b.untilFull(tokens)}
}

// gwAdmitted is the decision for an admitted request, describing the tightest layer.
func gwAdmitted(ls *gwLayers, tokens *[len(gwLayers{}.b)]float64, k *gwKey, now time.Duration) Decision {
	d := Decision{Outcome: Admitted, Remaining: math.MaxInt64}
	for i := range ls.n {
		left := tokens[i] - 1
		if r := int64(math.Floor(left)); r < d.Remaining {
			d.Limit, d.Remaining, d.Reset = ls.b[i].rate, r, ls.b[i].untilFull(left)
		}
	}
	if k != nil && k.quota != nil {
		if r := k.quota.limit - k.quota.used; r < d.Remaining {
			d.Limit, d.Remaining, d.Reset = float64(k.quota.limit), r, k.quota.end-now
		}
	}
	return d
}

// The bodies API Gateway's default gateway responses carry.
const (
	bodyThrottled = `{"message":"Too Many Requests"}`
	bodyQuota     = `{"message":"Limit Exceeded"}`
	bodyForbidden = `{"message":"Forbidden"}`
)

// Response returns what API Gateway sends for a refused request: the status, the
// headers and the body of its default gateway response (THROTTLED, QUOTA_EXCEEDED,
// INVALID_API_KEY / MISSING_AUTHENTICATION_TOKEN). For an admitted request it returns
// 200, no body (the integration's answer goes there) and, when informative, the
// X-RateLimit-* headers.
//
// Headers, as captured from real API Gateway answers: Content-Type: application/json
// and x-amzn-ErrorType: TooManyRequestsException (throttled), LimitExceededException
// (quota) or ForbiddenException (403). The header map holds Go's canonical spelling
// (X-Amzn-Errortype); HTTP header names are case-insensitive. AWS's x-amzn-RequestId
// and x-amz-apigw-id are not emulated. When informative, 429s add Retry-After (whole
// seconds, rounded up, at least 1), and all but 403s add X-RateLimit-Limit (requests
// per second, or per quota period), X-RateLimit-Remaining and X-RateLimit-Reset
// (seconds from now, rounded up).
func (g *Gateway) Response(d Decision) (status int, header http.Header, body []byte) {
	header = http.Header{}
	var msg, errType string
	switch d.Outcome {
	case Throttled:
		msg, errType = bodyThrottled, "TooManyRequestsException"
	case QuotaExceeded:
		msg, errType = bodyQuota, "LimitExceededException"
	case Forbidden:
		msg, errType = bodyForbidden, "ForbiddenException"
	}
	if msg != "" {
		header.Set("Content-Type", "application/json")
		header.Set("x-amzn-ErrorType", errType)
		body = []byte(msg)
	}
	if g.informative && d.Outcome != Forbidden {
		if d.Outcome != Admitted {
			header.Set("Retry-After", strconv.FormatInt(max(1, wholeSecondsUp(d.RetryAfter)), 10))
		}
		header.Set("X-RateLimit-Limit", strconv.FormatFloat(d.Limit, 'f', -1, 64))
		header.Set("X-RateLimit-Remaining", strconv.FormatInt(d.Remaining, 10))
		header.Set("X-RateLimit-Reset", strconv.FormatInt(wholeSecondsUp(d.Reset), 10))
	}
	return d.Status(), header, body
}

// wholeSecondsUp returns d in whole seconds, rounded up (0 for d <= 0).
func wholeSecondsUp(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	s := int64(d / time.Second)
	if d%time.Second != 0 {
		s++
	}
	return s
}

// ClientRetryAfter is the Retry-After a client learns from the answer to decision d: with
// informative headers, a refusal's wait in whole seconds, rounded up, at least 1 (what
// Response sends); otherwise none, as API Gateway sends none.
func (g *Gateway) ClientRetryAfter(d Decision) time.Duration {
	if !g.informative || d.Outcome == Admitted || d.Outcome == Forbidden {
		return 0
	}
	return time.Duration(max(1, wholeSecondsUp(d.RetryAfter))) * time.Second
}
