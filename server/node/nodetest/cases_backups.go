package nodetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// waitBackup polls until the backup is no longer running.
func waitBackup(t *testing.T, env Env, id, backupID string) daemonapi.Backup {
	t.Helper()
	c := ctx(t)
	for {
		b, err := env.Node.GetBackup(c, id, backupID)
		must(t, "get backup", err)
		if b.State != daemonapi.BackupStateRunning {
			return b
		}
		select {
		case <-c.Done():
			t.Fatalf("backup %s still running", backupID)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// testBackups: create, list, download (whole and a range), restore, delete.
func testBackups(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "bk")
	must(t, "set backup commands", env.Node.SetBackupCommands(c, "bk",
		daemonapi.BackupCommands{Before: &[]string{"save-off"}, After: &[]string{"save-on"}}))
	must(t, "write", env.Node.WriteFile(c, "bk", "world.dat", strings.NewReader("v1"), 2))
	// a server whose feature limit allows no backup: the limit error, on both transports
	if _, err := env.Node.CreateBackup(c, "bk", 0); !errors.Is(err, backup.ErrLimit) {
		t.Fatalf("backup with max 0: %v, want backup.ErrLimit", err)
	}
	b, err := env.Node.CreateBackup(c, "bk", 3)
	must(t, "create backup", err)
	if b.State != daemonapi.BackupStateRunning || b.Id == "" {
		t.Fatalf("created backup = %+v", b)
	}
	b = waitBackup(t, env, "bk", b.Id)
	if b.State != daemonapi.BackupStateDone || len(b.Sha256) != 64 || b.Size <= 0 {
		t.Fatalf("backup = %+v", b)
	}
	list, err := env.Node.ListBackups(c, "bk")
	must(t, "list", err)
	if len(list) != 1 || list[0].Id != b.Id || list[0].Sha256 != b.Sha256 {
		t.Fatalf("list = %+v", list)
	}
	content, info, err := env.Node.OpenBackup(c, "bk", b.Id)
	must(t, "open", err)
	if content.Size != b.Size || content.ETag != `"`+b.Sha256+`"` || info.Id != b.Id {
		t.Fatalf("content %+v, info %+v", content, info)
	}
	h := sha256.New()
	if n, err := io.Copy(h, content.Body); err != nil || n != b.Size || hex.EncodeToString(h.Sum(nil)) != b.Sha256 {
		t.Fatalf("archive: %d bytes, %v, sha256 mismatch=%v", n, err, hex.EncodeToString(h.Sum(nil)) != b.Sha256)
	}
	content.Body.Close()
	content, _, err = env.Node.OpenBackup(c, "bk", b.Id)
	must(t, "open again", err)
	w := serve(content, map[string]string{"Range": "bytes=1-4"})
	content.Body.Close()
	if w.Code != http.StatusPartialContent || w.Body.Len() != 4 {
		t.Fatalf("range of the archive: %d, %d bytes", w.Code, w.Body.Len())
	}
	must(t, "overwrite", env.Node.WriteFile(c, "bk", "world.dat", strings.NewReader("v2!"), 3))
	must(t, "restore", env.Node.RestoreBackup(c, "bk", b.Id, false))
	if _, got := readAll(t, env, "bk", "world.dat"); got != "v1" {
		t.Fatalf("restored content %q, want v1", got)
	}
	must(t, "delete", env.Node.DeleteBackup(c, "bk", b.Id))
	_, err = env.Node.GetBackup(c, "bk", b.Id)
	mustIs(t, "get a deleted backup", err, backup.ErrNotFound)
}

// testBackupErrors: unknown backups and servers; restore of a running server.
func testBackupErrors(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "bke")
	_, err := env.Node.GetBackup(c, "bke", "nosuch")
	mustIs(t, "unknown backup", err, backup.ErrNotFound)
	_, _, err = env.Node.OpenBackup(c, "bke", "nosuch")
	mustIs(t, "open unknown backup", err, backup.ErrNotFound)
	mustIs(t, "delete unknown backup", env.Node.DeleteBackup(c, "bke", "nosuch"), backup.ErrNotFound)
	_, err = env.Node.ListBackups(c, "nosuch")
	mustIs(t, "backups of an unknown server", err, daemon.ErrNotFound)
	b, err := env.Node.CreateBackup(c, "bke", 2)
	must(t, "create backup", err)
	waitBackup(t, env, "bke", b.Id)
	must(t, "start", env.Node.Power(c, "bke", daemonapi.PowerRequestActionStart))
	mustIs(t, "restore while running", env.Node.RestoreBackup(c, "bke", b.Id, false), daemon.ErrInvalidState)
	must(t, "restore with stop", env.Node.RestoreBackup(c, "bke", b.Id, true))
	if st, err := env.Node.Status(c, "bke"); err != nil || st.Running {
		t.Fatalf("after a restore with stop: %+v, %v", st, err)
	}
}
