package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon/files"
)

// failedBackup runs a backup of the node's volume and returns it; it must end failed.
func failedBackup(t *testing.T, n node, opts CreateOptions) Info {
	t.Helper()
	m := n.manager(t, nil)
	opts.Max = 5
	in, err := m.Create("srv", n.vol, opts)
	must(t, err)
	must(t, m.Wait(context.Background(), "srv"))
	in, err = m.Get("srv", in.ID)
	must(t, err)
	if in.State != StateFailed {
		t.Fatalf("backup %s, want failed", in.State)
	}
	if _, err := os.Stat(m.partPath("srv", in.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partial archive left: %v", err)
	}
	if _, err := os.Stat(m.archivePath("srv", in.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("archive of a failed backup: %v", err)
	}
	t.Logf("reason: %s", in.Reason)
	return in
}

// sparse creates a file of size bytes of holes (plus one written byte at its start).
func sparse(t *testing.T, p string, size int64) {
	t.Helper()
	must(t, os.WriteFile(p, []byte("x"), 0o644))
	must(t, os.Truncate(p, size))
}

// TestSparseRefused: a real 100 GiB sparse file fails the backup at once, naming the file,
// instead of being expanded into 100 GiB of gzip input; a file with small holes is stored.
func TestSparseRefused(t *testing.T) {
	n := newNode(t)
	must(t, os.WriteFile(filepath.Join(n.vol, "world.dat"), []byte("data"), 0o644))
	sparse(t, filepath.Join(n.vol, "huge\n.img"), 100<<30)
	in := failedBackup(t, n, CreateOptions{})
	for _, part := range []string{ErrSparse.Error(), `"huge\n.img"`, "102400 MiB long but only 0 MiB on disk"} {
		if !strings.Contains(in.Reason, part) {
			t.Fatalf("reason %q does not mention %q", in.Reason, part)
		}
	}

	n = newNode(t)
	sparse(t, filepath.Join(n.vol, "small-holes.db"), 8<<20) // holes below sparseMinHoles
	m := n.manager(t, nil)
	in = createDone(t, m, n.vol, 5)
	must(t, m.Restore(context.Background(), "srv", in.ID, n.vol, RestoreOptions{}))
	if fi, err := os.Stat(filepath.Join(n.vol, "small-holes.db")); err != nil || fi.Size() != 8<<20 {
		t.Fatalf("restored file: %v, %v", fi, err)
	}
}

// TestBackupOverLimitFailsUpFront: a volume holding more than the disk limit (a sparse file
// counts its full length, like the file manager counts it) fails before any archive is written.
func TestBackupOverLimitFailsUpFront(t *testing.T) {
	n := newNode(t)
	must(t, os.WriteFile(filepath.Join(n.vol, "a.bin"), make([]byte, 600<<10), 0o644))
	must(t, os.WriteFile(filepath.Join(n.vol, "b.bin"), make([]byte, 600<<10), 0o644))
	in := failedBackup(t, n, CreateOptions{LimitBytes: 1 << 20})
	if !strings.Contains(in.Reason, "disk limit of 1 MiB") || !strings.Contains(in.Reason, `"b.bin"`) {
		t.Fatalf("reason = %q", in.Reason)
	}

	n = newNode(t)
	sparse(t, filepath.Join(n.vol, "huge.img"), 100<<30)
	in = failedBackup(t, n, CreateOptions{LimitBytes: 1 << 30})
	if !strings.Contains(in.Reason, files.ErrDiskLimit.Error()) {
		t.Fatalf("reason = %q", in.Reason)
	}

	n = newNode(t) // within the limit: done
	must(t, os.WriteFile(filepath.Join(n.vol, "a.bin"), make([]byte, 600<<10), 0o644))
	m := n.manager(t, nil)
	in, err := m.Create("srv", n.vol, CreateOptions{Max: 5, LimitBytes: 1 << 20})
	must(t, err)
	must(t, m.Wait(context.Background(), "srv"))
	if in, _ = m.Get("srv", in.ID); in.State != StateDone {
		t.Fatalf("backup within the limit: %s %s", in.State, in.Reason)
	}
}

// TestRestoreRefusesCraftedNames: an archive (not written by this package) whose names leave
// the folder or are malformed is refused as corrupt and nothing is extracted.
func TestRestoreRefusesCraftedNames(t *testing.T) {
	for _, name := range []string{"../evil", "/abs", "a/../../b", "a/./b", "a//b", ".", "", strings.Repeat("n", 256),
		strings.Repeat("d/", maxEntryPath/2) + "f"} {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		must(t, tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: 1, Mode: 0o644, Format: tar.FormatPAX}))
		_, err := tw.Write([]byte("x"))
		must(t, err)
		must(t, tw.Close())
		must(t, gz.Close())
		stage := t.TempDir()
		_, err = extract(context.Background(), &buf, stage, 0, func(string) {})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("name %.40q: err = %v, want ErrCorrupt", name, err)
		}
		if des, _ := os.ReadDir(stage); len(des) != 0 {
			t.Fatalf("name %.40q: %d entries extracted", name, len(des))
		}
		if _, err := os.Lstat(filepath.Join(filepath.Dir(stage), "evil")); err == nil {
			t.Fatal("escaped the stage")
		}
	}
}

// TestBackupGrowsPastLimit: a file that grows past the disk limit after the scan (the game
// writes during the backup) fails the backup instead of leaving one the restore would refuse.
func TestBackupGrowsPastLimit(t *testing.T) {
	n := newNode(t)
	must(t, os.WriteFile(filepath.Join(n.vol, "a.bin"), make([]byte, 100<<10), 0o644))
	must(t, os.WriteFile(filepath.Join(n.vol, "b.bin"), make([]byte, 100<<10), 0o644))
	m := n.manager(t, nil)
	m.testHook = func(ev string) {
		if ev == "entry:a.bin" {
			must(t, os.WriteFile(filepath.Join(n.vol, "b.bin"), make([]byte, 2<<20), 0o644))
		}
	}
	in, err := m.Create("srv", n.vol, CreateOptions{Max: 5, LimitBytes: 1 << 20})
	must(t, err)
	must(t, m.Wait(context.Background(), "srv"))
	in, err = m.Get("srv", in.ID)
	must(t, err)
	if in.State != StateFailed || !strings.Contains(in.Reason, `grew past its disk limit of 1 MiB during the backup (at "b.bin")`) {
		t.Fatalf("backup %s %q", in.State, in.Reason)
	}
}
