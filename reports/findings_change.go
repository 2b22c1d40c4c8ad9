package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Changes says what to change in the design, each figure computed from the run's data and
// stated with what it rests on and its limits: the rate or burst a gateway throttle would
// have needed to admit the offered traffic, a usage-plan or API quota that ran out and the
// quota that would have lasted, the concurrency of workers that fits the API's quota or keeps
// up with the queue, the orchestrator pace that uses the API's quota fully. It says only what
// the data supports: a run that needed no change has none. It needs the scenario and the
// series; without them it returns nil.
func Changes(in Input) []string {
	if in.Summary == nil || in.Scenario == nil || in.Series == nil {
		return nil
	}
	fd := &finder{in: in, m: in.Summary.Metrics}
	for _, find := range []func(){fd.changeBuckets, fd.changePlanQuotas, fd.changeLongTiers,
		fd.changeWorkers, fd.changePace} {
		find()
	}
	return fd.out
}

// maxExcess returns the largest total of v[i] − r over a stretch of consecutive seconds, or 0
// when none exceeds r: the depth a token bucket refilling at r per second needs to admit every
// count of v, and the backlog a server of r per second builds from them (Kadane's maximum
// subarray). Both assume each second's arrivals spread over it: arrivals closer together need
// more, so it is a lower bound.
func maxExcess(v []float64, r float64) float64 {
	best, run := 0.0, 0.0
	for _, x := range v {
		run = max(0, run+x-r)
		best = max(best, run)
	}
	return best
}

// minRate returns the smallest whole rate r (per second) at which maxExcess(v, r) is at most
// burst: the slowest token bucket of depth burst that admits v.
func minRate(v []float64, burst float64) float64 {
	lo, hi := 0.0, math.Ceil(slices.Max(v))
	for lo < hi {
		mid := math.Floor((lo + hi) / 2)
		if maxExcess(v, mid) <= burst {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// clientsColumn adds the series column "client.NAME.suffix" of the named clients, second by
// second; nil when none of them has it.
func (fd *finder) clientsColumn(clients []string, suffix string) []float64 {
	var out []float64
	for _, c := range clients {
		col := fd.col("client." + c + "." + suffix)
		if col == nil {
			continue
		}
		if out == nil {
			out = make([]float64, len(col))
		}
		for i := range min(len(out), len(col)) {
			out[i] += col[i]
		}
	}
	return out
}

// clientsSum adds a per-client summary metric over the named clients.
func (fd *finder) clientsSum(clients []string, metric string) float64 {
	t := 0.0
	for _, c := range clients {
		t += fd.in.Summary.PerClient[c][metric]
	}
	return t
}

// bucketUse is one token bucket of the gateway and the clients whose requests take from it.
type bucketUse struct {
	name    string // "the stage throttle on POST /orders"
	b       scenarios.Bucket
	clients []string
}

// gatewayBuckets returns the buckets a request of each client must pass, as the model applies
// them (model.Gateway.layers): its key's usage-plan bucket (the plan's entry for the route,
// else its throttle) when keys are required, the route's bucket (the stage's methods entry,
// else the stage default, one bucket per route), and the account's. Clients a required key
// would refuse (403) pass none.
func gatewayBuckets(sc *scenarios.Scenario) []bucketUse {
	g := sc.Gateway
	if g == nil {
		return nil
	}
	var out []bucketUse
	use := func(name string, b scenarios.Bucket, client string) {
		i := slices.IndexFunc(out, func(u bucketUse) bool { return u.name == name })
		if i < 0 {
			out = append(out, bucketUse{name: name, b: b})
			i = len(out) - 1
		}
		out[i].clients = append(out[i].clients, client)
	}
	account := accountBucket(g)
	for _, c := range sc.Clients {
		route := clientRoute(c)
		if g.APIKeyRequired {
			p := planOf(g, c.APIKey)
			if p == nil {
				continue
			}
			if b, ok := p.Methods[route]; ok {
				use(fmt.Sprintf("usage plan %q on %s for key %s", p.Name, route, c.APIKey), b, c.Name)
			} else if p.Throttle != nil {
				use(fmt.Sprintf("usage plan %q for key %s", p.Name, c.APIKey), *p.Throttle, c.Name)
			}
		}
		if b, ok := g.Methods[route]; ok {
			use("the method throttle of "+route, b, c.Name)
		} else if g.Stage != nil {
			use("the stage throttle on "+route, *g.Stage, c.Name)
		}
		use("the account throttle", account, c.Name)
	}
	return out
}

// accountBucket is the scenario's account bucket, or AWS's default one.
func accountBucket(g *scenarios.Gateway) scenarios.Bucket {
	if g != nil && g.Account != nil { // no gateway section: a target run's 429s came from the target
		return *g.Account
	}
	return scenarios.Bucket{Rate: scenarios.Rate(model.DefaultAccountBucket.Rate), Burst: model.DefaultAccountBucket.Burst}
}

// clientRoute is the route a client's requests take: "METHOD /path", POST / by default.
func clientRoute(c scenarios.Client) string {
	method, path := c.Method, c.Path
	if method == "" {
		method = "POST"
	}
	if path == "" {
		path = "/"
	}
	return method + " " + path
}

// planOf returns the usage plan that lists key, or nil.
func planOf(g *scenarios.Gateway, key string) *scenarios.UsagePlan {
	for i, p := range g.UsagePlans {
		if key != "" && slices.Contains(p.Keys, key) {
			return &g.UsagePlans[i]
		}
	}
	return nil
}

// changeBuckets says, for each gateway bucket whose clients were throttled and whose burst
// could not have held their offered traffic, the burst it would have needed at its rate and
// the rate at its burst.
func (fd *finder) changeBuckets() {
	if fd.m["gateway_throttled_total"] == 0 {
		return
	}
	account := accountBucket(fd.in.Scenario.Gateway)
	for _, u := range gatewayBuckets(fd.in.Scenario) {
		offered := fd.clientsColumn(u.clients, "offered")
		if len(offered) == 0 || fd.clientsSum(u.clients, "gateway_throttled_total") == 0 {
			continue
		}
		rate := u.b.Rate.PerSecond()
		burst := math.Ceil(maxExcess(offered, rate))
		if burst <= float64(u.b.Burst) {
			continue
		}
		need := minRate(offered, float64(u.b.Burst))
		fd.add("To admit every request offered, %s (%s, burst %s) would need a burst of at least %s at %s, or a rate of at least %s at its burst of %s. From the per-second counts of new requests, retries left out: lower bounds, since requests within a second can come closer together.%s",
			u.name, rateWords(rate), count(float64(u.b.Burst)), count(burst), rateWords(rate),
			rateWords(need), count(float64(u.b.Burst)), accountWords(account, burst, need))
	}
}

// accountWords says where a burst or rate goes beyond what the account allows: AWS sets the
// account's burst and does not raise it on request; its rate can be raised through Service
// Quotas.
func accountWords(account scenarios.Bucket, burst, rate float64) string {
	var s string
	if burst > float64(account.Burst) {
		s += fmt.Sprintf(" A burst above the account's %s is not to be had: AWS sets the account's burst and does not raise it on request.", count(float64(account.Burst)))
	}
	if rate > account.Rate.PerSecond() {
		s += fmt.Sprintf(" A rate above the account's %s needs an account quota increase (Service Quotas).", rateWords(account.Rate.PerSecond()))
	}
	return s
}

// rateWords formats a rate per second: "2,000/s", "0.5/s".
func rateWords(r float64) string {
	if r == math.Trunc(r) {
		return count(r) + "/s"
	}
	return strconv.FormatFloat(r, 'g', 3, 64) + "/s"
}
