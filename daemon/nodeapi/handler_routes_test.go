package nodeapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// TestHandlerUnknownRoutes: with a valid token, a path daemon.yaml does not have is 404
// ErrRouteNotFound and a known path with an undeclared method is 405 ErrMethodNotAllowed with
// the declared methods in Allow; no operation of the node runs. Every response is validated
// against daemon.yaml (specTransport).
func TestHandlerUnknownRoutes(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S", Name: "kept"}
	cases := []struct {
		name, method, path string
		status             int
		code, allow        string
	}{
		{"unknown top-level path", "GET", "/v1/nothing", 404, "ErrRouteNotFound", ""},
		{"unknown version", "GET", "/v2/health", 404, "ErrRouteNotFound", ""},
		{"root", "GET", "/", 404, "ErrRouteNotFound", ""},
		{"trailing slash", "GET", "/v1/health/", 404, "ErrRouteNotFound", ""},
		{"unknown sub-resource", "POST", "/v1/servers/S/explode", 404, "ErrRouteNotFound", ""},
		{"too deep", "GET", "/v1/servers/S/backups/B/archive/more", 404, "ErrRouteNotFound", ""},
		{"empty server id", "PUT", "/v1/servers//power", 404, "ErrRouteNotFound", ""},
		{"POST on a GET operation", "POST", "/v1/health", 405, "ErrMethodNotAllowed", "GET"},
		{"GET on a server (PUT and DELETE only)", "GET", "/v1/servers/S", 405, "ErrMethodNotAllowed", "DELETE, PUT"},
		{"PATCH a server", "PATCH", "/v1/servers/S", 405, "ErrMethodNotAllowed", "DELETE, PUT"},
		{"DELETE the server list", "DELETE", "/v1/servers", 405, "ErrMethodNotAllowed", "GET, POST"},
		{"GET power", "GET", "/v1/servers/S/power", 405, "ErrMethodNotAllowed", "POST"},
		{"POST files", "POST", "/v1/servers/S/files", 405, "ErrMethodNotAllowed", "DELETE, GET, PUT"},
		{"OPTIONS", "OPTIONS", "/v1/servers", 405, "ErrMethodNotAllowed", "GET, POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := d.do(t, tc.method, tc.path, strings.NewReader(`{}`), map[string]string{"Content-Type": "application/json"})
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if got := envelope(t, resp); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
	// HEAD is not declared either: 405 (no body), never the GET operation.
	resp := d.do(t, http.MethodHead, "/v1/health", nil, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
		t.Errorf("HEAD /v1/health: %d Allow %q, want 405 GET", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if len(d.node.servers) != 1 || d.node.servers["S"].Name != "kept" || len(d.node.power) != 0 || len(d.node.files) != 0 {
		t.Errorf("a refused route reached the node: servers %v power %v files %v", d.node.servers, d.node.power, d.node.files)
	}
	// The declared methods still work on the same paths.
	if r := d.do(t, "GET", "/v1/health", nil, nil); r.StatusCode != http.StatusOK {
		t.Errorf("GET /v1/health: %d", r.StatusCode)
	} else {
		r.Body.Close()
	}
}

// TestHandlerRoutesNeedToken: without a valid token an unknown route, a wrong method and a
// real operation all get the same 401: nothing is learnt about routes.
func TestHandlerRoutesNeedToken(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	raw := &http.Client{Transport: specTransport{t: t}}
	other := d.panel.mint(t, time.Now(), tokenSpec{aud: []string{Audience(2)}})
	for _, auth := range []string{"", "Bearer " + other} {
		for _, rq := range [][2]string{{"GET", "/v1/nothing"}, {"POST", "/v1/health"}, {"GET", "/v1/servers/S"}, {"GET", "/v1/health"}} {
			req, _ := http.NewRequest(rq[0], d.srv.URL+rq[1], nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := raw.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Allow") != "" || envelope(t, resp) != "ErrUnauthorized" {
				t.Errorf("%s %s (auth %t): %d Allow %q, want 401 without Allow", rq[0], rq[1], auth != "",
					resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	}
}

// TestOperationOf: the operationId of a request, or "METHOD path" for none.
func TestOperationOf(t *testing.T) {
	for _, c := range []struct{ method, path, want string }{
		{"PUT", "/v1/servers/S1", "updateServer"},
		{"GET", "/v1/servers/S1/backups/B/archive", "downloadBackup"},
		{"GET", "/v1/health", "getHealth"},
		{"POST", "/v1/health", "POST /v1/health"},
		{"GET", "/v9/x", "GET /v9/x"},
	} {
		if got := OperationOf(c.method, c.path); got != c.want {
			t.Errorf("OperationOf(%s %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
}
