package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server/apitest"
)

func health(t *testing.T, r *apitest.Response, status int, want api.HealthStatus) api.Health {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var h api.Health
	r.JSON(t, &h)
	if h.Status != want {
		t.Fatalf("status %q, want %q (%s)", h.Status, want, r.Body)
	}
	return h
}

func TestHealthzReadyz(t *testing.T) {
	env := apitest.Start(t)
	t.Run("healthz", func(t *testing.T) {
		health(t, env.Do(t, http.MethodGet, "/healthz", "", nil, nil), http.StatusOK, api.HealthStatusOk)
	})
	t.Run("readyz", func(t *testing.T) {
		h := health(t, env.Do(t, http.MethodGet, "/readyz", "", nil, nil), http.StatusOK, api.HealthStatusOk)
		if h.Checks["database"] != "ok" {
			t.Errorf("checks %v: want database ok", h.Checks)
		}
		// the test panel's local node has no daemon: nothing to check
		if _, ok := h.Checks["localNode"]; ok {
			t.Errorf("checks %v: a local node without a daemon is not checked", h.Checks)
		}
	})
}

// TestHealthNotRateLimited: probes pass however low the per-IP limit, and do not use it up.
func TestHealthNotRateLimited(t *testing.T) {
	const perIP = 1
	env := apitest.Start(t, apitest.WithRateLimits(1<<20, perIP, time.Hour))
	for range 5 {
		for _, p := range []string{"/healthz", "/readyz"} {
			r := env.Do(t, http.MethodGet, p, "", nil, nil)
			health(t, r, http.StatusOK, api.HealthStatusOk)
			if v := r.Header.Get("X-RateLimit-Limit"); v != "" {
				t.Errorf("%s carries X-RateLimit-Limit %q", p, v)
			}
		}
	}
	if r := env.Do(t, http.MethodGet, "/api/openapi.json", "", nil, nil); r.Status != http.StatusOK {
		t.Fatalf("first counted request: %d, want 200 (probes must not use the limit)", r.Status)
	}
	expectLimited(t, env.Do(t, http.MethodGet, "/api/openapi.json", "", nil, nil), perIP)
}

// TestReadyzDatabaseClosed: a database that does not answer makes /readyz 503 naming the
// check, while /healthz stays 200.
func TestReadyzDatabaseClosed(t *testing.T) {
	env := apitest.Start(t)
	if err := env.Store.DB.Close(); err != nil {
		t.Fatalf("close database: %v", err)
	}
	h := health(t, env.Do(t, http.MethodGet, "/readyz", "", nil, nil), http.StatusServiceUnavailable, api.HealthStatusUnavailable)
	if msg, ok := h.Checks["database"]; !ok || msg == "ok" || msg == "" {
		t.Errorf("checks %v: want the database check failed with a reason", h.Checks)
	}
	health(t, env.Do(t, http.MethodGet, "/healthz", "", nil, nil), http.StatusOK, api.HealthStatusOk)
}
