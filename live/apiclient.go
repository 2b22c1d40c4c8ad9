package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/throttlelab/throttlelab/model"
)

// apiClient calls the fake API (or the service standing in for it) over HTTP, as the
// workers and direct integrations do. It is the engine's Downstream port: each call runs in
// a goroutine of its own and posts its answer to the loop.
type apiClient struct {
	l      *loop
	ctx    context.Context // ends the calls under way when the run stops
	base   string          // "http://127.0.0.1:PORT"
	call1  string          // what a call POSTs to: base + "/call", or downstream.url exactly
	health string          // health path
	c      *http.Client
	fail   func(error) // the API's failure ends the run
}

func newAPIClient(base, healthPath string) *apiClient {
	base = strings.TrimRight(base, "/")
	return &apiClient{base: base, call1: base + "/call", health: healthPath,
		c: &http.Client{Transport: loadTransport(1024)}}
}

// Call starts one call for key; its answer reaches the engine as CallDone(tag).
func (a *apiClient) Call(tag uint64, key string, timeout time.Duration) {
	go func() {
		rep := a.call(a.ctx, key, timeout)
		a.l.post(func(now time.Duration) { a.l.e.CallDone(now, tag, rep) })
	}()
}

// Health starts a health check; its answer reaches the engine as HealthDone.
func (a *apiClient) Health() {
	go func() {
		ok := a.healthy(a.ctx)
		a.l.post(func(now time.Duration) { a.l.e.HealthDone(now, ok) })
	}()
}

// call makes one API call with the caller's timeout and says how it ended, as the model
// would: the status, a 429's Retry-After, a timeout or a reset, and the latency measured.
func (a *apiClient) call(ctx context.Context, key string, timeout time.Duration) model.Reply {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.call1, nil)
	if err != nil {
		return model.Reply{Outcome: model.CallReset}
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) && a.fail != nil {
			// Nothing listens: the API itself is down, which no emulated outage does (those
			// answer, reset or hang): the harness's backend failed.
			a.fail(fmt.Errorf("the downstream API at %s refuses connections: %w", a.base, err))
		}
		return model.Reply{Outcome: classify(ctx, err), Latency: time.Since(start)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	rep := model.Reply{Status: resp.StatusCode, Latency: time.Since(start)}
	switch {
	case resp.StatusCode/100 == 2:
		rep.Outcome, rep.Admitted = model.CallOK, true
	case resp.StatusCode == http.StatusTooManyRequests:
		rep.Outcome = model.CallThrottled
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			rep.RetryAfter = time.Duration(s) * time.Second
		}
	default:
		// The fake API's own count (its admin endpoint) says which errors its quotas
		// admitted; a caller sees only the error.
		rep.Outcome, rep.Admitted = model.CallError, true
	}
	return rep
}

// classify tells a timeout from a reset.
func classify(ctx context.Context, err error) model.CallOutcome {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return model.CallTimeout
	}
	return model.CallReset
}

// healthy calls the health path.
func (a *apiClient) healthy(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+a.health, nil)
	if err != nil {
		return false
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// reset restarts the fake API's clock and counts, so its outage windows line up with the run.
func (a *apiClient) reset() error {
	resp, err := a.c.Post(a.base+"/_admin/reset", "application/json", nil)
	if err != nil {
		return fmt.Errorf("reset fake api: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("reset fake api: %s", resp.Status)
	}
	return nil
}

// watch probes the API every second (its health path: any answer will do, an emulated outage
// answers too) and reports it failed when it refuses connections or has not answered for
// timeout: a dead or hung fake API container ends the run, named, instead of passing for an
// outage.
func (a *apiClient) watch(ctx context.Context, timeout time.Duration) {
	last := time.Now()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, timeout)
		err := a.probe(pctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			last = time.Now()
		case errors.Is(err, syscall.ECONNREFUSED), time.Since(last) >= timeout:
			a.fail(fmt.Errorf("the downstream API at %s has not answered for %s: GET %s: %w",
				a.base, time.Since(last).Round(time.Second), a.health, err))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probe makes one request of the health path; any HTTP answer is a sign of life.
func (a *apiClient) probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+a.health, nil)
	if err != nil {
		return err
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}
