package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var errTestBad = errors.New("bad archive")

func importInfo(id string, body []byte) Info {
	sum := sha256.Sum256(body)
	return Info{ID: id, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Size: int64(len(body)),
		SHA256: hex.EncodeToString(sum[:]), State: StateDone, Reason: "manual"}
}

// Imported backups appear only at Commit; an id the server has already fails the commit
// and leaves nothing of the import; a crash leaves a staging folder New removes.
func TestImportBackups(t *testing.T) {
	n := newNode(t)
	m := n.manager(t, nil)
	ctx := context.Background()
	body := []byte("archive bytes")
	im, err := m.BeginImport("srv")
	must(t, err)
	must(t, im.Add(ctx, importInfo("backup-20260102-030405", body), bytes.NewReader(body), 0, errTestBad))
	if list, _ := m.List("srv"); len(list) != 0 {
		t.Fatalf("staged backups listed before the commit: %+v", list)
	}
	if err := im.Add(ctx, importInfo("backup-20260102-030406", body), strings.NewReader("other"), 0, errTestBad); !errors.Is(err, errTestBad) {
		t.Fatalf("mismatching archive: %v", err)
	}
	must(t, im.Commit())
	list, err := m.List("srv")
	must(t, err)
	if len(list) != 1 || list[0] != importInfo("backup-20260102-030405", body) {
		t.Fatalf("after commit: %+v", list)
	}
	f, _, err := m.Open("srv", list[0].ID)
	must(t, err)
	f.Close()

	// the same id again: refused, nothing of the second import stays
	im, err = m.BeginImport("srv")
	must(t, err)
	must(t, im.Add(ctx, importInfo("backup-20260102-030407", body), bytes.NewReader(body), 0, errTestBad))
	must(t, im.Add(ctx, importInfo("backup-20260102-030405", body), bytes.NewReader(body), 0, errTestBad))
	if err := im.Commit(); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("commit over an existing id: %v", err)
	}
	if list, _ := m.List("srv"); len(list) != 1 {
		t.Fatalf("a failed commit left backups: %+v", list)
	}

	// a crash mid-import: the next manager removes the staging folder
	im, err = m.BeginImport("srv")
	must(t, err)
	must(t, im.Add(ctx, importInfo("backup-20260102-030408", body), bytes.NewReader(body), 0, errTestBad))
	n.manager(t, nil)
	if left, _ := filepath.Glob(filepath.Join(n.dir, importPrefix+"*")); len(left) != 0 {
		t.Fatalf("import staging left after New: %v", left)
	}
	if _, err := os.Stat(filepath.Join(n.dir, "srv", "backup-20260102-030408"+archiveExt)); err == nil {
		t.Fatal("a crashed import's backup is in place")
	}
}
