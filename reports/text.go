package reports

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/internal/num"
	"github.com/throttlelab/throttlelab/metrics"
)

// WriteText prints the short text summary a run ends with.
func WriteText(w io.Writer, s *metrics.Summary) {
	m := s.Metrics
	n := func(k string) string { return count(m[k]) }
	fmt.Fprintf(w, "%s (%s, seed %d): load offered for %s, run ended at %s\n", s.Scenario, s.Mode, s.Seed,
		secs(s.OfferedSeconds), secs(s.EndedSeconds))
	fmt.Fprintf(w, "  requests    offered %s · completed %s · rejected %s · failed %s · in flight %s · lost %s\n",
		n("offered_total"), n("completed_total"), n("rejected_total"), n("failed_total"),
		n("in_flight_at_end"), n("lost_total"))
	if m["unknown_at_end_total"] > 0 || m["load_errors_total"] > 0 {
		fmt.Fprintf(w, "  harness     unknown at end %s (a backend failed: %s) · load errors %s\n",
			n("unknown_at_end_total"), unknownWhere(s.Ledger.UnknownAtEnd), n("load_errors_total"))
	}
	if s.Target != "" { // what the target answered; nothing behind it was emulated
		fmt.Fprintf(w, "  target      attempts %s · 2xx %s · 429 %s · 403 %s · 5xx, other or no answer %s\n",
			n("attempts_total"), n("gateway_admitted_total"),
			count(m["gateway_throttled_total"]+m["gateway_quota_exceeded_total"]), n("gateway_forbidden_total"),
			n("gateway_backend_errors_total"))
	} else {
		fmt.Fprintf(w, "  gateway     attempts %s · admitted %s · throttled (429) %s · quota (429) %s · forbidden (403) %s\n",
			n("attempts_total"), n("gateway_admitted_total"), n("gateway_throttled_total"),
			n("gateway_quota_exceeded_total"), n("gateway_forbidden_total"))
	}
	if m["queue_sent_total"] > 0 {
		fmt.Fprintf(w, "  queues      sent %s · depth max %s · oldest %s · deferred %s · dead-lettered %s\n",
			n("queue_sent_total"), n("queue_depth_max"), secs(m["queue_oldest_age_seconds_max"]),
			n("queue_deferred_total"), n("dlq_total"))
	}
	if s.Target == "" {
		fmt.Fprintf(w, "  downstream  calls %s · ok %s · 429 %s · 5xx %s · timeouts %s · utilization %s\n",
			n("downstream_calls_total"), n("downstream_ok_total"), n("downstream_429_total"),
			n("downstream_5xx_total"), n("downstream_timeouts_total"), utilization(m))
	}
	fmt.Fprintf(w, "  end to end  p50 %s · p90 %s · p99 %s · max %s · mean %s\n",
		secs(m["e2e_seconds_p50"]), secs(m["e2e_seconds_p90"]), secs(m["e2e_seconds_p99"]),
		secs(m["e2e_seconds_max"]), secs(m["e2e_seconds_mean"]))
	writeAlarms(w, m)
	if sm := s.Sim; sm != nil {
		n := func(k string) string { return count(sm.Metrics[k]) }
		fmt.Fprintf(w, "  simulated   completed %s · gateway 429 %s · downstream 429 %s · e2e p50 %s · p99 %s\n",
			n("completed_total"), count(sm.Metrics["gateway_throttled_total"]+sm.Metrics["gateway_quota_exceeded_total"]),
			n("downstream_429_total"), secs(sm.Metrics["e2e_seconds_p50"]), secs(sm.Metrics["e2e_seconds_p99"]))
	}
	if s.Ledger.Lost != 0 {
		fmt.Fprintf(w, "  LEDGER      %s\n", s.Ledger.Verdict)
	}
	writeThresholds(w, s.Thresholds)
	for _, note := range s.Notes {
		fmt.Fprintf(w, "  note        %s\n", note)
	}
}

func writeThresholds(w io.Writer, rs []metrics.ThresholdResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "  thresholds  %d of %d held\n", len(rs)-Failed(rs), len(rs))
	for _, r := range rs {
		switch {
		case r.Error != "":
			fmt.Fprintf(w, "    FAIL %s: %s\n", r.Expr, r.Error)
		case !r.OK:
			fmt.Fprintf(w, "    FAIL %s (was %s)\n", r.Expr, strconv.FormatFloat(r.Value, 'g', 6, 64))
		}
	}
}

// count formats a whole number with thousands separators.
func count(v float64) string { return num.Count(v) }

// secs formats seconds as a duration: to the microsecond below a millisecond, to 0.1 ms below a
// second, to the millisecond below a minute, to the second above; a negative one as "-10ms".
func secs(v float64) string {
	if v < 0 {
		return "-" + secs(-v)
	}
	d := time.Duration(v * float64(time.Second))
	switch {
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

// unknownWhere names the backends that hid requests' fate.
func unknownWhere(u map[string]int64) string {
	if len(u) == 0 {
		return "none"
	}
	names := make([]string, 0, len(u))
	for k := range u {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// utilization is downstream_utilization as a percentage, or "no quota" when successful calls
// used none of it: an API with a quota is used by any successful call, so then it has none.
func utilization(m map[string]float64) string {
	if m["downstream_utilization"] == 0 && m["downstream_ok_total"] > 0 {
		return "no quota"
	}
	return pct(m["downstream_utilization"])
}
