package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// expectLimited asserts a 429 envelope with Retry-After and the X-RateLimit headers.
func expectLimited(t *testing.T, r *apitest.Response, limit int) {
	t.Helper()
	r.ExpectError(t, http.StatusTooManyRequests, server.CodeRateLimited)
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 3600 {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	checkRateHeaders(t, r, limit, 0)
}

func checkRateHeaders(t *testing.T, r *apitest.Response, limit, remaining int) {
	t.Helper()
	h := r.Header
	if h.Get("X-RateLimit-Limit") != strconv.Itoa(limit) || h.Get("X-RateLimit-Remaining") != strconv.Itoa(remaining) {
		t.Errorf("X-RateLimit-Limit %q Remaining %q, want %d %d", h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), limit, remaining)
	}
	reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	now := time.Now().Unix()
	if err != nil || reset < now || reset > now+3601 {
		t.Errorf("X-RateLimit-Reset = %q (now %d)", h.Get("X-RateLimit-Reset"), now)
	}
}

func TestRateLimits(t *testing.T) {
	const perClient, perIP = 5, 3
	env := apitest.Start(t, apitest.WithRateLimits(perClient, perIP, time.Hour))
	uid := env.NewUser(t, "limited", false, []string{"nodes.view"})
	idA, secretA := env.NewClient(t, uid, "nodes.view")
	idB, secretB := env.NewClient(t, uid, "nodes.view")
	tokA := env.Token(t, idA, secretA) // unauthenticated request 1 of this IP
	tokB := env.Token(t, idB, secretB) // 2

	t.Run("per client", func(t *testing.T) {
		for i := range perClient {
			r := env.Do(t, http.MethodGet, "/api/nodes", tokA, nil, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
			}
			checkRateHeaders(t, r, perClient, perClient-i-1)
		}
		expectLimited(t, env.Do(t, http.MethodGet, "/api/nodes", tokA, nil, nil), perClient)
		// any operation, even one the scope check would refuse, is counted and refused
		expectLimited(t, env.Do(t, http.MethodGet, "/api/settings", tokA, nil, nil), perClient)
	})
	t.Run("another client is unaffected", func(t *testing.T) {
		r := env.Do(t, http.MethodGet, "/api/nodes", tokB, nil, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("client B: %d %s", r.Status, r.Body)
		}
		checkRateHeaders(t, r, perClient, perClient-1)
	})
	t.Run("per IP when unauthenticated", func(t *testing.T) {
		r := env.Do(t, http.MethodGet, "/api/nodes", "", nil, nil) // 3: the last one allowed
		r.ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
		checkRateHeaders(t, r, perIP, 0)
		expectLimited(t, env.Do(t, http.MethodGet, "/api/nodes", "", nil, nil), perIP)
		expectLimited(t, env.Do(t, http.MethodGet, "/api/nodes", "not-a-token", nil, nil), perIP)
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {idB}, "client_secret": {secretB}}
		r = env.Do(t, http.MethodPost, "/oauth2/token", "", strings.NewReader(form.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		expectLimited(t, r, perIP) // the token endpoint is limited per IP too, with the envelope
	})
	t.Run("clients keep working when the IP is exhausted", func(t *testing.T) {
		if r := env.Do(t, http.MethodGet, "/api/nodes", tokB, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("client B: %d %s", r.Status, r.Body)
		}
	})
}
