package fakeapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// These tests use real time, for TCP behaviours only; each is bounded by a few seconds.

func outageAPI(mode string) model.APIConfig {
	return model.APIConfig{Outages: []model.OutageConfig{{At: 0, For: time.Hour, Mode: mode}}}
}

// waitFor polls cond every millisecond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestResetOutageSendsRST(t *testing.T) {
	s, url := startServer(t, Config{API: outageAPI("reset")})
	// A raw connection sees the RST itself.
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /x HTTP/1.1\r\nHost: fake\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bufio.NewReader(conn).ReadByte(); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("raw read: %v, want connection reset by peer", err)
	}
	// An http.Client sees a transport error, never a status.
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url + "/x")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want a connection error", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("client error %v, want a connection reset or EOF", err)
	}
	if got := s.Stats().Calls["reset"]; got != 2 {
		t.Errorf("reset calls %d, want 2", got)
	}
}

func TestTimeoutOutageNeverAnswers(t *testing.T) {
	s, url := startServer(t, Config{API: outageAPI("timeout")})
	begin := time.Now()
	resp, err := (&http.Client{Timeout: 200 * time.Millisecond}).Get(url + "/x")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want the client's timeout", resp.StatusCode)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("client error %v, want a timeout", err)
	}
	if took := time.Since(begin); took < 200*time.Millisecond {
		t.Errorf("the client gave up after %v, before its 200ms timeout", took)
	}
	waitFor(t, "the hanging call to end", func() bool { return s.Stats().InFlight == 0 })
}

func TestHandlerFreedWhenClientCancels(t *testing.T) {
	api := model.APIConfig{Latency: fixedLatency(time.Hour)}
	s, url := startServer(t, Config{API: api})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/slow", nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitFor(t, "the call to be under way", func() bool { return s.Stats().InFlight == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want context.Canceled", err)
	}
	waitFor(t, "the handler to return", func() bool { return s.Stats().InFlight == 0 })
}

func TestShutdownEndsHangingCalls(t *testing.T) {
	s, err := New(Config{API: outageAPI("timeout")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := s.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(ctx, ""); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v, want ErrStarted", err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + addr.String() + "/x")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitFor(t, "the call to hang", func() bool { return s.Stats().InFlight == 1 })
	begin := time.Now()
	cancel()
	if err := s.Wait(); err != nil {
		t.Errorf("Wait: %v", err)
	}
	if took := time.Since(begin); took >= ShutdownGrace {
		t.Errorf("shutdown took %v: the hanging call held it", took)
	}
	if err := <-errc; err == nil {
		t.Error("the hanging call got an answer")
	}
}

func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":             "127.0.0.1:0",
		":8080":        "127.0.0.1:8080",
		"0.0.0.0:8080": "0.0.0.0:8080",
		"[::1]:0":      "[::1]:0",
		"localhost:80": "localhost:80",
	} {
		if got, err := listenAddr(in); err != nil || got != want {
			t.Errorf("listenAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := listenAddr("8080"); err == nil {
		t.Error("listenAddr(\"8080\"): no error")
	}
}

// fixedLatency is a latency of exactly d.
func fixedLatency(d time.Duration) model.Latency {
	l, err := model.NewLatency(model.LatencyConfig{Dist: "fixed", Value: d})
	if err != nil {
		panic(err)
	}
	return l
}
