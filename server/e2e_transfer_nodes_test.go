package server_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
)

// twoNodes finds the local node's Service and, for every other node, a second Service (a
// second machine, in process).
type twoNodes struct {
	local, other node.Client
}

func (f *twoNodes) Client(_ context.Context, n *ent.Node) (node.Client, error) {
	if n.Local {
		return f.local, nil
	}
	return f.other, nil
}

// A running server with files and a backup moves through the panel's API to another node:
// 202 at once, the server's node switches, its files and backup are served from the new node,
// it runs there again, the old node has nothing left, and the console tells what happened.
func TestTransferBetweenNodes(t *testing.T) {
	opts := daemon.Options{StopTimeout: 2 * time.Second, TermTimeout: 2 * time.Second}
	a, b := apitest.StartNode(t, opts), apitest.StartNode(t, opts)
	t.Cleanup(a.Local.Close)
	t.Cleanup(b.Local.Close)
	env := apitest.Start(t, apitest.WithNodes(&twoNodes{local: a.Local, other: b.Local}))
	admin := env.AdminToken(t)
	var remote struct{ Id int64 }
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{"name": "second", "publicHost": "second.example.com"})
	r.JSON(t, &remote)
	const id = "XFER0001"
	r = env.DoJSON(t, http.MethodPut, "/api/servers/"+id, admin, map[string]any{
		"name": "mover", "ownerId": env.AdminID, "environmentType": "standard", "nodeId": env.LocalNode.ID,
		"startup":       `echo ready; while read l; do [ "$l" = stop ] && exit 0; echo "got:$l"; done`,
		"featureLimits": map[string]any{"databases": 0, "backups": 2},
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("create server: %d %s", r.Status, r.Body)
	}
	base := "/api/servers/" + id
	if r := env.Do(t, http.MethodPut, base+"/file/world/level.dat", admin, strings.NewReader("LEVELDATA"),
		http.Header{"Content-Type": {"application/octet-stream"}}); r.Status != http.StatusNoContent {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	r = env.Do(t, http.MethodPost, base+"/backup/create", admin, nil, nil)
	var bk api.BackupCreated
	r.JSON(t, &bk)
	xferWait(t, "the backup", func() bool {
		r := env.Do(t, http.MethodGet, base+"/backup", admin, nil, nil)
		return strings.Contains(string(r.Body), `"state":"done"`)
	})
	if r := env.Do(t, http.MethodPost, base+"/start", admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	xferWait(t, "running on the first node", func() bool { return serverState(t, env, admin, id) == "running" })

	if r := env.DoJSON(t, http.MethodPost, base+"/transfer", admin, map[string]any{"nodeId": remote.Id}); r.Status != http.StatusAccepted {
		t.Fatalf("transfer: %d %s", r.Status, r.Body)
	}
	xferWait(t, "the switch", func() bool {
		s, err := env.Store.Client.Server.Get(context.Background(), id)
		return err == nil && s.NodeID == int(remote.Id)
	})
	xferWait(t, "running on the second node", func() bool { return serverState(t, env, admin, id) == "running" })
	if err := env.App.CloseTransfers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := env.Do(t, http.MethodGet, base+"/file/world/level.dat", admin, nil, nil); r.Status != http.StatusOK || string(r.Body) != "LEVELDATA" {
		t.Fatalf("file after the transfer: %d %q", r.Status, r.Body)
	}
	r = env.Do(t, http.MethodGet, base+"/backup", admin, nil, nil)
	if !strings.Contains(string(r.Body), bk.Id) {
		t.Fatalf("backups after the transfer: %s", r.Body)
	}
	if _, err := a.Manager.Get(id); err == nil {
		t.Fatal("the first node still has the server")
	}
	r = env.Do(t, http.MethodGet, base+"/console", admin, nil, nil)
	if !strings.Contains(string(r.Body), "Transfer from node "+strconv.Itoa(env.LocalNode.ID)+" done") {
		t.Fatalf("console after the transfer: %s", r.Body)
	}
}

func serverState(t *testing.T, env *apitest.Env, token, id string) string {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/servers/"+id+"/status", token, nil, nil)
	var st api.ServerStatus
	if r.Status != http.StatusOK {
		return ""
	}
	r.JSON(t, &st)
	return string(st.State)
}

// xferWait polls cond; the deadline only turns a hang into a failure.
func xferWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A target that cannot run the server's environment is refused before anything moves.
func TestTransferTargetWithoutEnvironment(t *testing.T) {
	a := apitest.StartNode(t, daemon.Options{StopTimeout: 2 * time.Second})
	t.Cleanup(a.Local.Close)
	bare, err := nodeapi.New(nodeapi.Options{DataDir: t.TempDir(), Runtimes: map[string]rt.Runtime{}})
	if err != nil {
		t.Fatal(err)
	}
	env := apitest.Start(t, apitest.WithNodes(&twoNodes{local: a.Local, other: bare}))
	admin := env.AdminToken(t)
	var remote struct{ Id int64 }
	env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{"name": "bare", "publicHost": "bare.example.com"}).JSON(t, &remote)
	id := env.NewServerRow(t, env.AdminID, env.LocalNode.ID, "std")
	if _, err := env.Store.Client.Server.UpdateOneID(id).SetEnvironmentType("standard").Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := env.DoJSON(t, http.MethodPost, "/api/servers/"+id+"/transfer", admin, map[string]any{"nodeId": remote.Id}).
		ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	if !strings.Contains(d.Msg, "cannot run standard servers") {
		t.Fatalf("message %q", d.Msg)
	}
}

// A WebSocket watching the server sees the transfer on its console: started, the bytes sent
// and done, before the copy it follows is deleted.
func TestTransferProgressOnSocket(t *testing.T) {
	opts := daemon.Options{StopTimeout: 2 * time.Second, TermTimeout: 2 * time.Second}
	a, b := apitest.StartNode(t, opts), apitest.StartNode(t, opts)
	t.Cleanup(a.Local.Close)
	t.Cleanup(b.Local.Close)
	env := apitest.Start(t, apitest.WithNodes(&twoNodes{local: a.Local, other: b.Local}))
	t.Cleanup(func() { _ = env.App.CloseSockets(context.Background()) })
	e := &sockEnv{Env: env, node: a, admin: env.AdminToken(t)}
	var remote struct{ Id int64 }
	env.DoJSON(t, http.MethodPost, "/api/nodes", e.admin, map[string]any{"name": "second", "publicHost": "s.example.com"}).JSON(t, &remote)
	id := e.createServer(t, env.AdminID)
	w := e.mustDial(t, id, e.admin)
	if r := env.DoJSON(t, http.MethodPost, "/api/servers/"+id+"/transfer", e.admin, map[string]any{"nodeId": remote.Id}); r.Status != http.StatusAccepted {
		t.Fatalf("transfer: %d %s", r.Status, r.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	var seen []string
	for want := []string{"Transfer to node", "started", "Transfer: ", " sent ", "done; the server is on node"}; ; {
		m, err := w.next(ctx)
		if err != nil {
			t.Fatalf("socket ended before the transfer's lines (%v); console lines: %q", err, seen)
		}
		if m.Type != "console" {
			continue
		}
		seen = append(seen, m.text())
		all := strings.Join(seen, "\n")
		missing := false
		for _, s := range want {
			missing = missing || !strings.Contains(all, s)
		}
		if !missing {
			break
		}
	}
	// then the socket is told to reconnect: the server lives on the other node now
	for {
		if _, err := w.next(ctx); err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusServiceRestart {
				t.Fatalf("socket ended with %v (code %d); want 1012 (moved: reconnect)", err, code)
			}
			break
		}
	}
	if err := env.App.CloseTransfers(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// reconcilingTarget runs a reconcile of its node right before the import starts (the node
// checked in meanwhile): the reconcile must leave the server being transferred alone.
type reconcilingTarget struct {
	*nodeapi.Service
	reconcile func(ctx context.Context) error
}

func (r reconcilingTarget) Import(ctx context.Context, id string, body io.Reader, sha string) (daemonapi.ImportResult, error) {
	if err := r.reconcile(ctx); err != nil {
		return daemonapi.ImportResult{}, err
	}
	return r.Service.Import(ctx, id, body, sha)
}

func TestTransferSurvivesReconcile(t *testing.T) {
	opts := daemon.Options{StopTimeout: 2 * time.Second}
	a, b := apitest.StartNode(t, opts), apitest.StartNode(t, opts)
	t.Cleanup(a.Local.Close)
	t.Cleanup(b.Local.Close)
	nodes := &twoNodes{local: a.Local}
	env := apitest.Start(t, apitest.WithNodes(nodes))
	admin := env.AdminToken(t)
	var remote struct{ Id int64 }
	env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{"name": "second", "publicHost": "s.example.com"}).JSON(t, &remote)
	nodes.other = reconcilingTarget{b.Local, func(ctx context.Context) error {
		return env.App.ReconcileNode(ctx, int(remote.Id), b.Local)
	}}
	const id = "RECON001"
	if r := env.DoJSON(t, http.MethodPut, "/api/servers/"+id, admin, map[string]any{
		"name": "reconciled", "ownerId": env.AdminID, "environmentType": "standard", "nodeId": env.LocalNode.ID, "startup": "cat",
	}); r.Status != http.StatusCreated {
		t.Fatalf("create server: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, http.MethodPut, "/api/servers/"+id+"/file/keep.txt", admin, strings.NewReader("kept"),
		http.Header{"Content-Type": {"application/octet-stream"}}); r.Status != http.StatusNoContent {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	if r := env.DoJSON(t, http.MethodPost, "/api/servers/"+id+"/transfer", admin, map[string]any{"nodeId": remote.Id}); r.Status != http.StatusAccepted {
		t.Fatalf("transfer: %d %s", r.Status, r.Body)
	}
	xferWait(t, "the transfer", func() bool { return !env.App.TransferRunning(id) })
	if s, err := env.Store.Client.Server.Get(context.Background(), id); err != nil || s.NodeID != int(remote.Id) {
		t.Fatalf("the transfer failed (a reconcile during the import broke it?): %+v, %v", s, err)
	}
	if r := env.Do(t, http.MethodGet, "/api/servers/"+id+"/file/keep.txt", admin, nil, nil); string(r.Body) != "kept" {
		t.Fatalf("file after the transfer: %d %q", r.Status, r.Body)
	}
}
