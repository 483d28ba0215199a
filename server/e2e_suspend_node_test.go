package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node/nodetest"
)

// TestSuspendWhileNodeAway: a server suspended while its node does not answer is suspended
// all the same (204, saved); when the node answers again the reconcile pushes the flag and
// the node stops the running server and refuses to start it, before the panel is asked.
func TestSuspendWhileNodeAway(t *testing.T) {
	p := startRemotePanel(t)
	ctx := context.Background()
	p.nodes.Registry.Poll(ctx)
	p.create(t, "RMTSUS01")
	if r := p.Do(t, http.MethodPost, "/api/servers/RMTSUS01/start", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	p.waitConsole(t, "RMTSUS01", "ready")

	p.daemon.Blackhole.Store(true)
	if r := p.Do(t, http.MethodPost, "/api/servers/RMTSUS01/suspend", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("suspend while the node is away: %d %s", r.Status, r.Body)
	}
	row, err := p.Store.Client.Server.Get(ctx, "RMTSUS01")
	if err != nil || !row.Suspended {
		t.Fatalf("row after suspend: %+v %v", row, err)
	}
	if st, err := p.svc.Status(ctx, "RMTSUS01"); err != nil || st.State != daemonapi.StateRunning {
		t.Fatalf("the node got the suspension while partitioned: %+v %v", st, err)
	}

	p.daemon.Blackhole.Store(false)
	p.nodes.Registry.Poll(ctx) // it answers: reconciled
	deadline := time.Now().Add(nodetest.Timeout)
	for {
		st, err := p.svc.Status(ctx, "RMTSUS01")
		if err == nil && st.State == daemonapi.StateStopped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node never stopped the suspended server: %+v %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.svc.Power(ctx, "RMTSUS01", daemonapi.PowerRequestActionStart); !errors.Is(err, daemon.ErrSuspended) {
		t.Fatalf("the node's own start of the suspended server: %v, want ErrSuspended", err)
	}
	p.Do(t, http.MethodPost, "/api/servers/RMTSUS01/start", p.admin, nil, nil).
		ExpectError(t, http.StatusConflict, server.CodeServerSuspended)
	if r := p.Do(t, http.MethodPost, "/api/servers/RMTSUS01/unsuspend", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("unsuspend: %d %s", r.Status, r.Body)
	}
	if r := p.Do(t, http.MethodPost, "/api/servers/RMTSUS01/start", p.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start after unsuspend: %d %s", r.Status, r.Body)
	}
}

// TestReinstall: reinstall runs the template's install again; wipe (administrators only)
// empties the folder first, without it the files stay; a tenant's body without wipe (or
// none) is accepted; a running server is refused with 409 ErrInvalidState, one without a
// template with 400.
func TestReinstall(t *testing.T) {
	e := startSuspendEnv(t)
	const id = "REINST01"
	// the startup prints the template's ready line: the server turns running on it
	r := e.env.DoJSON(t, http.MethodPut, "/api/servers/"+id, e.admin, map[string]any{"name": "reinstall",
		"ownerId": e.ownerID, "template": "minecraft-java", "startup": "echo 'Done (0.1s)! For help, type help'; read line",
		"limits": limits(256, 1024, 50)})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	sv := &suspendEnv{tenantNode: e.tenantNode, id: id}
	settled := func(st map[string]any) bool { return st["state"] == "stopped" }
	sv.waitState(t, settled)
	file := "/api/servers/" + id + "/file/keep.txt"
	octet := http.Header{"Content-Type": {"application/octet-stream"}}
	if r := e.env.Do(t, http.MethodPut, file, e.owner, strings.NewReader("mine"), octet); r.Status != http.StatusNoContent {
		t.Fatalf("put file: %d %s", r.Status, r.Body)
	}
	send := func(t *testing.T, token, body string) *apitest.Response {
		t.Helper()
		if body == "" {
			return e.env.Do(t, http.MethodPost, "/api/servers/"+id+"/reinstall", token, nil, nil)
		}
		return e.env.Do(t, http.MethodPost, "/api/servers/"+id+"/reinstall", token, strings.NewReader(body), nil)
	}
	reinstall := func(t *testing.T, token, body string) {
		t.Helper()
		if r := send(t, token, body); r.Status != http.StatusNoContent {
			t.Fatalf("reinstall %q: %d %s", body, r.Status, r.Body)
		}
		sv.waitState(t, settled)
	}
	send(t, e.owner, `{"wipe":true}`).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	reinstall(t, e.owner, "")
	reinstall(t, e.owner, "{}")
	reinstall(t, e.admin, `{"wipe":false}`)
	if r := e.env.Do(t, http.MethodGet, file, e.owner, nil, nil); r.Status != http.StatusOK || string(r.Body) != "mine" {
		t.Fatalf("file after reinstalls without wipe: %d %s", r.Status, r.Body)
	}
	reinstall(t, e.admin, `{"wipe":true}`)
	e.env.Do(t, http.MethodGet, file, e.owner, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeFileNotFound)

	sv.call(t, e.owner, "start")
	sv.waitState(t, func(st map[string]any) bool { return st["state"] == "running" })
	send(t, e.admin, "").ExpectError(t, http.StatusConflict, server.CodeInvalidState)
	sv.call(t, e.admin, "kill")

	r = e.env.DoJSON(t, http.MethodPut, "/api/servers/NOTPL001", e.admin, map[string]any{"name": "no template",
		"ownerId": e.ownerID, "dockerImage": "busybox", "startup": "echo hi", "limits": limits(64, 64, 10)})
	if r.Status != http.StatusCreated {
		t.Fatalf("create without template: %d %s", r.Status, r.Body)
	}
	e.env.Do(t, http.MethodPost, "/api/servers/NOTPL001/reinstall", e.admin, nil, nil).
		ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
}
