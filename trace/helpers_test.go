package trace

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// vegetaGob encodes n vegeta results a millisecond apart, as `vegeta attack` writes them.
func vegetaGob(t testing.TB, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := vegeta.NewEncoder(&b)
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for i := range n {
		r := vegeta.Result{Attack: "acme", Seq: uint64(i), Code: 200, Timestamp: t0.Add(time.Duration(i) * time.Millisecond),
			Latency: time.Millisecond, Method: "POST", URL: "http://127.0.0.1:8080/orders", Headers: http.Header{}}
		if err := enc.Encode(&r); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}
