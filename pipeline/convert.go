package pipeline

import (
	"time"

	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/scenarios"
)

func rate(r *scenarios.Rate) float64 {
	if r == nil {
		return 0
	}
	return r.PerSecond()
}

func dur(d *scenarios.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.D()
}

// ArrivalConfig translates a scenario arrival section.
func ArrivalConfig(a scenarios.Arrival) model.ArrivalConfig {
	cfg := model.ArrivalConfig{Shape: a.Shape, Rate: rate(a.Rate), Peak: rate(a.Peak),
		From: rate(a.From), To: rate(a.To), Amplitude: rate(a.Amplitude),
		At: dur(a.At), For: dur(a.For), Period: dur(a.Period)}
	for _, s := range a.Steps {
		cfg.Steps = append(cfg.Steps, model.ArrivalStep{At: s.At.D(), Rate: s.Rate.PerSecond()})
	}
	if t := a.Trace(); t != nil && a.Shape == "replay" {
		o := a.TraceOptions()
		cfg.Replay = &model.ReplayConfig{Name: t.Source.Name, Open: t.Source.Open, Format: t.Summary.Format,
			Speed: a.SpeedOr1(), APIKey: o.APIKey, Fields: o.Fields}
	}
	return cfg
}

// RetryConfig translates a client's retry section; nil means no retries.
func RetryConfig(r *scenarios.Retry) model.RetryConfig {
	if r == nil {
		return model.RetryConfig{Policy: "none", MaxAttempts: 1}
	}
	return model.RetryConfig{Policy: r.Policy, Base: dur(r.Base), Cap: dur(r.Cap),
		MaxAttempts: r.MaxAttempts, HonorRetryAfter: r.HonorRetryAfter}
}

func bucket(b *scenarios.Bucket) *model.BucketConfig {
	if b == nil {
		return nil
	}
	return &model.BucketConfig{Rate: b.Rate.PerSecond(), Burst: b.Burst}
}

func buckets(m map[string]scenarios.Bucket) map[string]model.BucketConfig {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]model.BucketConfig, len(m))
	for k, b := range m {
		out[k] = *bucket(&b)
	}
	return out
}

// GatewayConfig translates a gateway section.
func GatewayConfig(g *scenarios.Gateway, epoch time.Time) model.GatewayConfig {
	cfg := model.GatewayConfig{Account: bucket(g.Account), Stage: bucket(g.Stage),
		Methods: buckets(g.Methods), APIKeyRequired: g.APIKeyRequired, KeyRoutes: g.APIKeyMethods,
		Informative: g.Headers == "informative", Bypass: g.Type == "none", Epoch: epoch}
	for _, p := range g.UsagePlans {
		pc := model.PlanConfig{Name: p.Name, Keys: p.Keys, Throttle: bucket(p.Throttle), Methods: buckets(p.Methods)}
		if p.Quota != nil {
			pc.Quota = &model.PlanQuotaConfig{Limit: p.Quota.Limit, Period: p.Quota.Period, Offset: p.Quota.Offset}
		}
		cfg.Plans = append(cfg.Plans, pc)
	}
	return cfg
}

// QueueConfig translates a queue (without its dead-letter queue).
func QueueConfig(q scenarios.Queue) model.QueueConfig {
	return model.QueueConfig{Name: q.Name, VisibilityTimeout: dur(q.VisibilityTimeout),
		MaxReceiveCount: q.MaxReceiveCount, FIFO: q.FIFO, ContentDedup: q.ContentDedup,
		Delay: q.Delay.D(), Retention: dur(q.Retention)}
}

// QuotaConfigs translates quota tiers.
func QuotaConfigs(qs []scenarios.Quota) []model.QuotaConfig {
	out := make([]model.QuotaConfig, len(qs))
	for i, q := range qs {
		out[i] = model.QuotaConfig{Limit: q.Limit, Per: q.Per.D(), Window: q.Window}
	}
	return out
}

// LatencyConfig translates a latency section.
func LatencyConfig(l *scenarios.Latency) model.LatencyConfig {
	cfg := model.LatencyConfig{Dist: l.Dist, Value: dur(l.Value), Min: dur(l.Min), Max: dur(l.Max),
		Mean: dur(l.Mean), Stddev: dur(l.Stddev), Median: dur(l.Median), P99: dur(l.P99)}
	if l.Alpha != nil {
		cfg.Alpha = *l.Alpha
	}
	return cfg
}

// APIConfig translates a downstream section.
func APIConfig(d *scenarios.Downstream, epoch time.Time) (model.APIConfig, error) {
	cfg := model.APIConfig{Quotas: QuotaConfigs(d.Quotas), PerKey: d.PerKey,
		RetryAfter: d.RetryAfter, Epoch: epoch}
	if d.Latency != nil {
		lat, err := model.NewLatency(LatencyConfig(d.Latency))
		if err != nil {
			return cfg, err
		}
		cfg.Latency = lat
	}
	if d.Errors != nil {
		cfg.ErrorRate, cfg.ErrorStatus = d.Errors.Rate, d.Errors.Status
	}
	for _, o := range d.Outages {
		cfg.Outages = append(cfg.Outages, model.OutageConfig{At: o.At.D(), For: o.For.D(), Mode: o.Mode, Status: o.Status})
	}
	return cfg, nil
}
