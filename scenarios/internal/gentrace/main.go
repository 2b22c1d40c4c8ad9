// Command gentrace writes the catalog's shipped trace: a synthetic day of API Gateway access
// logs (JSON, one object a line, requestTimeEpoch in milliseconds) for three API keys — no
// real customer's traffic. It is deterministic: the same program writes the same requests.
//
//	go run ./scenarios/internal/gentrace -o scenarios/traces/diurnal.jsonl.gz
//
// The day is Monday 2026-01-05, UTC:
//   - acme-key, a storefront: a diurnal curve from 0.1/s at night to 1.5/s at 14:00, and a
//     marketing e-mail at 18:00 that brings 12/s for two minutes, fading;
//   - globex-key, a partner's batch jobs: an hourly sync of 150 requests in 5 s, and a
//     nightly export at 02:00 sending 25/s for 8 minutes;
//   - initech-key, a mobile app: 0.05/s at night to 0.4/s in the evening, and a push
//     notification at 12:30 whose taps arrive at 30/s, decaying over a minute.
//
// Arrivals are Poisson with those rates (by thinning), so bursts within them are as random as
// real ones.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"
)

func main() {
	out := flag.String("o", "diurnal.jsonl.gz", "the file to write")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gentrace:", err)
		os.Exit(1)
	}
}

func write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err := generate(zw); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// day is the trace's first instant.
var day = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// key is one API key's traffic: its rate (requests per second) at t seconds into the day,
// an upper bound of that rate, and the routes it calls.
type key struct {
	name   string
	rate   func(t float64) float64
	bound  float64
	routes []string // "METHOD /path"
}

var keys = []key{
	{"acme-key", acme, 14, []string{"GET /products", "GET /products", "GET /products/{id}", "POST /orders"}},
	{"globex-key", globex, 31, []string{"POST /orders", "PUT /inventory/{sku}"}},
	{"initech-key", initech, 31, []string{"GET /feed", "GET /feed", "POST /events"}},
}

// diurnal rises from lo at 02:00 to hi at peak hours (a raised cosine over the day).
func diurnal(t, lo, hi, peak float64) float64 {
	return lo + (hi-lo)*(1+math.Cos(2*math.Pi*(t-peak*3600)/86400))/2
}

func acme(t float64) float64 {
	r := diurnal(t, 0.1, 1.5, 14)
	if e := t - 18*3600; e >= 0 && e < 600 {
		r += 12 * math.Exp(-e/120)
	}
	return r
}

func globex(t float64) float64 {
	r := 0.0
	if math.Mod(t, 3600) < 5 {
		r += 30 // 150 requests in the first 5 s of each hour
	}
	if e := t - 2*3600; e >= 0 && e < 480 {
		r += 25
	}
	return r
}

func initech(t float64) float64 {
	r := diurnal(t, 0.05, 0.4, 20)
	if e := t - 12.5*3600; e >= 0 && e < 300 {
		r += 30 * math.Exp(-e/60)
	}
	return r
}

// request is one line of the log.
type request struct {
	at    int64 // milliseconds since the Unix epoch
	key   string
	route string
}

// generate writes the day's requests in time order.
func generate(w io.Writer) error {
	rng := rand.New(rand.NewPCG(20260105, 3))
	var reqs []request
	for _, k := range keys {
		for t := 0.0; ; {
			t += rng.ExpFloat64() / k.bound
			if t >= 86400 {
				break
			}
			if rng.Float64()*k.bound < k.rate(t) {
				ms := day.UnixMilli() + int64(t*1000)
				reqs = append(reqs, request{at: ms, key: k.name, route: k.routes[rng.IntN(len(k.routes))]})
			}
		}
	}
	slices.SortStableFunc(reqs, func(a, b request) int { return int(a.at - b.at) })
	bw := bufio.NewWriter(w)
	for i, r := range reqs {
		method, path := r.route[:indexSpace(r.route)], r.route[indexSpace(r.route)+1:]
		status := 200
		if method == "POST" {
			status = 201
		}
		fmt.Fprintf(bw, `{"requestId":"%08x","requestTimeEpoch":%d,"httpMethod":"%s","resourcePath":"%s","status":"%d","apiKey":"%s"}`+"\n",
			i+1, r.at, method, path, status, r.key)
	}
	return bw.Flush()
}

func indexSpace(s string) int {
	for i := range len(s) {
		if s[i] == ' ' {
			return i
		}
	}
	return len(s)
}
