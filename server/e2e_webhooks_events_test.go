package server_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/node/nodetest"
	"github.com/skypanel/skypanel/server/webhook"
)

// hookScript quits on "quit" (the template's stop command) and crashes on "crash".
const hookScript = `while read l; do case "$l" in quit) exit 0;; crash) exit 3;; esac; done`

// hookTemplate is a standard template whose install writes a file, or fails (a move of a
// file that does not exist).
func hookTemplate(name string, fail bool) map[string]any {
	step := map[string]any{"type": "writefile", "target": "hello.txt", "text": "hi"}
	if fail {
		step = map[string]any{"type": "move", "source": "missing.txt", "target": "x.txt"}
	}
	return map[string]any{"name": name, "display": name, "type": "generic", "supportedVersions": []string{},
		"environments": []string{"standard"}, "install": []map[string]any{step},
		"run": map[string]any{"command": hookScript, "stop": "quit", "stopTimeout": 5}, "variables": map[string]any{}}
}

// waitState polls a server's status through the API until it is state.
func waitState(t *testing.T, env *apitest.Env, token, id, state string) {
	t.Helper()
	deadline := time.Now().Add(hookWaitLimit)
	for {
		r := env.Do(t, http.MethodGet, "/api/servers/"+id+"/status", token, nil, nil)
		var st struct{ State string }
		r.JSON(t, &st)
		if st.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached %s: %d %s", id, state, r.Status, r.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWebhooksServerLifecycle: every server and backup event reaches a "*" endpoint exactly
// once per occurrence, with the server (and its state) in the payload.
func TestWebhooksServerLifecycle(t *testing.T) {
	node := apitest.StartNode(t, daemon.Options{StopTimeout: 5 * time.Second, TermTimeout: 2 * time.Second})
	env := apitest.Start(t, apitest.WithNodes(node.Registry()), apitest.WithConfig(fastHooks))
	t.Cleanup(node.Local.Close)
	admin := env.AdminToken(t)
	rc := newReceiver(t)
	h, s := createHook(t, env, admin, rc.srv.URL, "*")
	rc.setSecret(s)
	for _, tpl := range []map[string]any{hookTemplate("hookok", false), hookTemplate("hookbad", true)} {
		if r := env.DoJSON(t, http.MethodPost, "/api/templates", admin, tpl); r.Status != http.StatusCreated {
			t.Fatalf("template: %d %s", r.Status, r.Body)
		}
	}
	do := func(method, path string, body any, want int) {
		t.Helper()
		if r := env.DoJSON(t, method, path, admin, body); r.Status != want {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
	}
	create := func(id string, body map[string]any) {
		t.Helper()
		body["name"], body["ownerId"], body["environmentType"] = "hook "+id, env.AdminID, "standard"
		do(http.MethodPut, "/api/servers/"+id, body, http.StatusCreated)
	}
	create("hka", map[string]any{"template": "hookok", "featureLimits": map[string]any{"backups": 1, "databases": 0}})
	waitState(t, env, admin, "hka", "stopped") // installed
	create("hkb", map[string]any{"template": "hookbad"})
	waitState(t, env, admin, "hkb", "install_failed")
	create("hkc", map[string]any{"startup": hookScript, "limits": map[string]any{"disk": 1},
		"featureLimits": map[string]any{"backups": 1, "databases": 0}})

	do(http.MethodPost, "/api/servers/hka/start", nil, http.StatusNoContent)
	waitState(t, env, admin, "hka", "running")
	do(http.MethodPost, "/api/servers/hka/stop", nil, http.StatusNoContent)
	waitState(t, env, admin, "hka", "stopped")
	do(http.MethodPost, "/api/servers/hkc/start", nil, http.StatusNoContent)
	waitState(t, env, admin, "hkc", "running")
	do(http.MethodPost, "/api/servers/hkc/console", map[string]any{"command": "crash"}, http.StatusNoContent)
	waitState(t, env, admin, "hkc", "crashed")
	do(http.MethodPost, "/api/servers/hka/backup/create", nil, http.StatusCreated)
	rc.waitFor(t, "backup.completed", func(got []received) bool { return events(got)[webhook.BackupCompleted] == 1 })
	// a volume over its disk limit (written behind the node's back) fails its backup
	if err := os.WriteFile(filepath.Join(node.Dir, "node", "volumes", "hkc", "big.bin"), make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	do(http.MethodPost, "/api/servers/hkc/backup/create", nil, http.StatusCreated)
	rc.waitFor(t, "backup.failed", func(got []received) bool { return events(got)[webhook.BackupFailed] == 1 })
	do(http.MethodPost, "/api/servers/hka/suspend", nil, http.StatusNoContent)
	do(http.MethodPost, "/api/servers/hka/suspend", nil, http.StatusNoContent) // already suspended: no event
	for _, id := range []string{"hka", "hkb", "hkc"} {
		do(http.MethodDelete, "/api/servers/"+id, nil, http.StatusNoContent)
	}
	createUserAPI(t, env, admin, "lifecycle")

	want := map[string]int{webhook.ServerCreated: 3, webhook.ServerInstalled: 1, webhook.ServerInstallFailed: 1,
		webhook.ServerStarted: 2, webhook.ServerStopped: 1, webhook.ServerCrashed: 1, webhook.BackupCompleted: 1,
		webhook.BackupFailed: 1, webhook.ServerSuspended: 1, webhook.ServerDeleted: 3, webhook.UserCreated: 1}
	total := 0
	for _, n := range want {
		total += n
	}
	waitDeliveries(t, env, admin, h.Id, strconv.Itoa(total)+" deliveries", allDelivered(total))
	got := rc.all()
	ev := events(got)
	for e, n := range want {
		if ev[e] != n {
			t.Errorf("%s: %d deliveries, want %d (all: %v)", e, ev[e], n, ev)
		}
	}
	if len(got) != total {
		t.Errorf("%d requests for %d deliveries: %v", len(got), total, ev)
	}
	for _, g := range got {
		d, e := g.Payload.Data, string(g.Payload.Event)
		switch e {
		case webhook.ServerInstalled, webhook.ServerStopped:
			checkServer(t, g, "hka", "stopped")
		case webhook.ServerStarted:
			if d.Server == nil || (d.Server.Id != "hka" && d.Server.Id != "hkc") {
				t.Errorf("%s: %s", e, g.Body)
			}
		case webhook.ServerInstallFailed:
			checkServer(t, g, "hkb", "install_failed")
			if d.Error == nil || *d.Error == "" {
				t.Errorf("install_failed without its message: %s", g.Body)
			}
		case webhook.ServerCrashed:
			checkServer(t, g, "hkc", "crashed")
		case webhook.BackupCompleted:
			if d.Server == nil || d.Server.Id != "hka" || d.Backup == nil || d.Backup.Size == nil || *d.Backup.Size <= 0 {
				t.Errorf("backup.completed: %s", g.Body)
			}
		case webhook.BackupFailed:
			if d.Server == nil || d.Server.Id != "hkc" || d.Backup == nil || d.Error == nil || !strings.Contains(*d.Error, "disk limit") {
				t.Errorf("backup.failed: %s", g.Body)
			}
		case webhook.ServerSuspended:
			checkServer(t, g, "hka", "")
		}
	}
}

func checkServer(t *testing.T, g received, id, state string) {
	t.Helper()
	s := g.Payload.Data.Server
	if s == nil || s.Id != id || (state != "" && (s.State == nil || string(*s.State) != state)) || s.NodeId == 0 {
		t.Errorf("%s: %s, want server %s in state %q", g.Payload.Event, g.Body, id, state)
	}
}

// TestWebhooksNodeEvents: a remote node that stops answering is node.offline once (however
// many polls fail), node.online once when it answers again; its first contact is neither.
func TestWebhooksNodeEvents(t *testing.T) {
	env := apitest.Start(t, apitest.WithConfig(func(c *server.Config) { fastHooks(c); c.NodeInsecureHTTP = true }))
	admin := env.AdminToken(t)
	rc := newReceiver(t)
	h, s := createHook(t, env, admin, rc.srv.URL, "node.offline", "node.online")
	rc.setSecret(s)
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{
		"name": "far", "publicHost": "127.0.0.1", "privateHost": "127.0.0.1", "privatePort": 1})
	var n api.Node
	r.JSON(t, &n)
	if r.Status != http.StatusCreated {
		t.Fatalf("create node: %d %s", r.Status, r.Body)
	}
	id := int(n.Id)
	svc := nodetest.NewService(t, id)
	d := nodetest.ServePanel(t, svc, id, nodetest.NewSigner(t), env.URL+"/.well-known/jwks.json")
	_, port := d.HostPort()
	if r := env.DoJSON(t, http.MethodPut, "/api/nodes/"+strconv.Itoa(id), admin, map[string]any{"privatePort": port}); r.Status != http.StatusOK && r.Status != http.StatusNoContent {
		t.Fatalf("update node: %d %s", r.Status, r.Body)
	}
	reg, ok := env.Panel.Nodes.(*node.Registry)
	if !ok {
		t.Fatalf("the panel's finder is a %T", env.Panel.Nodes)
	}
	ctx := context.Background()
	if err := reg.PollNode(ctx, id); err != nil {
		t.Fatalf("first contact: %v", err)
	}
	d.Blackhole.Store(true)
	for range 2 {
		if err := reg.PollNode(ctx, id); err == nil {
			t.Fatal("a blackholed node answered")
		}
	}
	rc.waitFor(t, "node.offline", func(got []received) bool { return len(got) == 1 })
	d.Blackhole.Store(false)
	if err := reg.PollNode(ctx, id); err != nil {
		t.Fatalf("back: %v", err)
	}
	waitDeliveries(t, env, admin, h.Id, "offline and online", allDelivered(2))
	got := rc.all()
	if len(got) != 2 || got[0].Payload.Event != api.WebhookEventTypeNodeOffline || got[1].Payload.Event != api.WebhookEventTypeNodeOnline {
		t.Fatalf("node events: %v", events(got))
	}
	for _, g := range got {
		if nd := g.Payload.Data.Node; nd == nil || nd.Id != int64(id) || nd.Name != "far" {
			t.Errorf("node data: %s", g.Body)
		}
	}
	if e := got[0].Payload.Data.Error; e == nil || *e == "" {
		t.Errorf("node.offline without its cause: %s", got[0].Body)
	}
}
