package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/pipeline"
)

// startServers starts the fake API (unless the run was given one) and the gateway, both on
// loopback, and the load generator's and the workers' HTTP clients.
func (r *runner) startServers(ctx context.Context) error {
	apiURL := r.opts.APIURL
	if apiURL == "" {
		url, err := r.startFakeAPI()
		if err != nil {
			return err
		}
		apiURL = url
	}
	d := r.sc.DownstreamOrDefault()
	api := newAPIClient(apiURL, d.HealthPath)
	*r.api = *api
	r.api.l, r.api.ctx = r.l, ctx
	p := r.e.Pipeline()
	r.load = &loadGen{l: r.l, gw: r.gw, secret: r.gw.secret, clients: len(p.Clients), cl: p.Clients,
		dur: r.sc.Duration.D(), workers: r.opts.Workers, client: &http.Client{Transport: loadTransport(loadConns), Timeout: 30 * time.Second}}
	r.gw.load = r.load
	url, closeGW, err := serve(r.gw)
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	r.stops = append(r.stops, closeGW)
	r.load.url = url
	return nil
}

// loadConns caps the load generator's connections to the gateway: every connection is two
// file descriptors on this machine (the client's and the gateway's), and a 2-core machine
// serves no more load with more of them.
const loadConns = 2048

// startFakeAPI runs the scenario's fake API in-process on loopback.
func (r *runner) startFakeAPI() (string, error) {
	d := r.sc.DownstreamOrDefault()
	cfg, err := pipeline.APIConfig(d, time.Now())
	if err != nil {
		return "", fmt.Errorf("start fake api: %w", err)
	}
	srv, err := fakeapi.New(fakeapi.Config{API: cfg, HealthPath: d.HealthPath, Seed: r.e.Seed()})
	if err != nil {
		return "", fmt.Errorf("start fake api: %w", err)
	}
	url, closeFn, err := serve(srv.Handler())
	if err != nil {
		return "", fmt.Errorf("start fake api: %w", err)
	}
	r.stops = append(r.stops, closeFn)
	return url, nil
}

// serve runs h on a free port of 127.0.0.1.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}, nil
}

// raiseFileLimit lifts RLIMIT_NOFILE to its hard limit: every connection is a descriptor.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil && !errors.Is(err, syscall.EPERM) {
			return
		}
	}
}
