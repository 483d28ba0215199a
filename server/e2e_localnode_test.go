package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestLocalNodeWithoutDaemon: the panel opened without NodeConfig.Start has a local node whose
// daemon is not running; every call for a server on it is 503 ErrNodeUnavailable naming the
// local node in metadata.nodeId, with the reason for the administrator only.
func TestLocalNodeWithoutDaemon(t *testing.T) {
	env := apitest.Start(t) // the embedded local node, no NodeConfig.Start
	admin := env.AdminToken(t)
	tok, uid := env.UserToken(t, "tenant", false, "server.view", "server.status", "server.start", "server.files.view")
	id := env.NewServerRow(t, uid, env.LocalNode.ID, "nodaemon")
	calls := []struct{ method, path string }{
		{http.MethodGet, "/api/servers/" + id + "/status"},
		{http.MethodPost, "/api/servers/" + id + "/start"},
		{http.MethodGet, "/api/servers/" + id + "/file/"},
	}
	for _, c := range calls {
		for _, who := range []struct {
			name, token string
			reason      bool
		}{{"admin", admin, true}, {"tenant", tok, false}} {
			d := env.Do(t, c.method, c.path, who.token, nil, nil).ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
			if d.Metadata == nil || (*d.Metadata)["nodeId"] != float64(env.LocalNode.ID) {
				t.Errorf("%s %s by the %s: metadata = %v, want nodeId %d", c.method, c.path, who.name, d.Metadata, env.LocalNode.ID)
			}
			if got := strings.Contains(d.Msg, "daemon is not running"); got != who.reason {
				t.Errorf("%s %s: the %s sees the reason: %v (%q)", c.method, c.path, who.name, got, d.Msg)
			}
		}
	}
}
