package fakeapi

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// MaxHang caps how long a call of a timeout outage hangs: after it, or when the server shuts
// down, the connection is closed without an answer.
const MaxHang = 10 * time.Minute

// APIKeyHeader carries the caller's API key, which selects its quotas when they are per key.
const APIKeyHeader = "x-api-key"

var (
	jsonType      = []string{"application/json"}
	bodyOK        = []byte(`{"ok":true}`)
	bodyThrottled = []byte(`{"message":"Too Many Requests"}`)
)

// serveHTTP routes a request: the health check, the admin endpoints, else a call.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == s.cfg.HealthPath:
		s.serveHealth(w, r)
	case strings.HasPrefix(p, AdminPrefix):
		s.serveAdmin(w, r)
	default:
		s.serveCall(w, r)
	}
}

// serveCall lets the model decide a call, waits its latency and answers as it says.
func (s *Server) serveCall(w http.ResponseWriter, r *http.Request) {
	s.pending.Add(1)
	defer s.pending.Add(-1)
	reply := s.decide(r.Header.Get(APIKeyHeader))
	switch reply.Outcome {
	case model.CallReset:
		resetConn(w)
		return
	case model.CallTimeout:
		s.hang(r.Context())
		panic(http.ErrAbortHandler) // close the connection, never answer
	}
	if !wait(r.Context(), reply.Latency) {
		panic(http.ErrAbortHandler) // the caller gave up or the server is closing
	}
	writeReply(w, reply)
}

// wait waits d unless ctx ends first, reporting whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// hang returns when the caller gives up, the server shuts down or MaxHang has passed.
func (s *Server) hang(ctx context.Context) {
	t := time.NewTimer(MaxHang)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-s.quit:
	case <-t.C:
	}
}

// resetConn takes the connection over and closes it with SO_LINGER 0, so that the kernel
// sends a TCP RST instead of a FIN: the caller sees "connection reset by peer".
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// writeReply answers an admitted or throttled call.
func writeReply(w http.ResponseWriter, r model.Reply) {
	h := w.Header()
	h["Content-Type"] = jsonType
	switch r.Outcome {
	case model.CallOK:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(bodyOK)
	case model.CallThrottled:
		if r.RetryAfter > 0 {
			h["Retry-After"] = []string{strconv.FormatInt(int64(r.RetryAfter/time.Second), 10)}
		}
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write(bodyThrottled)
	default:
		writeMessage(w, r.Status)
	}
}

// writeMessage answers status with a body {"message": its text}.
func writeMessage(w http.ResponseWriter, status int) {
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"message":` + strconv.Quote(http.StatusText(status)) + `}`))
}

// serveHealth answers the health check: 200 unless an outage is under way, then 503.
// Health checks do not count against the quotas.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	w.Header()["Content-Type"] = jsonType
	if s.healthy() {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"status":"ok"}`))
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"status":"unavailable"}`))
}

// serveAdmin serves POST /_admin/reset and GET /_admin/stats.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path[len(AdminPrefix):] {
	case "reset":
		if !allow(w, r, http.MethodPost) {
			return
		}
		if err := s.Reset(); err != nil {
			writeMessage(w, http.StatusInternalServerError)
			return
		}
		writeJSON(w, s.Stats())
	case "stats":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			writeJSON(w, s.Stats())
		}
	default:
		writeMessage(w, http.StatusNotFound)
	}
}

// allow answers 405 and reports false unless r's method is one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeMessage(w, http.StatusMethodNotAllowed)
	return false
}

// writeJSON answers 200 with v, indented.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeMessage(w, http.StatusInternalServerError)
		return
	}
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}
