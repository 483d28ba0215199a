package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// suspendEnv is a tenant node (real daemon, fake docker runtime) with a server the tenant
// "owner" created itself, and a second tenant "other"; both hold every scope but admin.
type suspendEnv struct {
	*tenantNode
	contract     *server.Contract
	owner, other string
	ownerID      int
	id           string
	createBody   map[string]any
}

func startSuspendEnv(t *testing.T) *suspendEnv {
	t.Helper()
	n := startTenantNode(t, fake.Options{})
	c, err := server.LoadContract(context.Background(), skypanel.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	scopes := slices.DeleteFunc(slices.Clone(c.AllScopes()), func(s string) bool { return !strings.HasPrefix(s, "server.") })
	e := &suspendEnv{tenantNode: n, contract: c, id: "SUSPEND1"}
	e.owner, e.ownerID = n.tenant(t, "owner", scopes...)
	e.other, _ = n.tenant(t, "other", scopes...)
	n.setQuota(t, e.ownerID, map[string]any{"servers": 2, "memory": 1024, "disk": 4096, "cpu": 200, "databases": 1, "backups": 2})
	e.createBody = map[string]any{"name": "suspend me", "ownerId": e.ownerID, "template": "minecraft-java",
		"limits": limits(256, 1024, 50)}
	if r := n.env.DoJSON(t, http.MethodPut, "/api/servers/"+e.id, e.owner, e.createBody); r.Status != http.StatusCreated {
		t.Fatalf("tenant create: %d %s", r.Status, r.Body)
	}
	e.waitState(t, func(st map[string]any) bool { return st["state"] != "installing" })
	return e
}

// status is the server's status as the admin reads it.
func (e *suspendEnv) status(t *testing.T) map[string]any {
	t.Helper()
	r := e.env.Do(t, http.MethodGet, "/api/servers/"+e.id+"/status", e.admin, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status: %d %s", r.Status, r.Body)
	}
	var st map[string]any
	r.JSON(t, &st)
	return st
}

func (e *suspendEnv) waitState(t *testing.T, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	var st map[string]any
	waitFor(t, "server status", func() bool { st = e.status(t); return ok(st) })
	return st
}

// call sends an admin or tenant request (204 expected).
func (e *suspendEnv) call(t *testing.T, token, action string) {
	t.Helper()
	if r := e.env.Do(t, http.MethodPost, "/api/servers/"+e.id+"/"+action, token, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("%s: %d %s", action, r.Status, r.Body)
	}
}

// request is one operation of the walk as a caller sends it.
type request struct {
	path   string
	body   []byte
	header http.Header
}

// requestFor builds a request of op on the env's server that passes the spec's validation:
// path parameters filled in, the body the spec's example (without the fields only
// administrators set, for a tenant); createServer repeats the tenant's own create.
func (e *suspendEnv) requestFor(t *testing.T, op *server.Operation, admin bool) request {
	t.Helper()
	path := strings.NewReplacer("{serverId}", e.id, "{path}", "notes.txt", "{backupId}", "backup-20240115-103000",
		"{databaseId}", "1").Replace(op.Path)
	rq := request{path: path, header: http.Header{}}
	switch {
	case op.WebSocket:
		rq.header.Set("Upgrade", "websocket")
		rq.header.Set("Connection", "Upgrade")
		rq.header.Set("Sec-WebSocket-Version", "13")
		rq.header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		return rq
	case op.Streamed:
		rq.header.Set("Content-Type", "application/octet-stream")
		rq.body = []byte("hello")
		return rq
	case op.ID == "createServer":
		rq.body, _ = json.Marshal(e.createBody)
		return rq
	}
	rb := op.Route.Operation.RequestBody
	if rb == nil || rb.Value == nil || rb.Value.Content.Get("application/json") == nil {
		return rq
	}
	var body map[string]any
	raw, _ := json.Marshal(rb.Value.Content.Get("application/json").Example)
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		t.Fatalf("%s: no JSON example to send (%s)", op.ID, raw)
	}
	if !admin {
		for _, f := range op.AdminFields {
			if !f.Query {
				dropPath(body, f.Path)
			}
		}
	}
	rq.body, _ = json.Marshal(body)
	return rq
}

// dropPath deletes a nested field of a JSON object.
func dropPath(m map[string]any, path []string) {
	for len(path) > 1 {
		next, ok := m[path[0]].(map[string]any)
		if !ok {
			return
		}
		m, path = next, path[1:]
	}
	delete(m, path[0])
}

func (e *suspendEnv) send(t *testing.T, op *server.Operation, token string, rq request) *apitest.Response {
	t.Helper()
	var body *strings.Reader
	if rq.body != nil {
		body = strings.NewReader(string(rq.body))
	}
	if body == nil {
		return e.env.Do(t, op.Method, rq.path, token, nil, rq.header)
	}
	return e.env.Do(t, op.Method, rq.path, token, body, rq.header)
}

func isSuspended(r *apitest.Response) bool {
	if r.Status != http.StatusConflict {
		return false
	}
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	return json.Unmarshal(r.Body, &env) == nil && env.Error.Code == server.CodeServerSuspended
}

func needsAdminScope(op *server.Operation) bool {
	return slices.ContainsFunc(op.Scopes, func(alt []string) bool { return slices.Contains(alt, "admin") })
}

// TestSuspendedOperationsFromSpec walks every operation of openapi.yaml that names a server
// and checks it on a suspended server against its x-suspended mark: the owner (a tenant with
// every scope but admin) gets 409 ErrServerSuspended unless the mark is allow; another tenant
// still gets 404 (no existence oracle); an administrator gets 409 only where the mark is
// deny. A new operation therefore cannot slip past the rule.
func TestSuspendedOperationsFromSpec(t *testing.T) {
	e := startSuspendEnv(t)
	e.call(t, e.admin, "suspend")
	var last *server.Operation // deleteServer: the admin's call goes last
	walked := map[server.SuspendedMode]int{}
	for _, op := range e.contract.Operations() {
		if op.OnServer != strings.Contains(op.Path, "{serverId}") {
			t.Errorf("%s: OnServer = %v for path %s", op.ID, op.OnServer, op.Path)
		}
		if !op.OnServer {
			continue
		}
		walked[op.Suspended]++
		t.Run(op.ID, func(t *testing.T) {
			e.call(t, e.admin, "suspend") // an allowed unsuspend of the previous step is undone
			r := e.send(t, op, e.owner, e.requestFor(t, op, false))
			switch {
			case needsAdminScope(op):
				r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
			case op.Suspended == server.SuspendedAllow && isSuspended(r):
				t.Errorf("owner: %d %s, want it allowed", r.Status, r.Body)
			case op.Suspended != server.SuspendedAllow:
				r.ExpectError(t, http.StatusConflict, server.CodeServerSuspended)
			}
			r = e.send(t, op, e.other, e.requestFor(t, op, false))
			switch {
			case isSuspended(r):
				t.Errorf("other tenant: %d %s: an existence oracle", r.Status, r.Body)
			case !needsAdminScope(op) && op.ID != "createServer":
				r.ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
			}
			e.call(t, e.admin, "suspend")
			switch op.ID {
			case "deleteServer":
				last = op
				return
			case "serverSocket":
				e.adminSocket(t)
				return
			}
			r = e.send(t, op, e.admin, e.requestFor(t, op, true))
			if got, want := isSuspended(r), op.Suspended == server.SuspendedDeny; got != want {
				t.Errorf("admin: %d %s; refused as suspended = %v, want %v", r.Status, r.Body, got, want)
			}
		})
	}
	if walked[server.SuspendedAllow] < 4 || walked[server.SuspendedDeny] < 4 || walked[server.SuspendedAdmin] < 20 {
		t.Errorf("walked %v: the spec's marks were not all read", walked)
	}
	if last == nil {
		t.Fatal("deleteServer was not walked")
	}
	if r := e.send(t, last, e.admin, e.requestFor(t, last, true)); r.Status != http.StatusNoContent {
		t.Errorf("admin deletes the suspended server: %d %s", r.Status, r.Body)
	}
}

// adminSocket: an administrator may open a socket on a suspended server; its status says so.
func (e *suspendEnv) adminSocket(t *testing.T) {
	t.Helper()
	se := &sockEnv{Env: e.env, admin: e.admin}
	ws := se.mustDial(t, e.id, e.admin)
	defer ws.c.CloseNow()
	m := ws.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" })
	if m.field("suspended") != true {
		t.Errorf("admin socket status %s, want suspended: true", m.Data)
	}
}

// TestSuspendIdempotent: suspend and unsuspend answer 204 whether or not the server was in
// that state; the server and its status show the flag; unsuspending does not start it, and
// the owner may start it again afterwards.
func TestSuspendIdempotent(t *testing.T) {
	e := startSuspendEnv(t)
	shows := func(t *testing.T, want bool) {
		t.Helper()
		var s map[string]any
		e.env.Do(t, http.MethodGet, "/api/servers/"+e.id, e.owner, nil, nil).JSON(t, &s)
		if s["suspended"] != want {
			t.Errorf("server suspended = %v, want %v", s["suspended"], want)
		}
		if st := e.status(t); st["suspended"] != want {
			t.Errorf("status suspended = %v, want %v", st["suspended"], want)
		}
		if row := e.row(t, e.id); row.Suspended != want {
			t.Errorf("row suspended = %v, want %v", row.Suspended, want)
		}
	}
	shows(t, false)
	e.call(t, e.admin, "unsuspend")
	shows(t, false)
	for range 2 {
		e.call(t, e.admin, "suspend")
		shows(t, true)
	}
	e.env.Do(t, http.MethodPost, "/api/servers/"+e.id+"/start", e.owner, nil, nil).
		ExpectError(t, http.StatusConflict, server.CodeServerSuspended)
	for range 2 {
		e.call(t, e.admin, "unsuspend")
		shows(t, false)
	}
	if st := e.status(t); st["running"] != false {
		t.Errorf("unsuspend started the server: %v", st)
	}
	e.call(t, e.owner, "start") // the fake runtime's game then runs or ends: either way it started
	e.waitState(t, func(st map[string]any) bool { return st["state"] != "stopped" && st["state"] != "starting" })
}

// TestSuspendNotFound: suspending a missing server, or another user's, is 404; a tenant
// without server.suspend gets 403.
func TestSuspendNotFound(t *testing.T) {
	e := startSuspendEnv(t)
	for _, action := range []string{"suspend", "unsuspend"} {
		e.env.Do(t, http.MethodPost, "/api/servers/NOSUCH01/"+action, e.admin, nil, nil).
			ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
		e.env.Do(t, http.MethodPost, "/api/servers/"+e.id+"/"+action, e.other, nil, nil).
			ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
	}
	weak, _ := e.tenant(t, "weak", "server.view", "server.start")
	e.env.Do(t, http.MethodPost, "/api/servers/"+e.id+"/suspend", weak, nil, nil).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	if e.row(t, e.id).Suspended {
		t.Error("refused suspend changed the row")
	}
}
