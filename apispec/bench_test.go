package apispec

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkDaemonMiddleware: the validator's cost per request in front of a handler that
// does nothing, on daemon.yaml: a JSON body (read, bounded, validated) and a streamed upload
// (media type only).
func BenchmarkDaemonMiddleware(b *testing.B) {
	spec, err := loadDaemonSpec()
	if err != nil {
		b.Fatal(err)
	}
	h := NewValidator(spec, ValidatorOptions{Codes: daemonCodes}).Middleware(
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for _, c := range []struct{ name, method, path, ctype, body string }{
		{"json power", "POST", "/v1/servers/s1/power", "application/json", `{"action":"start"}`},
		{"streamed upload", "PUT", "/v1/servers/s1/files?path=a.txt", "application/octet-stream", "0123456789"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
				r.Header.Set("Content-Type", c.ctype)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusNoContent {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
