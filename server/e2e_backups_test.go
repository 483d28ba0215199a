package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

var backupIDPattern = regexp.MustCompile(`^backup-[0-9]{8}-[0-9]{6}(-[0-9]+)?$`)

// createBackup starts a backup and waits until it is no longer running.
func (e *filesEnv) createBackup(t *testing.T, id string) api.Backup {
	t.Helper()
	r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/backup/create", e.admin, nil, nil)
	var created api.BackupCreated
	r.JSON(t, &created)
	if r.Status != http.StatusCreated || !backupIDPattern.MatchString(created.Id) {
		t.Fatalf("create backup: %d %s", r.Status, r.Body)
	}
	deadline := time.Now().Add(filesWaitLimit)
	for {
		for _, b := range e.listBackups(t, id) {
			if b.Id == created.Id && b.State != api.BackupStateRunning {
				return b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup %s still running", created.Id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *filesEnv) listBackups(t *testing.T, id string) []api.Backup {
	t.Helper()
	r := e.Do(t, http.MethodGet, "/api/servers/"+id+"/backup?limit=100", e.admin, nil, nil)
	var l api.BackupList
	r.JSON(t, &l)
	if r.Status != http.StatusOK {
		t.Fatalf("list backups: %d %s", r.Status, r.Body)
	}
	return l.Backups
}

// volumeTree describes every entry of a volume: path, type, permissions, owner, content hash
// and link target.
func volumeTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		st := fi.Sys().(*syscall.Stat_t)
		fmt.Fprintf(&b, "%s %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			b.WriteString(" -> " + target)
		case fi.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			b.WriteString(" " + hex.EncodeToString(h.Sum(nil)))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// populate writes a small world through the API, plus what only the game creates (a link, an
// executable script).
func (e *filesEnv) populate(t *testing.T, id string) {
	t.Helper()
	big, _ := io.ReadAll(newPattern(3<<20, id))
	for path, body := range map[string]string{
		"server.properties": "motd=backup", "world/level.dat": "level", "world/region/r.0.0.mca": string(big),
		"logs/latest.log": strings.Repeat("log line\n", 1000), "empty.txt": "",
	} {
		if r := e.put(t, id, path, body); r.Status != http.StatusNoContent {
			t.Fatalf("put %s: %d %s", path, r.Status, r.Body)
		}
	}
	if r := e.Do(t, http.MethodPut, fileURL(id, "plugins/config")+"?folder=true", e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("mkdir: %d", r.Status)
	}
	vol := e.volume(id)
	must(t, os.Symlink("level.dat", filepath.Join(vol, "world/level-link")))
	must(t, os.Lchown(filepath.Join(vol, "world/level-link"), 65534, 65534))
	must(t, os.WriteFile(filepath.Join(vol, "start.sh"), []byte("#!/bin/sh\n"), 0o755))
	must(t, os.Chown(filepath.Join(vol, "start.sh"), 65534, 65534))
}

func TestBackupRestoreExactTree(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 0, 3)
	e.populate(t, id)
	vol := e.volume(id)
	original := volumeTree(t, vol)
	b := e.createBackup(t, id)
	if b.State != api.BackupStateDone || len(b.Sha256) != 64 || b.Size == 0 || b.Live || b.Reason != "manual" {
		t.Fatalf("backup = %+v", b)
	}
	e.checkDownload(t, id, b)

	// modify through the API and on disk, then restore
	e.put(t, id, "world/level.dat", "changed")
	e.put(t, id, "new/file", "new")
	e.Do(t, http.MethodDelete, fileURL(id, "logs"), e.admin, nil, nil)
	must(t, os.Chmod(filepath.Join(vol, "start.sh"), 0o600))
	if r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/backup/restore/"+b.Id, e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("restore: %d %s", r.Status, r.Body)
	}
	if got := volumeTree(t, vol); got != original {
		t.Fatalf("restored tree:\n%s\nwant:\n%s", got, original)
	}

	// a corrupted archive is refused and the files stay as they are
	second := e.createBackup(t, id)
	e.put(t, id, "world/level.dat", "after the second backup")
	modified := volumeTree(t, vol)
	archive := filepath.Join(e.node.Dir, "node", "backups", id, second.Id+".tar.gz")
	data, err := os.ReadFile(archive)
	must(t, err)
	data[len(data)/2] ^= 0x55
	must(t, os.WriteFile(archive, data, 0o600))
	r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/backup/restore/"+second.Id, e.admin, nil, nil)
	r.ExpectError(t, http.StatusConflict, "ErrConflict")
	if got := volumeTree(t, vol); got != modified {
		t.Fatal("a refused restore changed the files")
	}
	e.checkBackupRules(t, id, b, second)
}

// checkDownload streams the archive and checks its hash, Range and If-None-Match.
func (e *filesEnv) checkDownload(t *testing.T, id string, b api.Backup) {
	t.Helper()
	path := e.URL + "/api/servers/" + id + "/backup/download/" + b.Id
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := streamClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if err != nil || n != b.Size || hex.EncodeToString(h.Sum(nil)) != b.Sha256 || resp.Header.Get("ETag") != `"`+b.Sha256+`"` ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), b.Id+".tar.gz") {
		t.Fatalf("download: %d bytes, %v, headers %v", n, err, resp.Header)
	}
	r := e.Do(t, http.MethodGet, "/api/servers/"+id+"/backup/download/"+b.Id, e.admin, nil, http.Header{"Range": {"bytes=0-1"}})
	if r.Status != http.StatusPartialContent || string(r.Body) != "\x1f\x8b" {
		t.Fatalf("range: %d %q", r.Status, r.Body)
	}
	r = e.Do(t, http.MethodGet, "/api/servers/"+id+"/backup/download/"+b.Id, e.admin, nil, http.Header{"If-None-Match": {`"` + b.Sha256 + `"`}})
	if r.Status != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", r.Status)
	}
}

// checkBackupRules: the featureLimits.backups cap, listing order, delete, unknown ids.
func (e *filesEnv) checkBackupRules(t *testing.T, id string, first, second api.Backup) {
	t.Helper()
	third := e.createBackup(t, id)
	e.Do(t, http.MethodPost, "/api/servers/"+id+"/backup/create", e.admin, nil, nil).
		ExpectError(t, http.StatusConflict, "ErrBackupLimit")
	list := e.listBackups(t, id)
	if len(list) != 3 || list[0].Id != third.Id || list[2].Id != first.Id {
		t.Fatalf("list (newest first) = %+v", list)
	}
	r := e.Do(t, http.MethodGet, "/api/servers/"+id+"/backup?page=2&limit=2", e.admin, nil, nil)
	var page api.BackupList
	r.JSON(t, &page)
	if len(page.Backups) != 1 || page.Backups[0].Id != first.Id || page.Metadata.Paging.Total != 3 {
		t.Fatalf("page 2: %s", r.Body)
	}
	if r := e.Do(t, http.MethodDelete, "/api/servers/"+id+"/backup/"+second.Id, e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	e.createBackup(t, id) // room again
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/backup/download/" + second.Id},
		{http.MethodPost, "/backup/restore/backup-20000101-000000"},
		{http.MethodDelete, "/backup/" + second.Id},
	} {
		e.Do(t, c.method, "/api/servers/"+id+c.path, e.admin, nil, nil).ExpectError(t, http.StatusNotFound, "ErrBackupNotFound")
	}
}

func TestBackupRunningServer(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 0, 5)
	e.put(t, id, "world/level.dat", "level")
	if r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/start", e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	if b := e.createBackup(t, id); b.State != api.BackupStateDone || !b.Live {
		t.Fatalf("backup of a running server without commands = %+v; want done and live", b)
	}
	cmds := daemonapi.BackupCommands{Before: &[]string{"save-off", "save-all"}, After: &[]string{"save-on"}}
	must(t, e.node.Local.SetBackupCommands(context.Background(), id, cmds))
	b := e.createBackup(t, id)
	if b.State != api.BackupStateDone || b.Live {
		t.Fatalf("backup with commands = %+v; want done, not live", b)
	}
	e.waitConsole(t, id, "got:save-off", "got:save-all", "got:save-on")

	e.Do(t, http.MethodPost, "/api/servers/"+id+"/backup/restore/"+b.Id, e.admin, nil, nil).
		ExpectError(t, http.StatusConflict, "ErrInvalidState")
	e.put(t, id, "world/level.dat", "changed while running")
	if r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/backup/restore/"+b.Id+"?stop=true", e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("restore with stop: %d %s", r.Status, r.Body)
	}
	r := e.Do(t, http.MethodGet, fileURL(id, "world/level.dat"), e.admin, nil, nil)
	if string(r.Body) != "level" {
		t.Fatalf("restored content = %q", r.Body)
	}
	var s api.Server
	e.Do(t, http.MethodGet, "/api/servers/"+id, e.admin, nil, nil).JSON(t, &s)
	if s.Status != api.ServerStateStopped {
		t.Fatalf("status after restore with stop = %s, want stopped", s.Status)
	}
}

// waitConsole waits until the console holds every line of want, in order.
func (e *filesEnv) waitConsole(t *testing.T, id string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(filesWaitLimit)
	for {
		var logs api.ConsoleLogs
		e.Do(t, http.MethodGet, "/api/servers/"+id+"/console", e.admin, nil, nil).JSON(t, &logs)
		all := strings.Join(logs.Logs, "\n")
		if strings.Contains(all, strings.Join(want, "\n")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("console = %q; want %q", all, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
