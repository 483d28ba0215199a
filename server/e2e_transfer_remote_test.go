package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node/nodetest"
)

// A server with a file and a backup moves from the embedded local node to a remote node (the
// panel's Remote over HTTP with its signed tokens, the daemon's Handler verifying them) and
// back: the archive streams through the panel both ways (the remote's export with its
// trailer), the server runs again after each move and the remote node's console gets the
// panel's notices.
func TestTransferLocalRemoteAndBack(t *testing.T) {
	lf := &lateFinder{}
	env := apitest.Start(t, apitest.WithNodes(lf), apitest.WithConfig(func(c *server.Config) { c.NodeInsecureHTTP = true }))
	admin := env.AdminToken(t)
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{
		"name": "remote", "publicHost": "127.0.0.1", "privateHost": "127.0.0.1", "privatePort": 1})
	var n api.Node
	r.JSON(t, &n)
	remoteID := int(n.Id)
	remote := nodetest.NewService(t, remoteID)
	daemon := nodetest.ServePanel(t, remote, remoteID, nodetest.NewSigner(t), env.URL+"/.well-known/jwks.json")
	_, port := daemon.HostPort()
	env.DoJSON(t, http.MethodPut, "/api/nodes/"+strconv.Itoa(remoteID), admin, map[string]any{"privatePort": port})
	local := nodetest.NewService(t, env.LocalNode.ID)
	nodes, err := server.OpenNodes(context.Background(), env.Store, env.Config, local, nodetest.Logger(t, slog.LevelWarn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nodes.Close)
	lf.reg.Store(nodes.Registry)
	nodes.Registry.Poll(context.Background())

	const id = "RTX00001"
	base := "/api/servers/" + id
	r = env.DoJSON(t, http.MethodPut, base, admin, map[string]any{
		"name": "traveller", "ownerId": env.AdminID, "nodeId": env.LocalNode.ID, "environmentType": "standard",
		"startup": "echo ready; read line", "limits": map[string]any{"memory": 128, "disk": 64},
		"featureLimits": map[string]any{"databases": 0, "backups": 2}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, http.MethodPut, base+"/file/world/level.dat", admin, strings.NewReader("LEVELDATA"),
		http.Header{"Content-Type": {"application/octet-stream"}}); r.Status != http.StatusNoContent {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var bk api.BackupCreated
	env.Do(t, http.MethodPost, base+"/backup/create", admin, nil, nil).JSON(t, &bk)
	xferWait(t, "the backup", func() bool {
		return strings.Contains(string(env.Do(t, http.MethodGet, base+"/backup", admin, nil, nil).Body), `"state":"done"`)
	})
	if r := env.Do(t, http.MethodPost, base+"/start", admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	xferWait(t, "running", func() bool { return serverState(t, env, admin, id) == "running" })

	for _, to := range []int{remoteID, env.LocalNode.ID} {
		if r := env.DoJSON(t, http.MethodPost, base+"/transfer", admin, map[string]any{"nodeId": to}); r.Status != http.StatusAccepted {
			t.Fatalf("transfer to %d: %d %s", to, r.Status, r.Body)
		}
		xferWait(t, "the transfer", func() bool { return !env.App.TransferRunning(id) })
		if s, err := env.Store.Client.Server.Get(context.Background(), id); err != nil || s.NodeID != to {
			t.Fatalf("after the transfer to %d the server is on %+v (%v)", to, s, err)
		}
		xferWait(t, "running after the move", func() bool { return serverState(t, env, admin, id) == "running" })
		if r := env.Do(t, http.MethodGet, base+"/file/world/level.dat", admin, nil, nil); string(r.Body) != "LEVELDATA" {
			t.Fatalf("file on node %d: %d %q", to, r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodGet, base+"/backup", admin, nil, nil); !strings.Contains(string(r.Body), bk.Id) {
			t.Fatalf("backups on node %d: %s", to, r.Body)
		}
	}
	page, err := remote.Console(context.Background(), id, 0)
	if err == nil {
		t.Fatalf("the remote node still has the server after it moved back: %v", page.Lines)
	}
	r = env.Do(t, http.MethodGet, base+"/console", admin, nil, nil)
	if !strings.Contains(string(r.Body), "Transfer from node "+strconv.Itoa(remoteID)+" done") {
		t.Fatalf("local console after coming back: %s", r.Body)
	}
}
