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

	"github.com/throttlelab/throttlelab/metrics"
)

// apiClient calls the fake API over HTTP, as the workers and direct integrations do.
type apiClient struct {
	base   string // "http://127.0.0.1:PORT"
	health string // health path
	c      *http.Client
}

func newAPIClient(base, healthPath string) *apiClient {
	return &apiClient{base: strings.TrimRight(base, "/"), health: healthPath,
		c: &http.Client{Transport: keepAliveTransport(1024)}}
}

// callResult is how one call ended, as its caller saw it.
type callResult struct {
	result     metrics.Call
	status     int
	retryAfter time.Duration
	latency    time.Duration
}

// admitted guesses whether the API's quotas admitted the call: a 2xx or an error after
// admission. The fake API's own count (its admin endpoint) is what the summary reports.
func (c callResult) admitted() bool { return c.result == metrics.CallOK || c.result == metrics.Call5xx }

// call makes one API call with the caller's timeout.
func (a *apiClient) call(ctx context.Context, key string, timeout time.Duration) callResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/call", nil)
	if err != nil {
		return callResult{result: metrics.CallReset}
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return callResult{result: classify(ctx, err), latency: time.Since(start)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	res := callResult{status: resp.StatusCode, latency: time.Since(start)}
	switch {
	case resp.StatusCode/100 == 2:
		res.result = metrics.CallOK
	case resp.StatusCode == http.StatusTooManyRequests:
		res.result = metrics.Call429
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			res.retryAfter = time.Duration(s) * time.Second
		}
	default:
		res.result = metrics.Call5xx
	}
	return res
}

// classify tells a timeout from a reset.
func classify(ctx context.Context, err error) metrics.Call {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return metrics.CallTimeout
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return metrics.CallReset
	}
	return metrics.CallReset
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
