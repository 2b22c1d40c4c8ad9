package live

import (
	"net/http"
	"strings"
	"testing"
)

// The gateway's address may be chosen, on loopback only: a live run's load stays on this
// machine.
func TestServeCountingAddress(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:80", "example.com:80", "127.0.0.1"} {
		if _, _, err := serveCounting(addr, http.NotFoundHandler(), nil); err == nil {
			t.Errorf("%q: no error, want a refusal", addr)
		}
	}
	url, stop, err := serveCounting("127.0.0.1:0", http.NotFoundHandler(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Errorf("url %s, want 127.0.0.1 and the port taken", url)
	}
}
