package live

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/scenarios"
)

// A 20 s trace replayed live: the load generator offers within 1 % of the trace's requests,
// and within 5 % of its count in every second (issue 13's acceptance). The trace rises from
// 40 to 200 requests a second with a 3 s burst of 400 a second, in CSV with millisecond
// timestamps. The gateway answers nearly every attempt 429 itself: what is measured is the
// load generator's pacing, not the pipeline behind it.
func TestLiveReplayFollowsTheTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("live runs take real time")
	}
	dir := t.TempDir()
	perSecond := writeTrace(t, filepath.Join(dir, "trace.csv"))
	doc := `
name: replay-live
drain: 5s
mode: live
clients:
  - {name: c, path: /orders, arrival: {shape: replay, file: trace.csv, format: csv}}
gateway: {stage: {rate: 1, burst: 1}, integration: direct}
`
	path := filepath.Join(dir, "replay-live.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc, Options{})
	if err != nil {
		t.Fatalf("live run: %v", err)
	}
	total := 0
	for _, n := range perSecond {
		total += n
	}
	got := res.Summary.Metrics["offered_total"]
	if math.Abs(got-float64(total)) > 0.01*float64(total) {
		t.Errorf("offered %v of the trace's %d requests: more than 1%% apart", got, total)
	}
	offered := res.Series.Column("offered")
	for s, want := range perSecond {
		if s >= len(offered) {
			t.Fatalf("the series has %d seconds, the trace %d", len(offered), len(perSecond))
		}
		if d := math.Abs(offered[s] - float64(want)); d > 0.05*float64(want) {
			t.Errorf("second %d: offered %v, the trace has %d: more than 5%% apart", s, offered[s], want)
		}
	}
	t.Logf("offered %v of %d; lost %v", got, total, res.Summary.Metrics["lost_total"])
}

// writeTrace writes a CSV trace of 20 seconds and returns its requests per second.
func writeTrace(t *testing.T, path string) []int {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString("timestamp,api_key,method,path\n")
	perSecond := make([]int, 20)
	for s := range perSecond {
		n := 40 + 8*s
		if s >= 10 && s < 13 {
			n = 400
		}
		perSecond[s] = n
		ms := make([]int, n)
		for i := range ms {
			ms[i] = rng.IntN(1000)
		}
		if s == 0 {
			ms[0] = 0 // the first request is offset 0
		}
		slices.Sort(ms)
		for _, m := range ms {
			at := start.Add(time.Duration(s)*time.Second + time.Duration(m)*time.Millisecond)
			fmt.Fprintf(&b, "%d,k,POST,/orders\n", at.UnixMilli())
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return perSecond
}
