package model

import (
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// gwEpoch is Monday 2026-01-05, 22:00 UTC: the next UTC midnight is at now = 2h.
var gwEpoch = time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC)

// slow is a bucket that does not refill within a test: its burst is all there is.
func gwSlow(burst int) *BucketConfig { return &BucketConfig{Rate: 1e-6, Burst: burst} }

// gwHuge is an account bucket that never binds.
var gwHuge = &BucketConfig{Rate: 1e9, Burst: 1 << 30}

func mustGateway(t *testing.T, cfg GatewayConfig) *Gateway {
	t.Helper()
	if cfg.Epoch.IsZero() {
		cfg.Epoch = gwEpoch
	}
	g, err := NewGateway(cfg)
	if err != nil {
		t.Fatalf("NewGateway: %v", err)
	}
	return g
}

// gwReq is one request at a fixed instant and the answer expected.
type gwReq struct {
	at      time.Duration
	route   string
	key     string
	outcome Outcome
	layer   string
}

func runGwReqs(t *testing.T, g *Gateway, reqs []gwReq) {
	t.Helper()
	for i, r := range reqs {
		d := g.Decide(r.at, r.route, r.key)
		if d.Outcome != r.outcome || d.Layer != r.layer {
			t.Errorf("request %d (%v %s key %q): %v by %q, want %v by %q",
				i, r.at, r.route, r.key, d.Outcome, d.Layer, r.outcome, r.layer)
		}
	}
}

// repeat returns n copies of r.
func gwRepeat(n int, r gwReq) []gwReq {
	out := make([]gwReq, n)
	for i := range out {
		out[i] = r
	}
	return out
}

func gwCat(parts ...[]gwReq) []gwReq {
	var out []gwReq
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// A constant 3000/s for 10 s into a stage bucket of rate 1000, burst 500 admits the
// burst plus 10 s of refill: 10,500.
func TestGatewayStageBucketConstantLoad(t *testing.T) {
	g := mustGateway(t, GatewayConfig{Stage: &BucketConfig{Rate: 1000, Burst: 500}})
	admitted, throttled := 0, 0
	for i := range 30000 {
		at := time.Duration(int64(i) * int64(time.Second) / 3000)
		switch d := g.Decide(at, "POST /orders", ""); d.Outcome {
		case Admitted:
			admitted++
		case Throttled:
			throttled++
			if d.Layer != LayerStage {
				t.Fatalf("request %d throttled by %q, want stage", i, d.Layer)
			}
		}
	}
	if admitted < 10500-2 || admitted > 10500+2 {
		t.Errorf("admitted %d, want 10500 ±2", admitted)
	}
	if admitted+throttled != 30000 {
		t.Errorf("admitted %d + throttled %d != 30000", admitted, throttled)
	}
}

func gwDayQuota(t *testing.T) *Gateway {
	return mustGateway(t, GatewayConfig{
		Account: gwHuge, APIKeyRequired: true,
		Plans: []PlanConfig{{Name: "basic", Keys: []string{"acme"},
			Quota: &PlanQuotaConfig{Limit: 1000, Period: "DAY"}}},
	})
}

// A key on a 1000/day plan is admitted exactly 1000 times however fast it sends, and
// 1000 times again after UTC midnight.
func TestGatewayQuotaDay(t *testing.T) {
	g := gwDayQuota(t)
	midnight := 2 * time.Hour
	for _, burst := range []struct{ from, step time.Duration }{
		{0, 0},                  // 5000 at the same instant
		{midnight, time.Second}, // 5000 over the next 83 minutes
	} {
		n := 0
		for i := range 5000 {
			at := burst.from + time.Duration(i)*burst.step
			d := g.Decide(at, "GET /", "acme")
			switch d.Outcome {
			case Admitted:
				n++
			case QuotaExceeded:
				if d.Layer != LayerQuota {
					t.Fatalf("at %v: refused by %q", at, d.Layer)
				}
				next := midnight
				if at >= midnight {
					next += 24 * time.Hour
				}
				if d.RetryAfter != next-at || d.Reset != next-at || d.Limit != 1000 {
					t.Fatalf("at %v: RetryAfter %v Reset %v Limit %v, want %v, %v, 1000",
						at, d.RetryAfter, d.Reset, d.Limit, next-at, next-at)
				}
			default:
				t.Fatalf("at %v: %v", at, d.Outcome)
			}
		}
		if n != 1000 {
			t.Errorf("from %v: admitted %d, want 1000", burst.from, n)
		}
	}
	runGwReqs(t, g, []gwReq{
		{midnight + 24*time.Hour - 1, "GET /", "acme", QuotaExceeded, LayerQuota},
		{midnight + 24*time.Hour, "GET /", "acme", Admitted, ""},
	})
}

func TestGatewayQuotaPeriodBounds(t *testing.T) {
	utc := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		period     quotaPeriod
		offset     int
		at         time.Time
		start, end time.Time
	}{
		{periodDay, 0, gwEpoch, utc(2026, 1, 5), utc(2026, 1, 6)},
		{periodWeek, 0, gwEpoch, utc(2026, 1, 4), utc(2026, 1, 11)}, // Sunday
		{periodWeek, 1, gwEpoch, utc(2026, 1, 5), utc(2026, 1, 12)}, // Monday
		{periodWeek, 3, gwEpoch, utc(2025, 12, 31), utc(2026, 1, 7)},
		{periodWeek, 6, utc(2026, 1, 10), utc(2026, 1, 10), utc(2026, 1, 17)},
		{periodWeek, 6, utc(2026, 1, 10).Add(-1), utc(2026, 1, 3), utc(2026, 1, 10)},
		{periodMonth, 0, gwEpoch, utc(2026, 1, 1), utc(2026, 2, 1)},
		{periodMonth, 14, gwEpoch, utc(2025, 12, 15), utc(2026, 1, 15)},
		{periodMonth, 14, utc(2026, 1, 15), utc(2026, 1, 15), utc(2026, 2, 15)},
		{periodMonth, 27, utc(2026, 2, 28), utc(2026, 2, 28), utc(2026, 3, 28)},
		{periodMonth, 27, utc(2026, 2, 27), utc(2026, 1, 28), utc(2026, 2, 28)},
	} {
		s, e := periodBounds(gwEpoch, c.at.Sub(gwEpoch), c.period, c.offset)
		if got, want := gwEpoch.Add(s), c.start; !got.Equal(want) {
			t.Errorf("period %d offset %d at %v: start %v, want %v", c.period, c.offset, c.at, got, want)
		}
		if got, want := gwEpoch.Add(e), c.end; !got.Equal(want) {
			t.Errorf("period %d offset %d at %v: end %v, want %v", c.period, c.offset, c.at, got, want)
		}
	}
}

// Week and month quotas roll over at their offset's boundary, seen through Decide.
func TestGatewayQuotaWeekMonthBoundaries(t *testing.T) {
	h, d := time.Hour, 24*time.Hour
	for _, c := range []struct {
		period     string
		offset     int
		next, then time.Duration // the next two period starts, in run time
	}{
		{"week", 3, 26 * h, 26*h + 7*d},             // Wed 2026-01-07, Wed 01-14
		{"week", 0, 5*d + 2*h, 12*d + 2*h},          // Sun 01-11, Sun 01-18
		{"month", 0, 26*d + 2*h, 26*d + 2*h + 28*d}, // Feb 1, Mar 1
		{"month", 14, 9*d + 2*h, 9*d + 2*h + 31*d},  // Jan 15, Feb 15
	} {
		g := mustGateway(t, GatewayConfig{APIKeyRequired: true, Plans: []PlanConfig{{
			Keys: []string{"k"}, Quota: &PlanQuotaConfig{Limit: 1, Period: c.period, Offset: c.offset}}}})
		runGwReqs(t, g, []gwReq{
			{0, "GET /", "k", Admitted, ""},
			{c.next - 1, "GET /", "k", QuotaExceeded, LayerQuota},
			{c.next, "GET /", "k", Admitted, ""},
		})
		if d := g.Decide(c.next+1, "GET /", "k"); d.RetryAfter != c.then-c.next-1 || d.Reset != d.RetryAfter {
			t.Errorf("%s/%d: RetryAfter %v Reset %v, want %v", c.period, c.offset, d.RetryAfter, d.Reset, c.then-c.next-1)
		}
		runGwReqs(t, g, []gwReq{
			{c.then - 1, "GET /", "k", QuotaExceeded, LayerQuota},
			{c.then, "GET /", "k", Admitted, ""},
		})
		if got := g.Decide(c.then+1, "GET /", "k").RetryAfter; got <= 0 {
			t.Errorf("%s/%d: RetryAfter %v for a spent quota", c.period, c.offset, got)
		}
	}
}

func TestGatewayPrecedence(t *testing.T) {
	post, get := "POST /orders", "GET /items"
	for _, c := range []struct {
		name string
		cfg  GatewayConfig
		reqs []gwReq
	}{
		{"plan throttle tighter than stage", GatewayConfig{Stage: gwSlow(5), APIKeyRequired: true,
			Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: gwSlow(2)}}},
			gwCat(gwRepeat(2, gwReq{0, get, "a", Admitted, ""}), gwRepeat(2, gwReq{0, get, "a", Throttled, LayerPlan}))},
		{"stage tighter than plan", GatewayConfig{Stage: gwSlow(2), APIKeyRequired: true,
			Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: gwSlow(5)}}},
			gwCat(gwRepeat(2, gwReq{0, get, "a", Admitted, ""}), gwRepeat(2, gwReq{0, get, "a", Throttled, LayerStage}))},
		{"method replaces stage, tighter", GatewayConfig{Stage: gwSlow(5),
			Methods: map[string]BucketConfig{post: *gwSlow(2)}},
			gwCat(gwRepeat(2, gwReq{0, post, "", Admitted, ""}), gwRepeat(1, gwReq{0, post, "", Throttled, LayerMethod}),
				gwRepeat(5, gwReq{0, get, "", Admitted, ""}), gwRepeat(1, gwReq{0, get, "", Throttled, LayerStage}))},
		{"method replaces stage, looser", GatewayConfig{Stage: gwSlow(2),
			Methods: map[string]BucketConfig{post: *gwSlow(8)}},
			gwCat(gwRepeat(8, gwReq{0, post, "", Admitted, ""}), gwRepeat(1, gwReq{0, post, "", Throttled, LayerMethod}))},
		{"stage default is a bucket per route", GatewayConfig{Stage: gwSlow(2)},
			gwCat(gwRepeat(2, gwReq{0, get, "", Admitted, ""}), gwRepeat(1, gwReq{0, get, "", Throttled, LayerStage}),
				gwRepeat(2, gwReq{0, "GET /other", "", Admitted, ""}))},
		{"plan method replaces plan throttle", GatewayConfig{APIKeyRequired: true,
			Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: gwSlow(3),
				Methods: map[string]BucketConfig{post: *gwSlow(1)}}}},
			gwCat(gwRepeat(1, gwReq{0, post, "a", Admitted, ""}), gwRepeat(2, gwReq{0, post, "a", Throttled, LayerPlanMethod}),
				gwRepeat(3, gwReq{0, get, "a", Admitted, ""}), gwRepeat(1, gwReq{0, get, "a", Throttled, LayerPlan}))},
		{"plan buckets are per key", GatewayConfig{APIKeyRequired: true,
			Plans: []PlanConfig{{Keys: []string{"a", "b"}, Throttle: gwSlow(1)}}},
			[]gwReq{{0, get, "a", Admitted, ""}, {0, get, "a", Throttled, LayerPlan},
				{0, get, "b", Admitted, ""}, {0, get, "b", Throttled, LayerPlan}}},
		{"account binds last", GatewayConfig{Account: gwSlow(3), Stage: gwSlow(100)},
			gwCat(gwRepeat(3, gwReq{0, get, "", Admitted, ""}), gwRepeat(1, gwReq{0, post, "", Throttled, LayerAccount}))},
		{"all or nothing: a refusal consumes no other bucket", GatewayConfig{APIKeyRequired: true,
			Methods: map[string]BucketConfig{post: *gwSlow(1)},
			Plans:   []PlanConfig{{Keys: []string{"a"}, Throttle: gwSlow(3)}}},
			// the plan bucket, checked first, is not charged for the POSTs the method refuses
			gwCat(gwRepeat(1, gwReq{0, post, "a", Admitted, ""}), gwRepeat(5, gwReq{0, post, "a", Throttled, LayerMethod}),
				gwRepeat(2, gwReq{0, get, "a", Admitted, ""}), gwRepeat(1, gwReq{0, get, "a", Throttled, LayerPlan}))},
		{"quota answers before an empty bucket", GatewayConfig{APIKeyRequired: true,
			Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: &BucketConfig{Rate: 1, Burst: 1},
				Quota: &PlanQuotaConfig{Limit: 2, Period: "day"}}}},
			[]gwReq{{0, get, "a", Admitted, ""}, {0, get, "a", Throttled, LayerPlan},
				{time.Second, get, "a", Admitted, ""}, {time.Second, get, "a", QuotaExceeded, LayerQuota},
				{1500 * time.Millisecond, get, "a", QuotaExceeded, LayerQuota}}},
		{"throttled requests do not count against the quota", GatewayConfig{APIKeyRequired: true,
			Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: &BucketConfig{Rate: 1, Burst: 2},
				Quota: &PlanQuotaConfig{Limit: 3, Period: "day"}}}},
			gwCat(gwRepeat(2, gwReq{0, get, "a", Admitted, ""}), gwRepeat(3, gwReq{0, get, "a", Throttled, LayerPlan}),
				[]gwReq{{time.Second, get, "a", Admitted, ""}, {2 * time.Second, get, "a", QuotaExceeded, LayerQuota}})},
		{"rate 0 refuses everything", GatewayConfig{Methods: map[string]BucketConfig{post: {Rate: 0, Burst: 10}}},
			[]gwReq{{0, post, "", Throttled, LayerMethod}, {time.Hour, post, "", Throttled, LayerMethod}}},
	} {
		t.Run(c.name, func(t *testing.T) { runGwReqs(t, mustGateway(t, c.cfg), c.reqs) })
	}
}

func TestGatewayForbidden(t *testing.T) {
	plans := []PlanConfig{{Keys: []string{"good"}, Throttle: gwSlow(1)}}
	g := mustGateway(t, GatewayConfig{APIKeyRequired: true, Plans: plans})
	runGwReqs(t, g, []gwReq{
		{0, "GET /", "", Forbidden, LayerKey},
		{0, "GET /", "unknown", Forbidden, LayerKey},
		{0, "GET /", "good", Admitted, ""},
		{0, "GET /", "good", Throttled, LayerPlan},
		{0, "GET /", "", Forbidden, LayerKey}, // 403 comes before any throttle
	})
	// Without APIKeyRequired, keys are not read and plans do not apply.
	g = mustGateway(t, GatewayConfig{Plans: plans})
	runGwReqs(t, g, gwCat(gwRepeat(3, gwReq{0, "GET /", "good", Admitted, ""}), gwRepeat(3, gwReq{0, "GET /", "", Admitted, ""})))
}

// RetryAfter waits for every bucket the request needs, not only the refusing one.
func TestGatewayRetryAfter(t *testing.T) {
	g := mustGateway(t, GatewayConfig{Stage: &BucketConfig{Rate: 1, Burst: 1}, APIKeyRequired: true,
		Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: &BucketConfig{Rate: 4, Burst: 1}}}})
	g.Decide(0, "GET /", "a")
	d := g.Decide(0, "GET /", "a")
	want := Decision{Outcome: Throttled, Layer: LayerPlan, RetryAfter: time.Second, Limit: 4, Reset: 250 * time.Millisecond}
	if d != want {
		t.Errorf("got %+v, want %+v", d, want)
	}
	d = g.Decide(300*time.Millisecond, "GET /", "a")
	want = Decision{Outcome: Throttled, Layer: LayerStage, RetryAfter: 700 * time.Millisecond, Limit: 1, Reset: 700 * time.Millisecond}
	if d != want {
		t.Errorf("got %+v, want %+v", d, want)
	}
}

func TestGatewayResponseAWS(t *testing.T) {
	g := mustGateway(t, GatewayConfig{})
	for _, c := range []struct {
		d      Decision
		status int
		header http.Header
		body   string
	}{
		{Decision{Outcome: Throttled, Layer: LayerStage, RetryAfter: time.Second}, 429, http.Header{
			"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"TooManyRequestsException"}},
			`{"message":"Too Many Requests"}`},
		{Decision{Outcome: QuotaExceeded, Layer: LayerQuota, RetryAfter: time.Hour}, 429, http.Header{
			"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"LimitExceededException"}},
			`{"message":"Limit Exceeded"}`},
		{Decision{Outcome: Forbidden, Layer: LayerKey}, 403, http.Header{
			"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"ForbiddenException"}},
			`{"message":"Forbidden"}`},
		{Decision{Outcome: Admitted, Limit: 10, Remaining: 3}, 200, http.Header{}, ``},
	} {
		status, header, body := g.Response(c.d)
		if status != c.status || c.d.Status() != c.status {
			t.Errorf("%v: status %d (Status() %d), want %d", c.d.Outcome, status, c.d.Status(), c.status)
		}
		if !reflect.DeepEqual(header, c.header) {
			t.Errorf("%v: header %v, want %v", c.d.Outcome, header, c.header)
		}
		if string(body) != c.body {
			t.Errorf("%v: body %q, want %q", c.d.Outcome, body, c.body)
		}
		if header.Get("x-amzn-ErrorType") != c.header.Get("X-Amzn-ErrorType") {
			t.Errorf("%v: header lookup by AWS's spelling failed", c.d.Outcome)
		}
	}
}

func TestGatewayResponseInformative(t *testing.T) {
	g := mustGateway(t, GatewayConfig{Stage: &BucketConfig{Rate: 2, Burst: 4}, Informative: true,
		APIKeyRequired: true, Plans: []PlanConfig{{Keys: []string{"a"}, Quota: &PlanQuotaConfig{Limit: 5, Period: "day"}}}})
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	steps := []struct {
		at     time.Duration
		key    string
		header http.Header
	}{
		// Admitted: the stage bucket (4 → 3 left) is tighter than the quota (4 left).
		{0, "a", h("X-Ratelimit-Limit", "2", "X-Ratelimit-Remaining", "3", "X-Ratelimit-Reset", "1")},
		{0, "a", h("X-Ratelimit-Limit", "2", "X-Ratelimit-Remaining", "2", "X-Ratelimit-Reset", "1")},
		{0, "a", h("X-Ratelimit-Limit", "2", "X-Ratelimit-Remaining", "1", "X-Ratelimit-Reset", "2")},
		{0, "a", h("X-Ratelimit-Limit", "2", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "2")},
		{0, "a", h("Content-Type", "application/json", "X-Amzn-Errortype", "TooManyRequestsException",
			"Retry-After", "1", "X-Ratelimit-Limit", "2", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "2")},
		// At 10 s the stage is full again; the quota has 1 left, fewer than the stage's 3.
		{10 * time.Second, "a", h("X-Ratelimit-Limit", "5", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "7190")},
		{10 * time.Second, "a", h("Content-Type", "application/json", "X-Amzn-Errortype", "LimitExceededException",
			"Retry-After", "7190", "X-Ratelimit-Limit", "5", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "7190")},
		{10 * time.Second, "x", h("Content-Type", "application/json", "X-Amzn-Errortype", "ForbiddenException")},
	}
	for i, s := range steps {
		d := g.Decide(s.at, "GET /", s.key)
		_, header, _ := g.Response(d)
		if !reflect.DeepEqual(header, s.header) {
			t.Errorf("step %d (%v): header\n%v\nwant\n%v", i, d, header, s.header)
		}
	}
}

func TestGatewayConfigErrors(t *testing.T) {
	_, err := NewGateway(GatewayConfig{
		Stage:   &BucketConfig{Rate: -1, Burst: 1},
		Methods: map[string]BucketConfig{"orders": {Rate: 1, Burst: 1}},
		Plans: []PlanConfig{
			{Name: "p0", Keys: []string{"k", ""}, Quota: &PlanQuotaConfig{Limit: 1, Period: "week", Offset: 7}},
			{Name: "p1", Keys: []string{"k"}, Quota: &PlanQuotaConfig{Limit: 1, Period: "day", Offset: 1}},
			{Name: "p2", Quota: &PlanQuotaConfig{Limit: 1, Period: "month", Offset: 28}},
			{Name: "p3", Quota: &PlanQuotaConfig{Limit: 1, Period: "year"}},
		},
	})
	if err == nil {
		t.Fatal("NewGateway succeeded")
	}
	for _, want := range []string{"stage", `route "orders"`, "empty API key", "offset 7", "already on another plan",
		"day period needs offset 0", "offset 28", `period "year"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestGatewayDecideDoesNotAllocate(t *testing.T) {
	g := mustGateway(t, GatewayConfig{Account: gwHuge, Stage: gwHuge, APIKeyRequired: true,
		Methods: map[string]BucketConfig{"POST /orders": *gwHuge},
		Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: gwHuge,
			Methods: map[string]BucketConfig{"GET /items": *gwHuge},
			Quota:   &PlanQuotaConfig{Limit: 1 << 40, Period: "month"}}}})
	for _, route := range []string{"POST /orders", "GET /items", "GET /stage-default"} {
		g.Decide(0, route, "a") // the first request of a stage-default route allocates its bucket
		now := time.Duration(0)
		allocs := testing.AllocsPerRun(1000, func() {
			now += time.Microsecond
			if d := g.Decide(now, route, "a"); d.Outcome != Admitted {
				t.Fatalf("%s: %v", route, d.Outcome)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Decide", route, allocs)
		}
	}
}

// benchGateway is a gateway where a key's request passes all four checks (quota, plan,
// stage, account) and none ever refuses.
func benchGateway(b *testing.B) *Gateway {
	g, err := NewGateway(GatewayConfig{Account: gwHuge, Stage: gwHuge, APIKeyRequired: true, Epoch: gwEpoch,
		Plans: []PlanConfig{{Keys: []string{"a"}, Throttle: gwHuge,
			Quota: &PlanQuotaConfig{Limit: 1 << 40, Period: "day"}}}})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

func BenchmarkGatewayDecide(b *testing.B) {
	g := benchGateway(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.Decide(time.Duration(i)*time.Microsecond, "POST /orders", "a")
	}
}

// BenchmarkGatewayDecideFor is the simulator's path: the caller resolved once.
func BenchmarkGatewayDecideFor(b *testing.B) {
	g := benchGateway(b)
	c := g.Caller("POST /orders", "a")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.DecideFor(time.Duration(i)*time.Microsecond, c)
	}
}

// A Caller resolved once answers every request as Decide does: two gateways built alike,
// one asked by route and key, the other through callers, over random traffic that mixes
// plans, plan methods, stage methods, the stage default, unknown and missing keys, and the
// informative headers.
func TestGatewayCallerDecidesAsDecide(t *testing.T) {
	for _, keys := range []bool{false, true} {
		cfg := GatewayConfig{Stage: &BucketConfig{Rate: 40, Burst: 20}, APIKeyRequired: keys, Informative: true,
			Account: &BucketConfig{Rate: 90, Burst: 60},
			Methods: map[string]BucketConfig{"POST /orders": {Rate: 25, Burst: 10}},
			Plans: []PlanConfig{
				{Keys: []string{"a"}, Throttle: &BucketConfig{Rate: 15, Burst: 5}, Quota: &PlanQuotaConfig{Limit: 2000, Period: "DAY"}},
				{Keys: []string{"b"}, Throttle: &BucketConfig{Rate: 30, Burst: 10}, Methods: map[string]BucketConfig{"GET /": {Rate: 5, Burst: 2}}},
			}}
		direct, resolved := mustGateway(t, cfg), mustGateway(t, cfg)
		routes := []string{"GET /", "POST /orders", "GET /other"}
		apiKeys := []string{"a", "b", "", "nobody"}
		callers := map[[2]string]*Caller{}
		rng := rand.New(rand.NewPCG(3, 4))
		now := time.Duration(0)
		outcomes := map[Outcome]int{}
		for i := range 20000 {
			now += time.Duration(rng.Int64N(int64(20 * time.Millisecond)))
			route, key := routes[rng.IntN(len(routes))], apiKeys[rng.IntN(len(apiKeys))]
			c := callers[[2]string{route, key}]
			if c == nil {
				c = resolved.Caller(route, key)
				callers[[2]string{route, key}] = c
			}
			want, got := direct.Decide(now, route, key), resolved.DecideFor(now, c)
			if got != want {
				t.Fatalf("keys %v, request %d (%s, %q at %v): caller %+v, Decide %+v", keys, i, route, key, now, got, want)
			}
			outcomes[want.Outcome]++
		}
		t.Logf("keys %v: %v", keys, outcomes)
		if outcomes[Admitted] == 0 || outcomes[Throttled] == 0 || (keys && (outcomes[Forbidden] == 0 || outcomes[QuotaExceeded] == 0)) {
			t.Errorf("keys %v: the traffic did not reach every answer: %v", keys, outcomes)
		}
	}
}
