package fakeapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ShutdownGrace is how long a shutdown lets calls under way finish their latency before it
// closes their connections. Calls hanging in a timeout outage end at once.
const ShutdownGrace = 5 * time.Second

// ReadHeaderTimeout bounds how long a client may take to send a request's headers. There is
// no write timeout: it would cut the model's latencies.
const ReadHeaderTimeout = 10 * time.Second

// running is a server started by Start.
type running struct {
	srv  *http.Server
	done chan struct{}
	err  error
}

// ErrStarted is returned by Start on a server already started.
var ErrStarted = errors.New("fake api already started")

// Start listens on addr and serves in the background, with keep-alive, until ctx is done;
// then it shuts down gracefully (see ShutdownGrace), and Wait returns. An empty host means
// 127.0.0.1 (":8080" listens on loopback only; ask for 0.0.0.0 explicitly); an empty addr
// means 127.0.0.1 on a free port. It returns the address listened on.
func (s *Server) Start(ctx context.Context, addr string) (net.Addr, error) {
	addr, err := listenAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("start fake api: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		return nil, fmt.Errorf("start fake api: %w", ErrStarted)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start fake api: %w", err)
	}
	s.run = &running{done: make(chan struct{}), srv: &http.Server{Handler: s.handler,
		ReadHeaderTimeout: ReadHeaderTimeout, IdleTimeout: 2 * time.Minute}}
	go s.serve(ctx, ln)
	return ln.Addr(), nil
}

// Wait blocks until a started server has shut down and returns why serving stopped: nil
// after a shutdown asked for by Start's context. It returns nil at once if not started.
func (s *Server) Wait() error {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	if run == nil {
		return nil
	}
	<-run.done
	return run.err
}

// serve runs the HTTP server on ln until it fails or ctx is done.
func (s *Server) serve(ctx context.Context, ln net.Listener) {
	run := s.run
	defer close(run.done)
	errc := make(chan error, 1)
	go func() { errc <- run.srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.stop.Do(func() { close(s.quit) })
		run.err = fmt.Errorf("serve fake api: %w", err)
	case <-ctx.Done():
		s.shutdown(run.srv)
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			run.err = fmt.Errorf("serve fake api: %w", err)
		}
	}
}

// shutdown ends hanging calls, lets the others finish for up to ShutdownGrace, then closes
// every connection.
func (s *Server) shutdown(srv *http.Server) {
	s.stop.Do(func() { close(s.quit) })
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		_ = srv.Close()
	}
}

// listenAddr fills in an empty host (127.0.0.1) or an empty addr (127.0.0.1:0).
func listenAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
