package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/server"
)

// TestSuspendClosesSockets: suspending a running server sends every open socket on it
// (tenants' with or without server.status, administrators') a status message with suspended:
// true and closes it with 4009; the node stops the server and nobody may start it.
// Afterwards a tenant's socket is refused (409 before the upgrade with a header token, 4009
// after an auth message) while an administrator may still watch; unsuspending tells the
// administrator's socket and lets the tenant in again.
func TestSuspendClosesSockets(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{})
	full, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	cid, sec := e.NewClient(t, ownerID, "server.view")
	viewOnly := e.Token(t, cid, sec)
	id := e.createServer(t, ownerID)
	e.power(t, id, "start")

	header := e.mustDial(t, id, full)
	defer header.c.CloseNow()
	header.expectStatus(t, "running")
	byMessage := e.mustDial(t, id, "")
	defer byMessage.c.CloseNow()
	byMessage.send(t, map[string]string{"type": "auth", "token": full})
	byMessage.expectStatus(t, "running")
	blind := e.mustDial(t, id, viewOnly) // gets no status messages while open
	defer blind.c.CloseNow()
	admin := e.mustDial(t, id, e.admin)
	defer admin.c.CloseNow()
	admin.expectStatus(t, "running")
	waitFor(t, "four sockets attached", func() bool { return e.App.SocketCount(id) == 4 })

	if r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/suspend", e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	for name, w := range map[string]*wsConn{"header": header, "auth message": byMessage, "view only": blind, "admin": admin} {
		got := w.expectClose(t, 4009)
		if len(got) == 0 || got[len(got)-1].Type != "status" || got[len(got)-1].field("suspended") != true {
			t.Errorf("%s socket: messages before 4009 %v, want a status with suspended: true last", name, got)
		}
	}
	waitFor(t, "the suspended server stopped", func() bool { // the node stops it (daemon: Definition.Suspended)
		var st map[string]any
		e.Do(t, http.MethodGet, "/api/servers/"+id+"/status", e.admin, nil, nil).JSON(t, &st)
		return st["state"] == "stopped" && st["suspended"] == true
	})
	e.Do(t, http.MethodPost, "/api/servers/"+id+"/start", e.admin, nil, nil).
		ExpectError(t, http.StatusConflict, server.CodeServerSuspended)

	_, resp, err := e.dial(t, id, full, nil, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("tenant header socket on a suspended server: %v %s", err, respSummary(resp))
	}
	expectCode(t, resp, server.CodeServerSuspended)
	late := e.mustDial(t, id, "")
	defer late.c.CloseNow()
	late.send(t, map[string]string{"type": "auth", "token": full})
	late.expectClose(t, 4009)

	watcher := e.mustDial(t, id, e.admin)
	defer watcher.c.CloseNow()
	watcher.expect(t, "status suspended", func(m wsMsg) bool { return m.Type == "status" && m.field("suspended") == true })
	if r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/unsuspend", e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("unsuspend: %d %s", r.Status, r.Body)
	}
	watcher.expect(t, "status unsuspended", func(m wsMsg) bool { return m.Type == "status" && m.field("suspended") == false })
	again := e.mustDial(t, id, full)
	defer again.c.CloseNow()
	again.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" && m.field("suspended") == false })
	if err := again.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// TestSuspendedElsewhereClosesSocket: a suspension the panel serving the socket did not make
// (another replica on the same database, simulated by setting the row) reaches the tenant's
// socket at the periodic re-check: the status with suspended: true, then 4009. An
// administrator's socket stays open.
func TestSuspendedElsewhereClosesSocket(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{Revalidate: 50 * time.Millisecond})
	full, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)
	tenant := e.mustDial(t, id, full)
	defer tenant.c.CloseNow()
	tenant.expectStatus(t, "stopped")
	admin := e.mustDial(t, id, e.admin)
	defer admin.c.CloseNow()
	admin.expectStatus(t, "stopped")
	if err := e.Store.Client.Server.UpdateOneID(id).SetSuspended(true).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := tenant.expectClose(t, 4009)
	if len(got) == 0 || got[len(got)-1].Type != "status" || got[len(got)-1].field("suspended") != true {
		t.Errorf("messages before 4009 %v, want a status with suspended: true last", got)
	}
	waitFor(t, "the tenant's socket detached", func() bool { return e.App.SocketCount(id) == 1 })
	admin.command(t, "hello") // still served: the node answers that the server does not run
	admin.expectError(t, server.CodeServerNotRunning)
}

// expectCode checks the envelope's code of a refused upgrade.
func expectCode(t *testing.T, resp *http.Response, code string) {
	t.Helper()
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &env); err != nil || env.Error.Code != code {
		t.Errorf("body %s, want code %s", b, code)
	}
}
