package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/node/nodetest"
	"github.com/skypanel/skypanel/server/store"
)

// TestJWKSVerifiesPanelTokens: the public key set the panel serves lets a node's real
// Verifier accept tokens the panel's signer (loaded from the same database) mints.
func TestJWKSVerifiesPanelTokens(t *testing.T) {
	env := apitest.Start(t)
	r := env.Do(t, http.MethodGet, "/.well-known/jwks.json", "", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("jwks: %d %s", r.Status, r.Body)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	r.JSON(t, &set)
	if len(set.Keys) != 1 || set.Keys[0]["kty"] != "OKP" || set.Keys[0]["crv"] != "Ed25519" || set.Keys[0]["d"] != "" {
		t.Fatalf("key set %v", set.Keys)
	}
	sealer, err := store.NewSealer(env.Store.Keys.Seal)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := node.LoadSigner(context.Background(), env.Store.Client, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if signer.KeyID() != set.Keys[0]["kid"] {
		t.Fatalf("served kid %q, signer's %q", set.Keys[0]["kid"], signer.KeyID())
	}
	v, err := nodeapi.NewVerifier(nodeapi.VerifierOptions{JWKSURL: env.URL + "/.well-known/jwks.json", NodeID: 4})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := signer.Token(4)
	if err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("a panel token was refused with the served key set: %v", err)
	}
	other, _ := signer.Token(5)
	if err := v.Verify(context.Background(), other); !errors.Is(err, nodeapi.ErrUnauthorized) {
		t.Fatalf("node 5's token on node 4: %v", err)
	}
}

// checkins records the check-ins the handler passes on.
type checkins struct {
	node.LocalOnly
	got []string
}

func (c *checkins) CheckIn(_ context.Context, nodeID int, bootID string) {
	c.got = append(c.got, strconv.Itoa(nodeID)+"/"+bootID)
}

func TestNodeCheckinOnlyByTheNodesOwnClient(t *testing.T) {
	rec := &checkins{}
	env := apitest.Start(t, apitest.WithNodes(rec))
	admin := env.AdminToken(t)
	ids := make([]int64, 2)
	toks := make([]string, 2)
	for i := range ids {
		r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{
			"name": "remote-" + strconv.Itoa(i), "publicHost": "127.0.0.1", "privateHost": "127.0.0.1"})
		var n api.Node
		r.JSON(t, &n)
		if r.Status != http.StatusCreated {
			t.Fatalf("create node: %d %s", r.Status, r.Body)
		}
		ids[i] = n.Id
		var d api.NodeDeployment
		env.Do(t, http.MethodGet, "/api/nodes/"+strconv.FormatInt(n.Id, 10)+"/deployment", admin, nil, nil).JSON(t, &d)
		toks[i] = env.Token(t, d.ClientId, d.ClientSecret)
	}
	path := func(i int) string { return "/api/nodes/" + strconv.FormatInt(ids[i], 10) + "/checkin" }
	body := map[string]any{"bootId": "boot-a", "version": "test"}

	if r := env.DoJSON(t, http.MethodPost, path(0), toks[0], body); r.Status != http.StatusNoContent {
		t.Fatalf("own check-in: %d %s", r.Status, r.Body)
	}
	env.DoJSON(t, http.MethodPost, path(1), toks[0], body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.DoJSON(t, http.MethodPost, path(0), admin, body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.DoJSON(t, http.MethodPost, path(0), toks[0], map[string]any{"bootId": ""}).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	want := strconv.FormatInt(ids[0], 10) + "/boot-a"
	if len(rec.got) != 1 || rec.got[0] != want {
		t.Fatalf("check-ins passed on: %v, want [%s]", rec.got, want)
	}
}

// lateFinder is a Finder whose Registry is set once the panel (and so its database) runs.
type lateFinder struct{ reg atomic.Pointer[node.Registry] }

func (l *lateFinder) Client(ctx context.Context, n *ent.Node) (node.Client, error) {
	r := l.reg.Load()
	if r == nil {
		return nil, node.Unavailable(n.ID, errors.New("no registry yet"))
	}
	return r.Client(ctx, n)
}

func (l *lateFinder) CheckIn(ctx context.Context, nodeID int, bootID string) {
	if r := l.reg.Load(); r != nil {
		r.CheckIn(ctx, nodeID, bootID)
	}
}

// remotePanel is a panel with one remote node: a real daemon handler (fake runtime) on
// loopback verifying the panel's own JWKS, reached through the panel's Registry.
type remotePanel struct {
	*apitest.Env
	admin  string
	nodeID int
	daemon *nodetest.Daemon
	svc    *nodeapi.Service
	nodes  *server.RemoteNodes
}

func startRemotePanel(t *testing.T) *remotePanel {
	t.Helper()
	lf := &lateFinder{}
	env := apitest.Start(t, apitest.WithNodes(lf), apitest.WithConfig(func(c *server.Config) { c.NodeInsecureHTTP = true }))
	p := &remotePanel{Env: env, admin: env.AdminToken(t)}
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", p.admin, map[string]any{
		"name": "remote", "publicHost": "127.0.0.1", "privateHost": "127.0.0.1", "privatePort": 1})
	var n api.Node
	r.JSON(t, &n)
	if r.Status != http.StatusCreated {
		t.Fatalf("create node: %d %s", r.Status, r.Body)
	}
	p.nodeID = int(n.Id)
	p.svc = nodetest.NewService(t, p.nodeID)
	p.daemon = nodetest.ServePanel(t, p.svc, p.nodeID, nodetest.NewSigner(t), env.URL+"/.well-known/jwks.json")
	_, port := p.daemon.HostPort()
	r = env.DoJSON(t, http.MethodPut, "/api/nodes/"+strconv.Itoa(p.nodeID), p.admin, map[string]any{"privatePort": port})
	if r.Status != http.StatusOK && r.Status != http.StatusNoContent {
		t.Fatalf("update node: %d %s", r.Status, r.Body)
	}
	var err error
	p.nodes, err = server.OpenNodes(context.Background(), env.Store, env.Config, nil, nodetest.Logger(t, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.nodes.Close)
	lf.reg.Store(p.nodes.Registry)
	return p
}

// onNode lists the server ids the node has.
func (p *remotePanel) onNode(t *testing.T) []string {
	t.Helper()
	list, err := p.svc.ListServers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.Id)
	}
	return ids
}

func (p *remotePanel) create(t *testing.T, id string) {
	t.Helper()
	r := p.DoJSON(t, http.MethodPut, "/api/servers/"+id, p.admin, map[string]any{
		"name": "remote " + id, "ownerId": p.AdminID, "nodeId": p.nodeID, "environmentType": "standard",
		"startup": "echo ready; read line", "limits": map[string]any{"memory": 128, "disk": 64}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
	}
}

// waitConsole polls the panel's console of id until a line equal to want appears.
func (p *remotePanel) waitConsole(t *testing.T, id, want string) {
	t.Helper()
	deadline := time.Now().Add(nodetest.Timeout)
	for {
		var out api.ConsoleLogs
		r := p.Do(t, http.MethodGet, "/api/servers/"+id+"/console", p.admin, nil, nil)
		r.JSON(t, &out)
		if r.Status == http.StatusOK && slices.Contains(out.Logs, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("console of %s never showed %q: %d %s", id, want, r.Status, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRemoteNodeEndToEnd: servers on a remote node through the panel's API; a partitioned
// node answers 503 ErrNodeUnavailable naming it; edits and deletes made meanwhile reach the
// node when it answers again (the reconcile).
func TestRemoteNodeEndToEnd(t *testing.T) {
	p := startRemotePanel(t)
	ctx := context.Background()
	p.nodes.Registry.Poll(ctx)
	p.create(t, "RMT00001")
	p.create(t, "RMT00002")
	if got := p.onNode(t); !slices.Equal(got, []string{"RMT00001", "RMT00002"}) {
		t.Fatalf("servers on the node: %v", got)
	}
	if r := p.Do(t, http.MethodPost, "/api/servers/RMT00001/start", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	p.waitConsole(t, "RMT00001", "ready")

	p.daemon.Blackhole.Store(true) // partitioned: accepts, never answers
	for _, path := range []string{"/api/servers/RMT00001/status", "/api/servers/RMT00002/console"} {
		r := p.Do(t, http.MethodGet, path, p.admin, nil, nil)
		e := r.ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
		if e.Metadata == nil || (*e.Metadata)["nodeId"] != float64(p.nodeID) {
			t.Fatalf("%s: metadata %v, want nodeId %d", path, e.Metadata, p.nodeID)
		}
	}
	r := p.DoJSON(t, http.MethodPut, "/api/servers/RMT00002/definition", p.admin,
		map[string]any{"server": map[string]any{"run": map[string]any{"command": "echo v2; read line"}}})
	if r.Status != http.StatusNoContent {
		t.Fatalf("edit while the node is away: %d %s", r.Status, r.Body)
	}
	if r := p.Do(t, http.MethodDelete, "/api/servers/RMT00001?skipNode=true", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete while the node is away: %d %s", r.Status, r.Body)
	}

	p.daemon.Blackhole.Store(false)
	p.nodes.Registry.Poll(ctx) // it answers: reconciled
	deadline := time.Now().Add(nodetest.Timeout)
	for !slices.Equal(p.onNode(t), []string{"RMT00002"}) {
		if time.Now().After(deadline) {
			t.Fatalf("the server deleted while the node was away is still there: %v", p.onNode(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := p.Do(t, http.MethodPost, "/api/servers/RMT00002/start", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start after the reconcile: %d %s", r.Status, r.Body)
	}
	p.waitConsole(t, "RMT00002", "v2") // the edit made while the node was away
}

// TestRemoteNodeCheckinAfterRestart: a daemon that comes back with a new bootId and without
// its servers checks in; the panel reconciles it at once and creates its servers again.
func TestRemoteNodeCheckinAfterRestart(t *testing.T) {
	p := startRemotePanel(t)
	ctx := context.Background()
	p.nodes.Registry.Poll(ctx)
	p.create(t, "RMT00003")
	fresh := nodetest.NewService(t, p.nodeID) // lost its data folder
	p.daemon.Replace(t, fresh)
	p.svc = fresh
	h, err := fresh.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var d api.NodeDeployment
	p.Do(t, http.MethodGet, "/api/nodes/"+strconv.Itoa(p.nodeID)+"/deployment", p.admin, nil, nil).JSON(t, &d)
	tok := p.Token(t, d.ClientId, d.ClientSecret)
	r := p.DoJSON(t, http.MethodPost, "/api/nodes/"+strconv.Itoa(p.nodeID)+"/checkin", tok, map[string]any{"bootId": h.BootId})
	if r.Status != http.StatusNoContent {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	deadline := time.Now().Add(nodetest.Timeout)
	for !slices.Equal(p.onNode(t), []string{"RMT00003"}) {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted node did not get its server back: %v", p.onNode(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReconcilerHolds: a server a transfer holds is neither deleted from a node the database
// does not place it on nor pushed; released, the next reconcile removes it.
func TestReconcilerHolds(t *testing.T) {
	env := apitest.Start(t)
	ctx := context.Background()
	n, err := env.Store.Client.Node.Create().SetName("target").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc := nodetest.NewService(t, n.ID)
	if err := svc.CreateServer(ctx, nodetest.Def("MOVING01")); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateServer(ctx, nodetest.Def("MOVING02")); err != nil {
		t.Fatal(err)
	}
	rec := server.NewReconciler(env.Store.Client, nil)
	release := rec.Hold("MOVING01")
	release2 := rec.Hold("MOVING02")
	if err := rec.Reconcile(ctx, n.ID, svc); err != nil {
		t.Fatal(err)
	}
	if l, _ := svc.ListServers(ctx); len(l) != 2 {
		t.Fatalf("a held server was removed: %v", l)
	}
	release()
	release() // twice is harmless
	release2()
	if err := rec.Reconcile(ctx, n.ID, svc); err != nil {
		t.Fatal(err)
	}
	if l, _ := svc.ListServers(ctx); len(l) != 0 {
		t.Fatalf("a server the database does not place on the node is still there: %v", l)
	}
}

// TestNodeDeploymentCommand: the deployment answer carries a command line that a POSIX shell
// splits into exactly the daemon's arguments, quoting included.
func TestNodeDeploymentCommand(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	master := "https://panel.example.com/it's&more"
	if r := env.DoJSON(t, http.MethodPut, "/api/settings", admin, map[string]any{"masterUrl": master}); r.Status >= 300 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{
		"name": "v6", "publicHost": "node.example.com", "privateHost": "::1", "privatePort": 8443}) // an IPv6 address (loopback: tests dial nothing else)
	var n api.Node
	r.JSON(t, &n)
	var d api.NodeDeployment
	env.Do(t, http.MethodGet, "/api/nodes/"+strconv.FormatInt(n.Id, 10)+"/deployment", admin, nil, nil).JSON(t, &d)
	if d.Command == nil || !strings.HasPrefix(*d.Command, "skypanel daemon ") {
		t.Fatalf("command = %v", d.Command)
	}
	// the shell prints each word the command line splits into on its own line
	out, err := exec.Command("/bin/sh", "-c", "printf '%s\\n' "+strings.TrimPrefix(*d.Command, "skypanel ")).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"daemon", "--panel", master, "--client-id", d.ClientId, "--client-secret", d.ClientSecret,
		"--listen", "[::1]:8443", "--data", "/var/lib/skypanel"}
	if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); !slices.Equal(got, want) {
		t.Fatalf("the shell reads %q\nwant %q", got, want)
	}
}
