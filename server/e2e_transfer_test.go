package server_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TransferServer's checks answer before anything moves.
func TestTransferRequestChecks(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	id := env.NewServerRow(t, env.AdminID, env.LocalNode.ID, "mover")
	path := "/api/servers/" + id + "/transfer"
	var remote struct{ Id int64 }
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{"name": "remote-1", "publicHost": "r1.example.com"})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("create node: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &remote)

	d := env.DoJSON(t, http.MethodPost, path, admin, map[string]any{"nodeId": env.LocalNode.ID}).
		ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	if d.Metadata == nil || (*d.Metadata)["field"] != "nodeId" {
		t.Errorf("own node: metadata %v; want field nodeId", d.Metadata)
	}
	env.DoJSON(t, http.MethodPost, path, admin, map[string]any{"nodeId": 424242}).
		ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	env.DoJSON(t, http.MethodPost, "/api/servers/NOSUCH/transfer", admin, map[string]any{"nodeId": remote.Id}).
		ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
	// the remote node has no daemon: 503
	d = env.DoJSON(t, http.MethodPost, path, admin, map[string]any{"nodeId": remote.Id}).
		ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
	if d.Metadata == nil || (*d.Metadata)["nodeId"] != float64(remote.Id) {
		t.Errorf("unavailable target: metadata %v; want nodeId %d", d.Metadata, remote.Id)
	}
	// the server's port is taken on the target: 409
	s, err := env.Store.Client.Server.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Store.Client.Server.Create().SetName("squatter").SetOwnerID(env.AdminID).SetNodeID(int(remote.Id)).
		SetPort(s.Port).Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	env.DoJSON(t, http.MethodPost, path, admin, map[string]any{"nodeId": remote.Id}).
		ExpectError(t, http.StatusConflict, server.CodeConflict)
	// administrators only
	tok, _ := env.UserToken(t, "tenant", false, "server.create", "server.power", "server.files")
	if r := env.DoJSON(t, http.MethodPost, path, tok, map[string]any{"nodeId": remote.Id}); r.Status != http.StatusForbidden {
		t.Fatalf("tenant transfer: %d %s; want 403", r.Status, r.Body)
	}
	if got, _ := env.Store.Client.Server.Get(context.Background(), id); got.NodeID != env.LocalNode.ID {
		t.Fatalf("refused transfers moved the server to node %d", got.NodeID)
	}
}

// While a server is transferred, everything that would change it answers 409 ErrServerBusy;
// reads still answer; other servers are not affected; callers who cannot see the server get
// its 404.
func TestTransferBusy(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	id := env.NewServerRow(t, env.AdminID, env.LocalNode.ID, "moving")
	release, ok := env.App.HoldTransfer(id)
	if !ok {
		t.Fatal("hold")
	}
	base := "/api/servers/" + id
	busy := []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/start", nil}, {http.MethodPost, "/stop", nil}, {http.MethodPost, "/restart", nil},
		{http.MethodPost, "/kill", nil}, {http.MethodPost, "/install", nil}, {http.MethodDelete, "", nil},
		{http.MethodPost, "/backup/create", nil}, {http.MethodPost, "/backup/restore/backup-20260101-000000", nil},
		{http.MethodDelete, "/backup/backup-20260101-000000", nil},
		{http.MethodPut, "/definition", map[string]any{"name": "renamed"}},
		{http.MethodPost, "/transfer", map[string]any{"nodeId": 424242}},
		{http.MethodPut, "", map[string]any{"name": "again", "ownerId": env.AdminID, "environmentType": "standard", "startup": "x"}},
	}
	for _, c := range busy {
		env.DoJSON(t, c.method, base+c.path, admin, c.body).ExpectError(t, http.StatusConflict, server.CodeServerBusy)
	}
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	env.Do(t, http.MethodPut, base+"/file/new.txt", admin, bytes.NewReader([]byte("x")), h).
		ExpectError(t, http.StatusConflict, server.CodeServerBusy)
	if r := env.Do(t, http.MethodGet, base, admin, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("get a server in transfer: %d %s", r.Status, r.Body)
	}
	// a tenant who does not own it learns nothing
	tok, _ := env.UserToken(t, "tenant", false, "server.start")
	env.Do(t, http.MethodPost, base+"/start", tok, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
	// another server is not busy
	other := env.NewServerRow(t, env.AdminID, env.LocalNode.ID, "staying")
	if r := env.DoJSON(t, http.MethodPut, "/api/servers/"+other+"/definition", admin, map[string]any{"name": "renamed"}); r.Status == http.StatusConflict {
		t.Fatalf("another server is busy: %s", r.Body)
	}
	release()
	env.App.CloseTransfers(context.Background())
	if r := env.DoJSON(t, http.MethodPut, base+"/definition", admin, map[string]any{"name": "renamed"}); r.Status == http.StatusConflict {
		t.Fatalf("still busy after the transfer: %s", r.Body)
	}
}
