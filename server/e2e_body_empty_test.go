package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestEmptyJSONObjectBody: the documentation's Node.js client posts `{}` to start and stop,
// which take no body; exactly that JSON object is accepted as no body, anything else is 415.
func TestEmptyJSONObjectBody(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		code              string
	}{
		{"empty object", "{}", "application/json", http.StatusNotFound, server.CodeServerNotFound},
		{"empty object, vendor type", "{}", "application/vnd.aether.v1+json", http.StatusNotFound, server.CodeServerNotFound},
		{"other object", `{"a":1}`, "application/json", http.StatusUnsupportedMediaType, server.CodeUnsupportedMediaType},
		{"two other bytes", "[]", "application/json", http.StatusUnsupportedMediaType, server.CodeUnsupportedMediaType},
		{"empty object as text", "{}", "text/plain", http.StatusUnsupportedMediaType, server.CodeUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, http.MethodPost, "/api/servers/NOSUCH01/start", admin, strings.NewReader(tc.body),
				http.Header{"Content-Type": {tc.ctype}})
			r.ExpectError(t, tc.status, tc.code)
		})
	}
}
