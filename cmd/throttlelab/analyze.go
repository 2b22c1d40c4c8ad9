package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/throttlelab/throttlelab/internal/num"
	"github.com/throttlelab/throttlelab/trace"
)

var analyzeCommand = &command{
	name:  "analyze",
	args:  "LOG [flags]",
	short: "what an access log asks of a throttle: requests per key, peaks, the burst each rate needs",
	long: `Read an access log — API Gateway's JSON or CLF, an ALB log, vegeta results (gob, JSON or
CSV) or CSV timestamp,api_key,method,path; .gz is read — and print its requests in total and
per API key, its busiest second, minute and hour, its busiest usage-plan day, week and month,
and its arrival curve: for each rate r, the smallest burst b(r) with which a token bucket of
rate r, full at the start, throttles none of its requests. A stage or usage-plan throttle of
{rate: r, burst: b(r)} admits the whole log in a replay; burst b(r) - 1 throttles some of it.
Timestamps with whole seconds only are spread over their second (seeded, as a replay with
seed 1 spreads its first client's). A log with more than 1% of lines it cannot read is refused.`,
	examples: `throttlelab analyze access.log.gz
throttlelab analyze access.log --api-key partner-key --rates 10,20,50 --json
throttlelab analyze scenarios/traces/diurnal.jsonl.gz --out /tmp/analysis`,
	run: cmdAnalyze,
}

// analyzeFlags are analyze's options.
type analyzeFlags struct {
	format, rates, apiKey, fields, out *string
	json                               *bool
}

// cmdAnalyze runs `throttlelab analyze LOG`.
func cmdAnalyze(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	f := analyzeFlags{
		format: fs.String("format", "", "the log's `FORMAT`: "+strings.Join(trace.Formats, ", ")+" (default: told from its first line)"),
		rates:  fs.String("rates", "", "`R1,R2,...`: rates of the arrival curve in requests per second (default: 12 from the mean rate to the busiest second)"),
		apiKey: fs.String("api-key", "", "analyze only the requests logged with this API `KEY`"),
		fields: fs.String("fields", "", "apigw-json: the members holding the time, key, method and path, as `time=T,key=K,method=M,path=P`"),
		json:   fs.Bool("json", false, `print {"requests", "keys", "peak_per_second", "curve"} as JSON instead of text`),
		out:    fs.String("out", "", "also write analysis.json, analysis.html and its charts into `DIR`"),
	}
	pos, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdUsageErr(fs, "analyze: name one log file")
	}
	opts, rates, err := f.options()
	if err != nil {
		return cmdUsageErr(fs, "analyze: %v", err)
	}
	file := pos[0]
	a, err := trace.Analyze(trace.Source{Name: file, Open: func() (io.ReadCloser, error) { return os.Open(file) }}, opts, rates)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("analyze: %w", err)}
	}
	if *f.out != "" {
		if err := writeAnalysis(*f.out, a); err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("analyze: %w", err)}
		}
	}
	if *f.json {
		return writeAnalysisJSON(stdout, a)
	}
	printAnalysis(stdout, a)
	if *f.out != "" {
		fmt.Fprintf(stdout, "  results     %s\n", *f.out)
	}
	return nil
}

func (f analyzeFlags) options() (trace.Options, []float64, error) {
	opts := trace.Options{Format: *f.format, APIKey: *f.apiKey}
	if err := trace.CheckFormat(*f.format); err != nil {
		return opts, nil, err
	}
	if *f.fields != "" {
		for _, kv := range strings.Split(*f.fields, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch strings.TrimSpace(k) {
			case "time":
				opts.Fields.Time = v
			case "key":
				opts.Fields.Key = v
			case "method":
				opts.Fields.Method = v
			case "path":
				opts.Fields.Path = v
			default:
				return opts, nil, fmt.Errorf("--fields %q: want time=, key=, method= or path=", kv)
			}
		}
	}
	var rates []float64
	for _, s := range strings.Split(*f.rates, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		r, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
		if err != nil || !(r > 0) || math.IsInf(r, 0) {
			return opts, nil, fmt.Errorf("--rates: %q is not a rate above 0 (requests per second)", s)
		}
		rates = append(rates, r)
	}
	if *f.rates != "" && len(rates) == 0 {
		return opts, nil, fmt.Errorf("--rates: no rate given")
	}
	return opts, rates, nil
}

// analysisJSON is analyze --json's output, exactly.
type analysisJSON struct {
	Requests      int64              `json:"requests"`
	Keys          map[string]int64   `json:"keys"`
	PeakPerSecond int64              `json:"peak_per_second"`
	Curve         []trace.CurvePoint `json:"curve"`
}

// analysisDoc is the JSON of an analysis; requests logged without an API key count under
// "-", as API Gateway logs an empty value.
func analysisDoc(a *trace.Analysis) analysisJSON {
	keys := map[string]int64{}
	for k, n := range a.Keys {
		if k == "" {
			k = "-"
		}
		keys[k] += n
	}
	return analysisJSON{Requests: a.Requests, Keys: keys, PeakPerSecond: a.PeakSecond.Count, Curve: a.Curve}
}

func writeAnalysisJSON(w io.Writer, a *trace.Analysis) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(analysisDoc(a))
}

// printAnalysis writes the analysis as text.
func printAnalysis(w io.Writer, a *trace.Analysis) {
	span := time.Duration(a.End - a.Origin)
	fmt.Fprintf(w, "%s (%s): %s requests from %s over %s, %.3g/s on average\n", a.Name, a.Format, num.Count(float64(a.Requests)),
		time.Unix(0, a.Origin).UTC().Format(time.RFC3339), span.Round(time.Millisecond), a.MeanRate())
	if a.Bad > 0 {
		fmt.Fprintf(w, "  %s of %s lines could not be read and were skipped; the first: %s\n", num.Count(float64(a.Bad)), num.Count(float64(a.Lines)), a.Samples[0])
	}
	if a.Coarse > 0 {
		fmt.Fprintf(w, "  %s requests were logged with whole seconds only: spread uniformly over their second (seeded,\n  as a replay by the first client with seed 1 spreads them)\n", num.Count(float64(a.Coarse)))
	}
	keys := slices.SortedFunc(maps.Keys(a.Keys), func(x, y string) int { return cmp.Or(cmp.Compare(a.Keys[y], a.Keys[x]), cmp.Compare(x, y)) })
	fmt.Fprintf(w, "\nAPI keys\n")
	for _, k := range keys[:min(len(keys), 20)] {
		fmt.Fprintf(w, "  %-24s %10s  %5.1f%%\n", keyName(k), num.Count(float64(a.Keys[k])), 100*float64(a.Keys[k])/float64(a.Requests))
	}
	if len(keys) > 20 {
		fmt.Fprintf(w, "  … and %d more keys\n", len(keys)-20)
	}
	fmt.Fprintf(w, "\nBusiest (UTC clock periods)\n")
	for _, p := range []struct {
		what string
		pk   trace.Peak
	}{{"second", a.PeakSecond}, {"minute", a.PeakMinute}, {"hour", a.PeakHour}} {
		fmt.Fprintf(w, "  %-7s %10s  from %s\n", p.what, num.Count(float64(p.pk.Count)), p.pk.At.Format(time.RFC3339))
	}
	printPeriods(w, a)
	if len(a.Routes) > 0 {
		fmt.Fprintf(w, "\nRoutes\n")
		for _, r := range a.Routes {
			fmt.Fprintf(w, "  %-40s %10s\n", r.Name, num.Count(float64(r.Count)))
		}
	}
	fmt.Fprintf(w, "\nArrival curve: the smallest burst that throttles none of these requests\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  rate (/s)\tburst\t\n")
	for _, p := range a.Curve {
		fmt.Fprintf(tw, "  %g\t%s\t\n", p.Rate, num.Count(float64(p.Burst)))
	}
	tw.Flush()
}

// printPeriods writes the busiest usage-plan quota periods and their keys.
func printPeriods(w io.Writer, a *trace.Analysis) {
	fmt.Fprintf(w, "\nUsage-plan quota periods (UTC, offset 0): a quota below these refuses requests\n")
	for _, p := range a.Periods {
		label := p.Start.Format("2006-01-02")
		switch p.Kind {
		case "week":
			label = "week from " + label
		case "month":
			label = p.Start.Format("2006-01")
		}
		keys := slices.SortedFunc(maps.Keys(p.Keys), func(x, y string) int { return cmp.Or(cmp.Compare(p.Keys[y], p.Keys[x]), cmp.Compare(x, y)) })
		var parts []string
		for _, k := range keys[:min(len(keys), 5)] {
			parts = append(parts, keyName(k)+" "+num.Count(float64(p.Keys[k])))
		}
		fmt.Fprintf(w, "  %-6s %-20s %10s  %s\n", p.Kind, label, num.Count(float64(p.Count)), strings.Join(parts, " · "))
	}
}

func keyName(k string) string {
	if k == "" {
		return "(no key)"
	}
	return k
}

// writeAnalysis writes analysis.json, the charts and analysis.html into dir.
func writeAnalysis(dir string, a *trace.Analysis) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.Create(filepath.Join(dir, "analysis.json"))
	if err != nil {
		return err
	}
	if err := writeAnalysisJSON(f, a); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return writeAnalysisHTML(dir, a)
}
