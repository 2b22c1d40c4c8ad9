package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ErrRemoteMetrics is wrapped by CheckMetricsAddr for an address whose host is not
// loopback while remote metrics were not allowed.
var ErrRemoteMetrics = errors.New("the metrics address is not loopback")

// CheckMetricsAddr checks a metrics address before anything is bound or looked up: HOST:PORT
// with a numeric port, whose host is a loopback IP address or "localhost" unless
// allowRemote. A host name is never resolved here.
func CheckMetricsAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("metrics address %q: want HOST:PORT, such as 127.0.0.1:9464", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("metrics address %q: the port must be a number from 0 to 65535", addr)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	what := "host " + host
	if host == "" {
		what = "no host (every interface)"
	}
	return fmt.Errorf("%w: %q names %s, so anyone who can reach this machine could read the run's metrics; "+
		"use 127.0.0.1:PORT, or allow it explicitly (--allow-remote-metrics)", ErrRemoteMetrics, addr, what)
}

// startMetrics serves the run's metrics at MetricsAddr, when set.
func (r *runner) startMetrics() error {
	addr := r.opts.MetricsAddr
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve metrics: %w", err)
	}
	r.exp = newExporter(r.sc.Name)
	if r.gw != nil { // none in a target run
		r.gw.obs = r.exp.gw
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(r.exp); err != nil {
		ln.Close()
		return fmt.Errorf("serve metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	r.stops = append(r.stops, serveOn(ln, mux))
	if r.opts.MetricsServing != nil {
		r.opts.MetricsServing("http://" + ln.Addr().String() + "/metrics")
	}
	return nil
}

// publish gives the metrics endpoint a new read-out of the run once a second (and at
// once, the first time), on the loop.
func (r *runner) publish(now time.Duration) {
	if r.exp == nil {
		return
	}
	sec := now / time.Second
	if sec == r.expSec && r.exp.live.Load() != nil {
		return
	}
	r.expSec = sec
	r.exp.live.Store(r.e.Snapshot())
}

// serveOn serves h on ln until the returned function stops it.
func serveOn(ln net.Listener, h http.Handler) func() {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}
}
