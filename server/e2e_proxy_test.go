package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// unauthenticated sends GET /api/self without a token (counted by the per-IP limit) with an
// X-Forwarded-For header.
func unauthenticated(t *testing.T, env *apitest.Env, xff string) *apitest.Response {
	t.Helper()
	return env.Do(t, http.MethodGet, "/api/self", "", nil, http.Header{"X-Forwarded-For": {xff}})
}

// TestTrustedProxyRateLimit: the per-IP limit counts the socket address unless the peer is a
// trusted proxy; then each forwarded client has its own bucket.
func TestTrustedProxyRateLimit(t *testing.T) {
	const perIP = 2
	t.Run("untrusted peer cannot escape by spoofing", func(t *testing.T) {
		env := apitest.Start(t, apitest.WithRateLimits(1000, perIP, time.Hour),
			apitest.WithConfig(func(c *server.Config) { c.TrustedProxies = []string{"10.0.0.0/8"} }))
		for i, xff := range []string{"198.51.100.1", "198.51.100.2"} { // both count for 127.0.0.1
			r := unauthenticated(t, env, xff)
			r.ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
			checkRateHeaders(t, r, perIP, perIP-i-1)
		}
		expectLimited(t, unauthenticated(t, env, "198.51.100.3"), perIP)
	})
	t.Run("trusted proxy: one bucket per forwarded client", func(t *testing.T) {
		env := apitest.Start(t, apitest.WithRateLimits(1000, perIP, time.Hour),
			apitest.WithConfig(func(c *server.Config) { c.TrustedProxies = []string{"127.0.0.0/8", "::1"} }))
		for _, client := range []string{"198.51.100.1", "198.51.100.2"} {
			for i := range perIP {
				r := unauthenticated(t, env, "6.6.6.6, "+client) // the left part is the client's own claim
				r.ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
				checkRateHeaders(t, r, perIP, perIP-i-1)
			}
			expectLimited(t, unauthenticated(t, env, client), perIP)
			expectLimited(t, unauthenticated(t, env, "7.7.7.7, "+client), perIP)
		}
	})
}

// TestTrustedProxyConfig: a malformed --trusted-proxy is refused when the panel is built.
func TestTrustedProxyConfig(t *testing.T) {
	cfg := server.Default()
	cfg.TrustedProxies = []string{"10.0.0.0/33"}
	_, err := server.New(context.Background(), server.Deps{Config: cfg})
	if err == nil {
		t.Fatal("server.New accepted a malformed trusted proxy")
	}
}
