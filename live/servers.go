package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/throttlelab/throttlelab/fakeapi"
	"github.com/throttlelab/throttlelab/pipeline"
)

// startServers starts the fake API (unless the run was given one) and the gateway, both on
// loopback, and the load generator's and the workers' HTTP clients.
func (r *runner) startServers(ctx context.Context) error {
	apiURL := r.opts.APIURL
	d := r.sc.DownstreamOrDefault()
	if d.URL != "" {
		apiURL = d.URL // a real service: no fake API (see service.go)
	} else if apiURL == "" {
		url, err := r.startFakeAPI()
		if err != nil {
			return err
		}
		apiURL = url
	}
	api := newAPIClient(apiURL, d.HealthPath)
	*r.api = *api
	r.api.l, r.api.ctx = r.l, ctx
	r.useService()
	p := r.e.Pipeline()
	conns, err := r.connBudget()
	if err != nil {
		return err
	}
	r.load = &loadGen{l: r.l, gw: r.gw, secret: r.gw.secret, clients: len(p.Clients), cl: p.Clients,
		dur: r.sc.Duration.D(), workers: r.opts.Workers, client: &http.Client{Transport: loadTransport(conns), Timeout: 30 * time.Second},
		shard: r.opts.Shard}
	r.gw.load = r.load
	url, closeGW, err := serveCounting(r.opts.GatewayAddr, r.gw, &r.gw.acceptErrors)
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	r.stops = append(r.stops, closeGW)
	r.load.url = url
	return nil
}

// loadConns caps the load generator's connections to the gateway: every connection is two
// file descriptors on this machine (the client's and the gateway's), and a 2-core machine
// serves no more load with more of them. apiConns caps the workers' connections to the API
// (two descriptors each too when the fake API runs in process).
const (
	loadConns = 2048
	apiConns  = 1024
	spareFDs  = 512 // the emulators' clients, the results file, the runtime
	minConns  = 64
)

// connBudget checks the file descriptors the run needs against the process's limit (raised to
// its hard limit at the start): it caps the load generator's connections to fit, saying so in
// the summary, and refuses a limit too low for a useful run.
func (r *runner) connBudget() (int, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return loadConns, nil
	}
	avail := int(min(l.Cur, 1<<20)) - 2*apiConns - spareFDs
	conns := min(loadConns, avail/2)
	if conns < minConns {
		return 0, fmt.Errorf("file descriptors: the limit is %d (ulimit -n), too few for a live run: it needs at least %d; raise it",
			l.Cur, 2*(apiConns+minConns)+spareFDs)
	}
	if conns < loadConns {
		r.notes = append(r.notes, fmt.Sprintf("file descriptors: the limit is %d, so the load generator keeps at most %d connections to the gateway (instead of %d); a client above %d requests in flight waits for one",
			l.Cur, conns, loadConns, conns))
	}
	return conns, nil
}

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
func serve(h http.Handler) (string, func(), error) { return serveCounting("", h, nil) }

// serveCounting runs h on addr, a loopback address (empty: a free port of 127.0.0.1),
// counting the server's errors (a failed accept: out of file descriptors) in errs instead of
// logging each.
func serveCounting(addr string, h http.Handler, errs *atomic.Int64) (string, func(), error) {
	if err := checkLoopback(addr); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", cmpOr(addr, "127.0.0.1:0"))
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	if errs != nil {
		srv.ErrorLog = log.New(counter{errs}, "", 0)
	}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}, nil
}

// checkLoopback refuses an address off loopback: a live run's load stays on this machine.
func checkLoopback(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: want HOST:PORT: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("address %q: want a loopback host (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
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

// counter counts the lines a logger writes.
type counter struct{ n *atomic.Int64 }

func (c counter) Write(p []byte) (int, error) {
	c.n.Add(int64(bytes.Count(p, []byte{'\n'})))
	return len(p), nil
}
