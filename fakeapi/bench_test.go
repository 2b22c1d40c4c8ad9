package fakeapi

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkFakeAPI measures calls per second through a real loopback socket with keep-alive,
// with no quotas and no latency: the cost of the HTTP hop and the model's mutex.
func BenchmarkFakeAPI(b *testing.B) {
	_, url := startServer(b, Config{})
	url += "/bench"
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer c.CloseIdleConnections()
	b.SetParallelism(4)
	b.ResetTimer()
	begin := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(begin).Seconds(), "calls/s")
}
