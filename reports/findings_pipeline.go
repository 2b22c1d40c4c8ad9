package reports

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// queues reports each queue that built a backlog: its worst depth and when it drained.
func (fd *finder) queues() {
	if fd.in.Series == nil {
		return
	}
	for _, q := range seriesNames(fd.in.Series, "queue", "depth") {
		depth, age := fd.col("queue."+q+".depth"), fd.col("queue."+q+".oldest_age_seconds")
		if len(depth) == 0 {
			continue
		}
		peak := slices.Max(depth)
		oldest := 0.0
		if len(age) > 0 {
			oldest = slices.Max(age)
		}
		if peak < 1000 && oldest < 5 {
			continue
		}
		at := slices.Index(depth, peak)
		fd.add("The queue %q reached %s messages at %s and %s; its oldest message had waited %s.",
			q, count(peak), spanWords(float64(at)), fd.drained(depth, at), spanWords(oldest))
	}
}

// drained says when a queue emptied after its peak at index at.
func (fd *finder) drained(depth []float64, at int) string {
	i := slices.Index(depth[at:], 0)
	if i < 0 {
		return "still held " + count(depth[len(depth)-1]) + " when the run ended"
	}
	empty := float64(at + i + 1) // gauges are read at the end of their second
	stop := fd.in.Summary.OfferedSeconds
	if empty > stop {
		return "drained " + spanWords(empty-stop) + " after load stopped"
	}
	return "was empty again at " + spanWords(empty)
}

// deadLetters reports the share of requests that ended in a dead-letter queue.
func (fd *finder) deadLetters() {
	n := fd.m["dlq_total"]
	if n == 0 {
		return
	}
	reqs := float64(fd.in.Summary.Ledger.Failed["dead_lettered"])
	if reqs == 0 {
		reqs = n
	}
	first := ""
	if i := slices.IndexFunc(fd.col("dlq"), func(v float64) bool { return v > 0 }); i >= 0 {
		first = ", the first at " + spanWords(float64(i))
	}
	fd.add("%s of requests were dead-lettered (%s messages moved to a DLQ%s).",
		pctWords(reqs/math.Max(fd.m["offered_total"], 1), 0), count(n), first)
}

// downstream429 explains the API's 429s: a long quota period used up, or calls faster than
// the per-second quota.
func (fd *finder) downstream429() {
	n := fd.m["downstream_429_total"]
	if n == 0 {
		return
	}
	calls := fd.col("downstream_calls")
	first := slices.IndexFunc(fd.col("downstream_429"), func(v float64) bool { return v > 0 })
	tiers := downstreamTiers(fd.in.Scenario)
	if t, ok := fd.exhausted(tiers, first); ok {
		fd.add("The API refused %s calls with 429: its quota of %s was used up at %s, and calls after that were refused until it reset.",
			count(n), tierWords(t), spanWords(float64(first)))
		return
	}
	if fast, ok := bindingTier(tiers); ok && len(calls) > 0 {
		fd.add("The API refused %s calls with 429: the consumer called faster than the quota allows (up to %s calls a second against a quota of %s).",
			count(n), count(slices.Max(calls)), tierWords(fast))
		return
	}
	fd.add("The API refused %s calls with 429.", count(n))
}

// exhausted returns a tier of a minute or more whose limit the 2xx calls of the period before
// second first had reached.
func (fd *finder) exhausted(tiers []scenarios.Quota, first int) (scenarios.Quota, bool) {
	ok := fd.col("downstream_ok")
	if first < 0 || ok == nil {
		return scenarios.Quota{}, false
	}
	for _, t := range tiers {
		per := int(t.Per.D() / time.Second)
		if per < 60 {
			continue
		}
		if seriesSum(ok[max(0, first-per):first+1]) >= 0.95*float64(t.Limit) {
			return t, true
		}
	}
	return scenarios.Quota{}, false
}

// tierWords says a quota tier in words: "50,000 calls per 24h (fixed window)".
func tierWords(t scenarios.Quota) string {
	s := count(float64(t.Limit)) + " calls per " + scenarios.ShortDuration(t.Per.D())
	if t.Window != "" {
		s += " (" + t.Window + " window)"
	}
	return s
}

// bindingTier returns the tier that bounds calls per second: the one with the lowest rate
// among those of a period under a minute, or among all when every period is longer.
func bindingTier(tiers []scenarios.Quota) (scenarios.Quota, bool) {
	short := slices.DeleteFunc(slices.Clone(tiers), func(t scenarios.Quota) bool { return t.Per.D() >= time.Minute })
	if len(short) == 0 {
		short = tiers
	}
	if len(short) == 0 {
		return scenarios.Quota{}, false
	}
	return slices.MinFunc(short, func(a, b scenarios.Quota) int {
		return cmp.Compare(float64(a.Limit)/a.Per.D().Seconds(), float64(b.Limit)/b.Per.D().Seconds())
	}), true
}

// downstreamFailures reports the API's failed calls and the scenario's outages.
func (fd *finder) downstreamFailures() {
	var parts []string
	for _, k := range []struct{ key, name string }{{"downstream_5xx_total", "5xx"},
		{"downstream_timeouts_total", "timed out"}, {"downstream_resets_total", "connection reset"}} {
		if v := fd.m[k.key]; v > 0 {
			parts = append(parts, count(v)+" "+k.name)
		}
	}
	if len(parts) == 0 {
		return
	}
	s := "The API failed calls: " + strings.Join(parts, ", ")
	if sc := fd.in.Scenario; sc != nil && sc.Downstream != nil && len(sc.Downstream.Outages) > 0 {
		var at []string
		for _, o := range sc.Downstream.Outages {
			at = append(at, spanWords(o.At.D().Seconds())+" ("+o.Mode+" for "+spanWords(o.For.D().Seconds())+")")
		}
		s += "; the scenario has outages at " + strings.Join(at, ", ")
	}
	fd.add("%s.", s)
}

// utilization says how much of the downstream quota was used, and why not more.
func (fd *finder) utilization() {
	u := fd.m["downstream_utilization"]
	if len(downstreamTiers(fd.in.Scenario)) == 0 && u == 0 {
		return
	}
	pct := pctWords(u, 1)
	unused := pctWords(1-u, 0) + " of"
	if 1-u >= 0.4 && 1-u <= 0.6 {
		unused = "Half"
	}
	switch {
	case u >= 0.995:
		fd.add("The downstream quota was used to the last call (utilization %s).", pct)
	case u >= 0.8:
	case fd.m["downstream_429_total"] > 0:
		fd.add("%s the downstream quota went unused (utilization %s) although calls were refused with 429: calls came in waves that overran the quota and then left it idle.", unused, pct)
	case fd.m["queue_oldest_age_seconds_max"] >= 5:
		fd.add("%s the downstream quota went unused (utilization %s) while work waited in the queue: %s.", unused, pct, fd.heldBack())
	default:
		fd.add("The downstream quota was %s used: the offered load stayed below it.", pct)
	}
}

// heldBack says what kept calls from using the quota while work waited.
func (fd *finder) heldBack() string {
	var why []string
	if fd.m["breaker_opened_total"] > 0 {
		why = append(why, "the open circuit breaker")
	}
	if sc := fd.in.Scenario; sc != nil && sc.Downstream != nil && len(sc.Downstream.Outages) > 0 {
		why = append(why, "the API's outages")
	}
	if len(why) == 0 {
		return "the consumer was slower than the quota allows"
	}
	return strings.Join(why, " and ") + " held calls back"
}

// overgrant reports an API that admitted more than its tightest quota allows.
func (fd *finder) overgrant() {
	if g := fd.m["downstream_overgrant"]; g > 0.001 {
		fd.add("The API admitted %s more calls than its tightest quota allows (over-grant): a fixed window admits up to twice its limit across a boundary.",
			pctWords(g, 0))
	}
}

// breaker reports how often and how long the circuit breaker was open.
func (fd *finder) breaker() {
	n := fd.m["breaker_opened_total"]
	if n == 0 {
		return
	}
	open := seriesSum(fd.col("breaker_open"))
	fd.add("The circuit breaker opened %s %s and was open %s in all.", count(n), htmlPlural(int(n), "time"), spanWords(open))
}

// orchestratorIdle counts the seconds in which messages waited, no call was made and the
// breaker was closed: an orchestrator waiting for its next trigger, or one whose own quota
// (consumer.quotas) ran out, told apart by the calls of each tier's period.
func (fd *finder) orchestratorIdle() {
	sc, s := fd.in.Scenario, fd.in.Series
	if sc == nil || sc.Consumer == nil || sc.Consumer.Pattern != "orchestrator" || s == nil {
		return
	}
	calls, open := s.Column("downstream_calls"), s.Column("breaker_open")
	waiting := make([]float64, len(calls))
	for _, q := range seriesNames(s, "queue", "depth") {
		for i, d := range s.Column("queue." + q + ".depth") {
			waiting[i] += d
		}
	}
	idle, spent, first := 0, 0, -1
	for i := range calls {
		if waiting[i] == 0 || calls[i] != 0 || (open != nil && open[i] != 0) {
			continue
		}
		if quotaSpent(sc.Consumer.Quotas, calls, i) {
			spent++
			if first < 0 {
				first = i
			}
			continue
		}
		idle++
	}
	if idle > 0 {
		fd.add("The orchestrator was idle %s between triggers while messages waited (no call made, breaker closed).",
			spanWords(float64(idle)))
	}
	if spent > 0 {
		fd.add("The orchestrator's own quota ran out at %s: it made no call for %s while messages waited.",
			spanWords(float64(first)), spanWords(float64(spent)))
	}
}

// quotaSpent reports whether the calls of a tier's period up to second i reached its limit,
// for the tiers longer than a second.
func quotaSpent(tiers []scenarios.Quota, calls []float64, i int) bool {
	for _, t := range tiers {
		per := int(t.Per.D() / time.Second)
		if per > 1 && seriesSum(calls[max(0, i-per+1):i+1]) >= float64(t.Limit) {
			return true
		}
	}
	return false
}

// tail reports a p99 far above the median.
func (fd *finder) tail() {
	p50, p99 := fd.m["e2e_seconds_p50"], fd.m["e2e_seconds_p99"]
	if p50 > 0 && p99 >= 1 && p99 >= 10*p50 {
		fd.add("1 %% of completed requests took longer than %s end to end, %s times the median (%s).",
			durWords(p99), count(math.Round(p99/p50)), durWords(p50))
	}
}

// inFlight reports requests still in flight when the drain time ran out.
func (fd *finder) inFlight() {
	n := fd.m["in_flight_at_end"]
	if n == 0 {
		return
	}
	var where []string
	inf := fd.in.Summary.Ledger.InFlight
	for _, k := range keysInOrder(inf) {
		where = append(where, k+" "+count(float64(inf[k])))
	}
	fd.add("%s requests were still in flight when the drain time ran out (%s).", count(n), strings.Join(where, ", "))
}

// alarms repeats the findings of the alarms that fired.
func (fd *finder) alarms() {
	for _, a := range fd.in.Alarms {
		if !a.Fired() {
			continue
		}
		for _, f := range a.Findings {
			fd.add("%s.", sentenceCase(strings.TrimSuffix(f, ".")))
		}
	}
}

// sentenceCase capitalises the first letter of s.
func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// durWords formats seconds for a sentence: "48.5ms", "1.005s", "91 s", "10 min".
func durWords(v float64) string {
	if v < 60 {
		return secs(v)
	}
	return spanWords(v)
}
