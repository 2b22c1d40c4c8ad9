package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// changeWorkers says how many concurrent workers (consumer.concurrency) the run's data calls
// for, by Little's law — workers busy = calls a second × mean call time: at most as many as
// keep the calls within the API's quota when they overran it, or as many as keep up with the
// messages that arrived (or keep the queue's age under its SLO) when work waited. FIFO
// queues are left out: their message groups, not the workers, bound how many run at once.
func (fd *finder) changeWorkers() {
	sc := fd.in.Scenario
	c := sc.Consumer
	if c == nil || (c.Pattern != "concurrency" && c.Pattern != "priority") || c.Concurrency <= 0 ||
		slices.ContainsFunc(sc.Queues, func(q scenarios.Queue) bool { return q.FIFO }) {
		return
	}
	call, sent := fd.m["downstream_seconds_mean"], fd.col("queue_sent")
	if call <= 0 || len(sent) == 0 {
		return
	}
	w := workerFit{have: float64(c.Concurrency), call: call, fit: math.Inf(1)}
	w.quota, w.hasQuota = bindingTier(shortTiers(sc))
	if w.hasQuota {
		w.fit = max(1, math.Floor(tierRate(w.quota)*call+1e-9))
	}
	offered := min(len(sent), int(math.Ceil(fd.in.Summary.OfferedSeconds)))
	w.arrival = seriesSum(sent[:offered]) / math.Max(fd.in.Summary.OfferedSeconds, 1)
	if fd.m["downstream_429_total"] > 0 && w.have > w.fit && !fd.longTierRefused() {
		fd.tooManyWorkers(w)
		return
	}
	fd.tooFewWorkers(w, sent)
}

// workerFit is what the workers findings compute from.
type workerFit struct {
	have, call float64 // workers configured; mean successful call, seconds
	arrival    float64 // messages sent a second while load was offered
	fit        float64 // the most workers whose calls stay within the quota; +Inf without one
	quota      scenarios.Quota
	hasQuota   bool
}

// keepUp is the workers the mean arrival rate keeps busy, rounded up (a product that is whole
// but for a rounding error in the last bits is taken as whole).
func (w workerFit) keepUp() float64 { return math.Ceil(w.arrival*w.call - 1e-9) }

// longTierRefused reports whether the API's 429s began when a tier of a minute or more was
// used up, which fewer workers would not have spared.
func (fd *finder) longTierRefused() bool {
	first := slices.IndexFunc(fd.col("downstream_429"), func(v float64) bool { return v > 0 })
	_, ok := fd.exhausted(downstreamTiers(fd.in.Scenario), first)
	return ok
}

// tooManyWorkers says how many workers keep the calls within the API's quota.
func (fd *finder) tooManyWorkers(w workerFit) {
	enough := fmt.Sprintf("That still keeps up with the %s messages a second that arrived while load was offered.", perSecondWords(w.arrival))
	if w.keepUp() > w.fit {
		enough = fmt.Sprintf("The %s messages a second that arrived would keep %s busy: the quota, not the workers, bounds this design, and the queue must absorb the rest.",
			perSecondWords(w.arrival), count(w.keepUp()))
	}
	fd.add("At most %s within the API's quota of %s: a worker makes one call at a time and a successful call took %s on average, so by Little's law %s about %s calls a second; the %s configured could make %s. %s Pacing to the quota (the orchestrator pattern) would spare the 429s. From the mean of successful calls: slower calls under load would allow more workers.",
		workersWords(w.fit, "keeps", "keep"), tierWords(w.quota), secs(w.call), workersWords(w.fit, "makes", "make"),
		perSecondWords(w.fit/w.call), count(w.have), perSecondWords(w.have/w.call), enough)
}

// workersWords says n workers and a verb that agrees: "1 concurrent worker keeps".
func workersWords(n float64, one, many string) string {
	if n == 1 {
		return "1 concurrent worker " + one
	}
	return count(n) + " concurrent workers " + many
}

// tooFewWorkers says how many workers would have kept up with the queue, or held its age SLO,
// when work waited in it.
func (fd *finder) tooFewWorkers(w workerFit, sent []float64) {
	age, slo, found, failed := fd.ageSLO()
	if (found && !failed) || (!found && fd.m["queue_oldest_age_seconds_max"] < 5) {
		return // the queue's age SLO held, or without one, nothing waited long
	}
	need := w.keepUp()
	goal := fmt.Sprintf("keep up with the %s messages a second that arrived while load was offered (Little's law: %s × %s mean call = %s workers busy)",
		perSecondWords(w.arrival), perSecondWords(w.arrival), secs(w.call), strconv.FormatFloat(w.arrival*w.call, 'f', 1, 64))
	if failed {
		need = minWorkers(sent, w.call, age)
		goal = fmt.Sprintf("have kept every message's wait under %s (slo %s): its backlog, from the messages sent each second, drains within that time only at %s a second, %s workers at %s a call (Little's law)",
			secs(age), slo, perSecondWords(need/w.call), count(need), secs(w.call))
	}
	quota := ""
	if w.hasQuota {
		quota = fmt.Sprintf("; up to %s stay within the API's quota of %s and would drain a backlog sooner", count(w.fit), tierWords(w.quota))
	}
	switch {
	case need > w.fit:
		quota = fmt.Sprintf("; but the API's quota of %s lets only %s work at once without 429s: the quota, not the workers, bounds this design, and the queue must absorb the rest", tierWords(w.quota), count(w.fit))
	case need <= w.have && w.fit > w.have && fd.m["downstream_utilization"] < 0.8:
		fd.add("Up to %s concurrent workers (the run had %s) stay within the API's quota of %s and would drain the backlog sooner: with %s calls, by Little's law, %s make about %s calls a second. From the mean of successful calls: a lower bound.",
			count(w.fit), count(w.have), tierWords(w.quota), secs(w.call), count(w.fit), perSecondWords(w.fit/w.call))
		return
	case need <= w.have:
		return
	}
	fd.add("%s concurrent workers (the run had %s) would %s%s. From the mean of successful calls and the messages sent each second: a lower bound, as time a worker spends on anything but its call adds to it.",
		count(need), count(w.have), goal, quota)
}

// ageSLO returns the scenario's bound on the queue's oldest message or longest wait ("<" or
// "<="), its expression, whether there is one, and whether the run broke it.
func (fd *finder) ageSLO() (age float64, expr string, found, failed bool) {
	for _, e := range fd.in.Scenario.SLO {
		t, err := scenarios.ParseThreshold(e)
		if err != nil || (t.Op != "<" && t.Op != "<=") ||
			(t.Metric != "queue_oldest_age_seconds_max" && t.Metric != "queue_wait_seconds_max") {
			continue
		}
		v, ok := fd.m[t.Metric]
		return t.Value, t.Expr, true, ok && !t.Holds(v)
	}
	return 0, "", false, false
}

// minWorkers returns the fewest workers, each taking call seconds a message, whose backlog of
// the per-second sends v drains within age: the smallest c with maxExcess(v, c/call) at most
// c/call × age, the backlog a first-in first-out queue served at c/call a second clears in
// age.
func minWorkers(v []float64, call, age float64) float64 {
	lo, hi := 1.0, math.Ceil(slices.Max(v)*call)+1
	for lo < hi {
		mid := math.Floor((lo + hi) / 2)
		if rate := mid / call; maxExcess(v, rate) <= rate*age {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// changePace says the pace at which the orchestrator would use the API's quota fully, when it
// paced below the quota while work waited or above it into 429s.
func (fd *finder) changePace() {
	sc := fd.in.Scenario
	c := sc.Consumer
	if c == nil || c.Pattern != "orchestrator" || c.Pace == nil {
		return
	}
	api, ok := bindingTier(shortTiers(sc))
	if !ok {
		return
	}
	limit, pace := tierRate(api), c.Pace.PerSecond()
	eff, by := pace, "its pace"
	own, hasOwn := bindingTier(slices.DeleteFunc(slices.Clone(c.Quotas), func(q scenarios.Quota) bool { return q.Per.D() >= time.Minute }))
	if hasOwn && tierRate(own) < eff {
		eff, by = tierRate(own), "its own quota (consumer.quotas) of "+tierWords(own)
	}
	switch {
	case eff < 0.99*limit && fd.m["queue_oldest_age_seconds_max"] >= 5:
		fd.add("A pace of %s would use the API's quota of %s fully: the orchestrator invoked at most %s (%s) while work waited in the queue, %s of what the quota allows. An upper bound on what pacing alone gains: the schedule, the breaker and a spent long-period tier can still leave the quota idle.",
			rateWords(limit), tierWords(api), rateWords(eff), by, pctWords(eff/limit, 0))
	case eff > limit && fd.m["downstream_429_total"] > 0:
		fd.add("Pace the orchestrator at %s, the API's quota of %s: it invoked up to %s (%s), and the calls beyond the quota were refused with 429.",
			rateWords(limit), tierWords(api), rateWords(eff), by)
	}
}

// perSecondWords formats a rate for a sentence: whole numbers with separators, else three
// significant digits: "450", "11.9", "0.417".
func perSecondWords(v float64) string {
	if v >= 1000 || v == math.Trunc(v) {
		return count(math.Round(v))
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
