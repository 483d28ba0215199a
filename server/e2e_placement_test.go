package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
)

// testFinder serves in-process nodes by id; a node marked down is unavailable, as a remote
// node that does not answer.
type testFinder struct {
	mu      sync.Mutex
	clients map[int]node.Client
	down    map[int]bool
}

func (f *testFinder) Client(_ context.Context, n *ent.Node) (node.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[n.ID]
	if !ok || f.down[n.ID] {
		return nil, node.Unavailable(n.ID, errors.New("dial tcp 10.99.0.2:8080: connect: connection refused"))
	}
	return c, nil
}

func (f *testFinder) set(id int, c node.Client, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients[id], f.down[id] = c, down
}

// fakeNode is an in-process node (nodeapi.Service) running the fake docker runtime.
func fakeNode(t *testing.T, id int) *nodeapi.Service {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	runtimes := map[string]rt.Runtime{rt.EnvDocker: fake.New(fake.Options{})}
	m, err := daemon.New(daemon.Options{DataDir: filepath.Join(dir, "node"), Runtimes: runtimes, Logger: log,
		StopTimeout: time.Second, TermTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := nodeapi.New(nodeapi.Options{DataDir: dir, Runtimes: runtimes, Manager: m, Logger: log, NodeID: id})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		svc.Close()
		for _, d := range m.List() {
			_ = m.Delete(context.Background(), d.ID)
		}
		m.Close()
	})
	return svc
}

type placementEnv struct {
	*apitest.Env
	finder *testFinder
	admin  string
	remote int // the second node's id
}

func startPlacement(t *testing.T) *placementEnv {
	t.Helper()
	f := &testFinder{clients: map[int]node.Client{}, down: map[int]bool{}}
	env := apitest.Start(t, apitest.WithNodes(f))
	p := &placementEnv{Env: env, finder: f, admin: env.AdminToken(t)}
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", p.admin, map[string]any{"name": "remote-1", "publicHost": "node1.example.com"})
	var n struct{ Id int }
	r.JSON(t, &n)
	if r.Status != http.StatusCreated || n.Id == 0 {
		t.Fatalf("create node: %d %s", r.Status, r.Body)
	}
	p.remote = n.Id
	f.set(env.LocalNode.ID, fakeNode(t, env.LocalNode.ID), false)
	f.set(p.remote, fakeNode(t, p.remote), false)
	return p
}

// create creates a docker server (memory MiB) and returns the node it went to.
func (p *placementEnv) create(t *testing.T, id string, memory int, nodeID int) int {
	t.Helper()
	body := map[string]any{"name": id, "ownerId": p.AdminID, "startup": "read x", "dockerImage": "busybox",
		"limits": map[string]any{"memory": memory}}
	if nodeID != 0 {
		body["nodeId"] = nodeID
	}
	r := p.DoJSON(t, http.MethodPut, "/api/servers/"+id, p.admin, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
	}
	row, err := p.Store.Client.Server.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return row.NodeID
}

// TestCreatePicksNode: without nodeId a server goes to the answering node with the docker
// environment and the most free memory, the local node first on ties; nodeId is honoured; a
// node that does not answer is skipped.
func TestCreatePicksNode(t *testing.T) {
	p := startPlacement(t)
	local := p.LocalNode.ID
	if got := p.create(t, "PLACE001", 1024, 0); got != local {
		t.Fatalf("tie: server went to node %d, want the local node %d", got, local)
	}
	if got := p.create(t, "PLACE002", 512, 0); got != p.remote {
		t.Fatalf("server went to node %d, want %d (the local node has 1024 MiB of servers)", got, p.remote)
	}
	if got := p.create(t, "PLACE003", 256, 0); got != p.remote {
		t.Fatalf("server went to node %d, want %d (512 MiB used there, 1024 on the local node)", got, p.remote)
	}
	if got := p.create(t, "PLACE004", 256, local); got != local {
		t.Fatalf("nodeId %d: server went to node %d", local, got)
	}
	p.finder.set(p.remote, nil, true)
	if got := p.create(t, "PLACE005", 64, 0); got != local {
		t.Fatalf("with the other node down the server went to node %d", got)
	}
	r := p.DoJSON(t, http.MethodPut, "/api/servers/PLACE006", p.admin, map[string]any{"name": "x", "ownerId": p.AdminID,
		"startup": "read x", "dockerImage": "busybox", "nodeId": p.remote})
	d := r.ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
	if d.Metadata == nil || (*d.Metadata)["nodeId"] != float64(p.remote) {
		t.Errorf("metadata = %v, want nodeId %d", d.Metadata, p.remote)
	}
	if row, _ := p.Store.Client.Server.Get(context.Background(), "PLACE006"); row != nil {
		t.Error("a server was stored for an unavailable node")
	}
}

// TestUnavailableNode: every call for a server on a node that does not answer is 503
// ErrNodeUnavailable with metadata.nodeId; tenants do not see the reason; a definition edit
// is saved (the reconcile pushes it later); DELETE needs skipNode.
func TestUnavailableNode(t *testing.T) {
	p := startPlacement(t)
	tok, uid := p.UserToken(t, "tenant", false, "server.view", "server.status", "server.console", "server.definition.edit", "server.delete")
	r := p.DoJSON(t, http.MethodPut, "/api/servers/DOWN0001", p.admin, map[string]any{"name": "down", "ownerId": uid,
		"startup": "read x", "dockerImage": "busybox", "nodeId": p.remote, "limits": map[string]any{"memory": 128}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	p.finder.set(p.remote, nil, true)

	for _, who := range []struct {
		name, token string
		reason      bool
	}{{"admin", p.admin, true}, {"tenant", tok, false}} {
		d := p.Do(t, http.MethodGet, "/api/servers/DOWN0001/status", who.token, nil, nil).
			ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
		if d.Metadata == nil || (*d.Metadata)["nodeId"] != float64(p.remote) {
			t.Errorf("%s: metadata = %v, want nodeId %d", who.name, d.Metadata, p.remote)
		}
		if got := strings.Contains(d.Msg, "connection refused"); got != who.reason {
			t.Errorf("%s sees the reason: %v (%q)", who.name, got, d.Msg)
		}
	}
	for _, who := range []struct {
		name, token string
		reason      bool
	}{{"admin", p.admin, true}, {"tenant", tok, false}} { // the WebSocket says the same
		se := &sockEnv{Env: p.Env}
		_, resp, err := se.dial(t, "DOWN0001", who.token, nil, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("socket of the %s with the token in the header: %v (%s)", who.name, err, respSummary(resp))
		}
		if body := respSummary(resp); strings.Contains(body, "connection refused") != who.reason {
			t.Errorf("upgrade refusal for the %s: %s", who.name, body)
		}
		ws := se.mustDial(t, "DOWN0001", "")
		ws.send(t, map[string]string{"type": "auth", "token": who.token})
		m := ws.expectError(t, server.CodeNodeUnavailable)
		if msg, _ := m.field("msg").(string); strings.Contains(msg, "connection refused") != who.reason {
			t.Errorf("socket of the %s: %q", who.name, msg)
		}
		ws.expectClose(t, websocket.StatusInternalError)
	}
	var srv struct{ Status string }
	p.Do(t, http.MethodGet, "/api/servers/DOWN0001", tok, nil, nil).JSON(t, &srv)
	if srv.Status != "unknown" {
		t.Errorf("status in the server = %q, want unknown", srv.Status)
	}

	r = p.DoJSON(t, http.MethodPut, "/api/servers/DOWN0001/definition", tok, map[string]any{"name": "renamed"})
	if r.Status != http.StatusNoContent {
		t.Fatalf("definition edit by the tenant on an unavailable node: %d %s", r.Status, r.Body)
	}
	r = p.DoJSON(t, http.MethodPut, "/api/servers/DOWN0001/definition", p.admin, map[string]any{
		"server": map[string]any{"run": map[string]any{"command": "read y"}}})
	if r.Status != http.StatusNoContent {
		t.Fatalf("definition edit by the admin on an unavailable node: %d %s", r.Status, r.Body)
	}
	row, err := p.Store.Client.Server.Get(context.Background(), "DOWN0001")
	if err != nil || row.Name != "renamed" || row.Startup != "read y" {
		t.Fatalf("row after the edit = %+v, %v", row, err)
	}

	p.Do(t, http.MethodDelete, "/api/servers/DOWN0001", p.admin, nil, nil).
		ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
	if _, err := p.Store.Client.Server.Get(context.Background(), "DOWN0001"); err != nil {
		t.Fatalf("the server was deleted although its node is unavailable: %v", err)
	}
	if r := p.Do(t, http.MethodDelete, "/api/servers/DOWN0001?skipNode=true", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete with skipNode: %d %s", r.Status, r.Body)
	}
	if _, err := p.Store.Client.Server.Get(context.Background(), "DOWN0001"); !ent.IsNotFound(err) {
		t.Errorf("after skipNode delete: %v", err)
	}
}
