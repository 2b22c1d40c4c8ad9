package scenarios

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// CheckServiceURL checks a URL that a live run sends requests to (downstream.url, run's
// --target): absolute http or https with a host, no fragment. It looks nothing up.
func CheckServiceURL(raw string) error {
	if !strings.HasPrefix(raw, "http://") && !strings.HasPrefix(raw, "https://") {
		return fmt.Errorf("%q: want an http:// or https:// URL", raw)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %v", raw, unwrapURLError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: want an http:// or https:// URL", raw)
	case u.Hostname() == "":
		return fmt.Errorf("%q: no host", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%q: a fragment (#…) is never sent; leave it out", raw)
	}
	return nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// IsLoopback reports whether the URL's host is a loopback address (127.0.0.0/8, ::1) or
// "localhost", without a DNS lookup: any other name is not, whatever it resolves to.
func IsLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
