package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// changePlanQuotas says, for each API key whose usage-plan quota ran out, when it did and the
// quota that would have lasted its whole period at the rate its clients offered.
func (fd *finder) changePlanQuotas() {
	g := fd.in.Scenario.Gateway
	if g == nil || !g.APIKeyRequired || fd.m["gateway_quota_exceeded_total"] == 0 {
		return
	}
	for _, p := range g.UsagePlans {
		if p.Quota == nil {
			continue
		}
		for _, key := range p.Keys {
			clients := clientsWithKey(fd.in.Scenario, key)
			if fd.clientsSum(clients, "gateway_quota_exceeded_total") > 0 {
				fd.planQuota(p, key, clients)
			}
		}
	}
}

// planQuota says when key's quota of plan p ran out and what quota would have lasted.
func (fd *finder) planQuota(p scenarios.UsagePlan, key string, clients []string) {
	q := p.Quota
	period := planPeriod(q.Period, fd.in.Scenario)
	at := ""
	if i := reached(fd.clientsColumn(clients, "admitted"), float64(q.Limit), period); i >= 0 {
		at = " at " + spanWords(float64(i))
	}
	rate := fd.clientsSum(clients, "offered_total") / math.Max(fd.in.Summary.OfferedSeconds, 1)
	admit, throttle := rate, ""
	if p.Throttle != nil && p.Throttle.Rate.PerSecond() < rate {
		admit = p.Throttle.Rate.PerSecond()
		throttle = fmt.Sprintf(", of which the plan's throttle admits %s", rateWords(admit))
	}
	fd.add("The quota of usage plan %q (%s requests a %s) ran out for key %s%s (%s). Its clients offered %s%s: a quota of at least %s a %s would have lasted. An estimate: it assumes the run's mean rate holds for the whole %s.",
		p.Name, count(float64(q.Limit)), q.Period, key, at, strings.Join(clients, ", "),
		rateWords(rate), throttle, count(math.Ceil(admit*period.Seconds())), q.Period, q.Period)
}

// clientsWithKey returns the names of the clients that send key.
func clientsWithKey(sc *scenarios.Scenario, key string) []string {
	var out []string
	for _, c := range sc.Clients {
		if c.APIKey == key {
			out = append(out, c.Name)
		}
	}
	return out
}

// planPeriod is the length of a usage-plan quota period: a day, a week, or the calendar month
// the run starts in.
func planPeriod(period string, sc *scenarios.Scenario) time.Duration {
	switch period {
	case "week":
		return 7 * 24 * time.Hour
	case "month":
		start := scenarios.DefaultStart
		if sc.Start != nil {
			start = *sc.Start
		}
		days := time.Date(start.Year(), start.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return time.Duration(days) * 24 * time.Hour
	}
	return 24 * time.Hour
}

// reached returns the first second in which the running total of v, over a trailing window of
// per, reaches limit; -1 when it never does.
func reached(v []float64, limit float64, per time.Duration) int {
	n := max(1, int(per/time.Second))
	sum := 0.0
	for i, x := range v {
		sum += x
		if i >= n {
			sum -= v[i-n]
		}
		if sum >= limit {
			return i
		}
	}
	return -1
}

// longTier is a quota tier of a minute or more and whose it is.
type longTier struct {
	owner string // "the API's", "the orchestrator's own"
	q     scenarios.Quota
}

// longTiers returns the API's tiers of a minute or more, then the orchestrator's own
// (consumer.quotas) that differ from all of the API's.
func longTiers(sc *scenarios.Scenario) []longTier {
	var out []longTier
	api := downstreamTiers(sc)
	for _, q := range api {
		if q.Per.D() >= time.Minute {
			out = append(out, longTier{"the API's", q})
		}
	}
	if c := sc.Consumer; c != nil && c.Pattern == "orchestrator" {
		for _, q := range c.Quotas {
			same := slices.ContainsFunc(api, func(a scenarios.Quota) bool { return a.Limit == q.Limit && a.Per == q.Per })
			if q.Per.D() >= time.Minute && !same {
				out = append(out, longTier{"the orchestrator's own", q})
			}
		}
	}
	return out
}

// changeLongTiers says, for each quota tier of a minute or more that the calls used up, when
// they did and the limit that would have lasted the period at the rate requests were offered.
func (fd *finder) changeLongTiers() {
	calls, refused := fd.col("downstream_calls"), fd.col("downstream_429")
	if calls == nil {
		return
	}
	used := make([]float64, len(calls))
	for i := range calls {
		used[i] = calls[i]
		if i < len(refused) {
			used[i] -= refused[i]
		}
	}
	rate := fd.m["offered_total"] / math.Max(fd.in.Summary.OfferedSeconds, 1)
	for _, t := range longTiers(fd.in.Scenario) {
		at := reached(used, float64(t.q.Limit), t.q.Per.D())
		if at < 0 {
			continue
		}
		per := scenarios.ShortDuration(t.q.Per.D())
		short, capped := bindingTier(shortTiers(fd.in.Scenario))
		capped = capped && tierRate(short) < rate
		lasts := fmt.Sprintf("so a quota of at least %s calls per %s would have lasted", count(math.Ceil(rate*t.q.Per.D().Seconds())), per)
		if capped {
			lasts = fmt.Sprintf("more than the API's quota of %s lets through: %s calls per %s, all that tier allows, would have lasted, but the backlog grows whatever the %s limit unless the shorter tier rises too",
				tierWords(short), count(math.Ceil(tierRate(short)*t.q.Per.D().Seconds())), per, per)
		}
		basis := "It assumes each request takes one call."
		if fd.in.Summary.OfferedSeconds < t.q.Per.D().Seconds() {
			basis = fmt.Sprintf("An estimate: it assumes each request takes one call and the run's mean rate holds for the whole %s.", per)
		}
		fd.add("%s quota of %s ran out at %s. Requests were offered at %s, %s. %s",
			sentenceCase(t.owner), tierWords(t.q), spanWords(float64(at)), rateWords(rate), lasts, basis)
	}
}

// shortTiers returns the API's quota tiers of under a minute.
func shortTiers(sc *scenarios.Scenario) []scenarios.Quota {
	return slices.DeleteFunc(slices.Clone(downstreamTiers(sc)), func(q scenarios.Quota) bool { return q.Per.D() >= time.Minute })
}

// tierRate is a tier's limit per second.
func tierRate(q scenarios.Quota) float64 { return float64(q.Limit) / q.Per.D().Seconds() }
