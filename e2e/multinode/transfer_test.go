package multinode

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
)

// TestTransfer: a running server on node a with a file and a finished backup moves to node b
// (POST transfer, 202): its node switches, it runs again on b (its process in b's namespace),
// the file and the backup (same id, same sha256, archive intact) come through the panel from b,
// nothing is left on a, and the progress shows on its WebSocket.
func TestTransfer(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.nodes[0], cl.nodes[1]
	def := cl.createBody(a, echoLoop)
	def.FeatureLimits = &api.FeatureLimits{Backups: 2}
	id := "tr-" + cl.run
	created, err := cl.c.CreateServerWithResponse(context.Background(), id, def)
	if err != nil || created.StatusCode() != http.StatusCreated {
		t.Fatalf("PUT /api/servers/%s: %v %s", id, err, body(created))
	}
	s := &server{cl: cl, id: id, node: a}
	data := make([]byte, 1<<20+7)
	_, _ = rand.Read(data)
	path := "/api/servers/" + id + "/file/data/save.bin"
	octet := http.Header{"Content-Type": {"application/octet-stream"}}
	if resp, raw := cl.panelRequest(t, http.MethodPut, path, bytes.NewReader(data), octet); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %d %s", resp.StatusCode, raw)
	}
	backup := cl.backup(t, id)
	s.start(t)
	s.echo(t, "before")

	ws := s.dial(t)
	resp, err := cl.c.TransferServerWithResponse(context.Background(), id, api.ServerTransfer{NodeId: int(b.NodeID)})
	if err != nil || resp.StatusCode() != http.StatusAccepted {
		t.Fatalf("POST /api/servers/%s/transfer: %v %s", id, err, body(resp))
	}
	cl.waitNodeOf(t, id, b.NodeID)
	s.node = b
	ws.expect(t, "a transfer line on the WebSocket", func(m wsMsg) bool {
		return m.Type == "console" && strings.Contains(strings.ToLower(m.text()), "transfer")
	})
	deadline := time.Now().Add(waitTimeout)
	for s.status(t).State != api.ServerStateRunning {
		if time.Now().After(deadline) {
			t.Fatalf("%s is not running on node b after the transfer: %+v", id, s.status(t))
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cursor, s.lines = 0, nil
	s.echo(t, "after")
	if envType() == api.EnvironmentTypeStandard {
		if got, want := netnsOf(t, standardPid(t, s)), netnsOf(t, b.Pid()); got != want {
			t.Errorf("%s after the transfer: its process is in %s, node b's daemon in %s", id, got, want)
		}
	}

	if resp, got := cl.panelRequest(t, http.MethodGet, path, nil, nil); resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Errorf("file after the transfer: %d, %d bytes (equal %v)", resp.StatusCode, len(got), bytes.Equal(got, data))
	}
	list, err := cl.c.ListBackupsWithResponse(context.Background(), id, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Backups) != 1 {
		t.Fatalf("backups after the transfer: %v %s", err, body(list))
	}
	if got := list.JSON200.Backups[0]; got.Id != backup.Id || got.Sha256 != backup.Sha256 || got.State != api.BackupStateDone {
		t.Errorf("backup after the transfer %+v, want %+v", got, backup)
	}
	rb, archive := cl.panelRequest(t, http.MethodGet, "/api/servers/"+id+"/backup/download/"+backup.Id, nil, nil)
	if sum := sha256.Sum256(archive); rb.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != backup.Sha256 {
		t.Errorf("backup download after the transfer: %d, sha256 %x, want %s", rb.StatusCode, sum, backup.Sha256)
	}
	if definitionExists(a, id) {
		t.Errorf("%s is still on node a after the transfer", id)
	}
	if _, err := os.Stat(filepath.Join(a.Dir, "volumes", id)); err == nil {
		t.Errorf("%s's folder is still on node a after the transfer", id)
	}
	if st, err := os.Stat(filepath.Join(b.Dir, "volumes", id, "data", "save.bin")); err != nil || st.Size() != int64(len(data)) {
		t.Errorf("%s's file on node b: %v %v", id, st, err)
	}
	s.remove(t)
}

// backup creates a backup of server id and waits until it is done.
func (cl *cluster) backup(t *testing.T, id string) api.Backup {
	t.Helper()
	created, err := cl.c.CreateBackupWithResponse(context.Background(), id)
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create a backup of %s: %v %s", id, err, body(created))
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		list, err := cl.c.ListBackupsWithResponse(context.Background(), id, nil)
		if err != nil || list.JSON200 == nil {
			t.Fatalf("backups of %s: %v %s", id, err, body(list))
		}
		for _, bk := range list.JSON200.Backups {
			if bk.Id == created.JSON201.Id && bk.State != api.BackupStateRunning {
				if bk.State != api.BackupStateDone {
					t.Fatalf("backup of %s: %+v", id, bk)
				}
				return bk
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup %s of %s not done within %s", created.JSON201.Id, id, waitTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitNodeOf waits until server id is on node nodeID (GET /api/servers/{id}).
func (cl *cluster) waitNodeOf(t *testing.T, id string, nodeID int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := cl.c.GetServerWithResponse(context.Background(), id, nil)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("GET /api/servers/%s: %v %s", id, err, body(resp))
		}
		if resp.JSON200.NodeId == nodeID {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still on node %d after %s, want node %d", id, resp.JSON200.NodeId, waitTimeout, nodeID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
