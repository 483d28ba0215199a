package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestDiskLimitOverAPI: a standard server whose command writes 3 MiB with dd under a 1 MiB
// limit is stopped by the node's disk watcher; the API then refuses start and restart (409
// ErrDiskLimit), uploads and folders (413 ErrDiskLimit) and ends a backup failed, until the
// file is deleted through the file API — then the server starts.
func TestDiskLimitOverAPI(t *testing.T) {
	node := apitest.StartNode(t, daemon.Options{StopTimeout: 2 * time.Second, TermTimeout: 2 * time.Second,
		DiskInterval: 20 * time.Millisecond})
	env := apitest.Start(t, apitest.WithNodes(node.Registry()))
	t.Cleanup(node.Local.Close)
	e := &filesEnv{Env: env, node: node, admin: env.AdminToken(t)}
	id := fmt.Sprintf("fm%d", filesServerSeq.Add(1))
	r := e.DoJSON(t, http.MethodPut, "/api/servers/"+id, e.admin, map[string]any{
		"name": "disk test", "ownerId": e.AdminID, "environmentType": "standard",
		"startup": `[ -e written ] || { dd if=/dev/zero of=big.dat bs=1024 count=3072 2>/dev/null; touch written; }; ` +
			`echo ready; while read l; do :; done`,
		"limits":        map[string]any{"disk": 1},
		"featureLimits": map[string]any{"databases": 0, "backups": 2},
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("create server: %d %s", r.Status, r.Body)
	}
	post := func(action string) *apitest.Response {
		return e.Do(t, http.MethodPost, "/api/servers/"+id+"/"+action, e.admin, nil, nil)
	}
	if r := post("start"); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	// the watcher may catch dd mid-write (2 or 3 MiB): the notice names the limit either way
	e.waitConsole(t, id, " MiB, over its disk limit of 1 MiB; delete files to start it again")
	e.waitStatus(t, id, func(s api.ServerStatus) bool {
		return s.State == api.ServerStateStopped && s.Message != nil && strings.Contains(*s.Message, "over its disk limit")
	})

	for _, action := range []string{"start", "restart"} {
		er := post(action).ExpectError(t, http.StatusConflict, "ErrDiskLimit")
		if er.Metadata == nil || fmt.Sprint((*er.Metadata)["limitMiB"]) != "1" || (fmt.Sprint((*er.Metadata)["usedMiB"]) != "3" && fmt.Sprint((*er.Metadata)["usedMiB"]) != "2") {
			t.Fatalf("%s: metadata %v", action, er.Metadata)
		}
	}
	e.put(t, id, "small.txt", "x").ExpectError(t, http.StatusRequestEntityTooLarge, "ErrDiskLimit")
	e.Do(t, http.MethodPut, fileURL(id, "newdir")+"?folder=true", e.admin, nil, nil).
		ExpectError(t, http.StatusRequestEntityTooLarge, "ErrDiskLimit")
	if b := e.createBackup(t, id); b.State != api.BackupStateFailed || !strings.Contains(b.Reason, "disk limit of 1 MiB") {
		t.Fatalf("backup over the limit: %s %q", b.State, b.Reason)
	}

	if r := e.Do(t, http.MethodDelete, fileURL(id, "big.dat"), e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := post("start"); r.Status != http.StatusNoContent {
		t.Fatalf("start after the delete: %d %s", r.Status, r.Body)
	}
	e.waitStatus(t, id, func(s api.ServerStatus) bool { return s.State == api.ServerStateRunning })
	if r := post("stop"); r.Status != http.StatusNoContent {
		t.Fatalf("stop: %d %s", r.Status, r.Body)
	}
	node.Local.Wait()
}

// waitStatus polls the server's status until ok.
func (e *filesEnv) waitStatus(t *testing.T, id string, ok func(api.ServerStatus) bool) {
	t.Helper()
	deadline := time.Now().Add(filesWaitLimit)
	for {
		var s api.ServerStatus
		e.Do(t, http.MethodGet, "/api/servers/"+id+"/status", e.admin, nil, nil).JSON(t, &s)
		if ok(s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status = %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
