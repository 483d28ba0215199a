package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server"
)

// TestRemoteNodeDaemonTooOld: a node whose daemon lacks an operation (here power: its real
// handler answers 404 ErrRouteNotFound, after checking the panel's token) makes that call
// answer 503 ErrNodeUnavailable with metadata.nodeId — the reason "node daemon too old for
// power" for administrators, the generic message for tenants — and never 404 "server not
// found"; the node is not marked down: the operations it has keep working.
func TestRemoteNodeDaemonTooOld(t *testing.T) {
	p := startRemotePanel(t)
	ctx := context.Background()
	tenant, tenantID := p.UserToken(t, "oldnodeowner", false, "server.view", "server.status", "server.start")
	r := p.DoJSON(t, http.MethodPut, "/api/servers/OLDNODE1", p.admin, map[string]any{
		"name": "on an old node", "ownerId": tenantID, "nodeId": p.nodeID, "environmentType": "standard",
		"startup": "echo ready; read line", "limits": map[string]any{"memory": 128, "disk": 64}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}

	// The node is now reached through a proxy that makes its daemon one without power.
	target, _ := url.Parse(p.daemon.Server.URL)
	old := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		if strings.HasSuffix(pr.Out.URL.Path, "/power") {
			pr.Out.URL.Path, pr.Out.URL.RawPath = "/v0"+strings.TrimPrefix(pr.Out.URL.Path, "/v1"), ""
		}
	}})
	t.Cleanup(old.Close)
	port, _ := strconv.Atoi(strings.TrimPrefix(old.URL, "http://127.0.0.1:"))
	r = p.DoJSON(t, http.MethodPut, "/api/nodes/"+strconv.Itoa(p.nodeID), p.admin, map[string]any{"privatePort": port})
	if r.Status != http.StatusOK && r.Status != http.StatusNoContent {
		t.Fatalf("move the node: %d %s", r.Status, r.Body)
	}
	p.nodes.Registry.Poll(ctx)

	for _, who := range []struct {
		name, token string
		reason      bool
	}{{"admin", p.admin, true}, {"tenant", tenant, false}} {
		r := p.Do(t, http.MethodPost, "/api/servers/OLDNODE1/start", who.token, nil, nil)
		e := r.ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
		if e.Metadata == nil || (*e.Metadata)["nodeId"] != float64(p.nodeID) {
			t.Errorf("%s: metadata %v, want nodeId %d", who.name, e.Metadata, p.nodeID)
		}
		if got := strings.HasPrefix(e.Msg, "node daemon too old for power"); got != who.reason {
			t.Errorf("%s: message %q (reason shown: %t, want %t)", who.name, e.Msg, got, who.reason)
		}
	}
	// Not marked down: what the daemon has still answers.
	for i := 0; i < 2; i++ {
		if r := p.Do(t, http.MethodGet, "/api/servers/OLDNODE1/status", p.admin, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("status from the old daemon: %d %s", r.Status, r.Body)
		}
		p.Do(t, http.MethodPost, "/api/servers/OLDNODE1/start", p.admin, nil, nil)
	}
}
