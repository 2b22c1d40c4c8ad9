package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/throttlelab/throttlelab/metrics"
)

// Findings says in plain words what the run showed: where requests were refused or lost, how
// deep and old the queues got, how much of the downstream quota went used or unused, how the
// tail latency compares with the median. Each finding is one sentence, raised only when the
// data shows it; a healthy run has few. The first finding is the ledger's verdict when a
// request is unaccounted for.
func Findings(in Input) []string {
	if in.Summary == nil {
		return nil
	}
	fd := &finder{in: in, m: in.Summary.Metrics}
	for _, find := range []func(){fd.ledger, fd.thresholds, fd.gateway, fd.retries,
		fd.quotaExceeded, fd.forbidden, fd.clients, fd.queues, fd.deadLetters, fd.downstream429,
		fd.downstreamFailures, fd.utilization, fd.overgrant, fd.breaker, fd.orchestratorIdle,
		fd.tail, fd.inFlight, fd.alarms} {
		find()
	}
	return fd.out
}

// finder collects the findings of one run.
type finder struct {
	in  Input
	m   map[string]float64
	out []string
}

// add appends a finding.
func (fd *finder) add(format string, args ...any) {
	fd.out = append(fd.out, fmt.Sprintf(format, args...))
}

// col returns a column of the measured series, or nil.
func (fd *finder) col(name string) []float64 {
	if fd.in.Series == nil {
		return nil
	}
	return fd.in.Series.Column(name)
}

// ledger raises the ledger's verdict when a request is unaccounted for.
func (fd *finder) ledger() {
	if l := fd.in.Summary.Ledger; l.Lost != 0 {
		fd.add("LEDGER BROKEN: %s.", l.Verdict)
	}
}

// thresholds lists the thresholds that failed.
func (fd *finder) thresholds() {
	ts := fd.in.Summary.Thresholds
	if n := Failed(ts); n > 0 {
		var failed []string
		for _, t := range ts {
			if !t.OK {
				failed = append(failed, thresholdWords(t))
			}
		}
		fd.add("%d of %d thresholds failed: %s.", n, len(ts), strings.Join(failed, "; "))
	}
}

// thresholdWords says why a threshold failed.
func thresholdWords(t metrics.ThresholdResult) string {
	if t.Error != "" {
		return t.Expr + " (" + t.Error + ")"
	}
	return t.Expr + " (was " + strconv.FormatFloat(t.Value, 'g', 6, 64) + ")"
}

// gateway reports throttling at the gateway and its worst stretch.
func (fd *finder) gateway() {
	n := fd.m["gateway_throttled_total"]
	if n == 0 {
		return
	}
	fd.add("The gateway throttled %s of %s attempts (%s) with 429 Too Many Requests.",
		count(n), count(fd.m["attempts_total"]), pctWords(n/fd.m["attempts_total"], 0))
	thr, att := fd.col("gateway_throttled"), fd.col("attempts")
	if thr == nil || att == nil {
		return
	}
	from, to := peakStretch(thr)
	share := seriesSum(thr[from:to]) / math.Max(seriesSum(att[from:to]), 1)
	overall := n / math.Max(fd.m["attempts_total"], 1)
	if to-from > len(thr)/2 && share < 1.2*overall {
		return // throttling was steady: no stretch stands out
	}
	fd.add("Throttling peaked %s: the gateway refused %s of the attempts then.",
		fd.stretchWords(from, to), pctWords(share, 0))
}

// peakStretch returns the seconds [from, to) around the largest value of v in which v stays
// at least half of it.
func peakStretch(v []float64) (from, to int) {
	peak := slices.Index(v, slices.Max(v))
	from, to = peak, peak+1
	for from > 0 && v[from-1] >= v[peak]/2 {
		from--
	}
	for to < len(v) && v[to] >= v[peak]/2 {
		to++
	}
	return from, to
}

// stretchWords says when [from, to) was, naming a client's burst that began near it.
func (fd *finder) stretchWords(from, to int) string {
	if sc := fd.in.Scenario; sc != nil {
		for _, c := range sc.Clients {
			a := c.Arrival
			if a.Shape == "burst" && a.At != nil && math.Abs(a.At.D().Seconds()-float64(from)) <= 10 {
				return fmt.Sprintf("during the burst at %s (%s to %s)", spanWords(a.At.D().Seconds()),
					spanWords(float64(from)), spanWords(float64(to)))
			}
		}
	}
	return fmt.Sprintf("from %s to %s", spanWords(float64(from)), spanWords(float64(to)))
}

// retries reports clients' retries multiplying the load on the gateway.
func (fd *finder) retries() {
	off, att := fd.m["offered_total"], fd.m["attempts_total"]
	if off > 0 && att/off >= 1.2 {
		fd.add("Clients made %s attempts per request: retries multiplied the load on the gateway by %s.",
			strconv.FormatFloat(att/off, 'f', 2, 64), strconv.FormatFloat(att/off, 'f', 1, 64))
	}
}

// quotaExceeded reports a usage plan's quota running out.
func (fd *finder) quotaExceeded() {
	n := fd.m["gateway_quota_exceeded_total"]
	if n == 0 {
		return
	}
	at := ""
	if i := slices.IndexFunc(fd.col("gateway_quota_exceeded"), func(v float64) bool { return v > 0 }); i >= 0 {
		at = " from " + spanWords(float64(i)) + " on"
	}
	fd.add("A usage plan's quota ran out%s: %s attempts got 429 Limit Exceeded (%s).", at, count(n),
		fd.clientsWith("gateway_quota_exceeded_total"))
}

// forbidden reports 403s for missing or unknown API keys.
func (fd *finder) forbidden() {
	if n := fd.m["gateway_forbidden_total"]; n > 0 {
		fd.add("%s attempts got 403 Forbidden: no API key or an unknown one (%s).", count(n),
			fd.clientsWith("gateway_forbidden_total"))
	}
}

// clientsWith lists the clients with a non-zero metric: "free-tier 2,880".
func (fd *finder) clientsWith(metric string) string {
	var parts []string
	for _, c := range keysInOrder(fd.in.Summary.PerClient) {
		if v := fd.in.Summary.PerClient[c][metric]; v > 0 {
			parts = append(parts, c+" "+count(v))
		}
	}
	return strings.Join(parts, ", ")
}

// clients reports each client that gave up on at least 1 % of its requests.
func (fd *finder) clients() {
	pc := fd.in.Summary.PerClient
	for _, c := range keysInOrder(pc) {
		off, rej := pc[c]["offered_total"], pc[c]["rejected_total"]
		if off > 0 && rej/off >= 0.01 {
			fd.add("Client %s gave up on %s of its %s requests (%s).", c, count(rej), count(off),
				pctWords(rej/off, 0))
		}
	}
}

// seriesSum adds up v.
func seriesSum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

// pctWords formats a fraction as a percentage with prec decimals; prec 0 picks them: none from
// 10 %, one under 10 %, two significant digits under 1 %: "58 %", "3.2 %", "0.42 %".
func pctWords(v float64, prec int) string {
	p := v * 100
	switch {
	case prec > 0 || p == math.Trunc(p) || p >= 10:
	case p >= 1:
		prec = 1
	default:
		return strconv.FormatFloat(p, 'g', 2, 64) + " %"
	}
	return strconv.FormatFloat(p, 'f', prec, 64) + " %"
}
