package scenarios

import (
	"strings"
	"testing"
)

func TestDownstreamURL(t *testing.T) {
	base := "name: u\nduration: 1s\nclients:\n  - name: a\n    arrival: {shape: constant, rate: 10/s}\ndownstream:\n"
	for _, tt := range []struct{ url, err string }{
		{"http://127.0.0.1:8080", ""},
		{"https://api.example.invalid/v1/call", ""}, // validation looks nothing up
		{"127.0.0.1:8080", "want an http:// or https:// URL"},
		{"ftp://127.0.0.1/", "want an http:// or https:// URL"},
		{"http:///call", "no host"},
		{"http://127.0.0.1:8080/#x", "a fragment"},
		{"http://[::1", "is not a URL"},
	} {
		_, err := LoadBytes("u.yaml", []byte(base+"  url: \""+tt.url+"\"\n"))
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("url %q: %v", tt.url, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), "u.yaml:7: downstream.url:") || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("url %q: error %v, want u.yaml:7: downstream.url: …%s", tt.url, err, tt.err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for u, want := range map[string]bool{
		"http://127.0.0.1:8080/": true, "http://127.1.2.3": true, "http://[::1]:80/x": true,
		"http://localhost:9000": true, "http://LOCALHOST.": true,
		"http://10.0.0.1": false, "https://api.example.invalid": false, "http://[::]:80": false,
		"http://0.0.0.0": false, "http://localhost.example.invalid": false,
	} {
		if got := IsLoopback(u); got != want {
			t.Errorf("IsLoopback(%q) = %v", u, got)
		}
	}
}
