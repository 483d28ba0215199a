package transfer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/backup"
)

// node is one node's volumes and backups folders with a backup manager.
type node struct {
	vols, backups string
	m             *backup.Manager
}

func newNode(t testing.TB) *node {
	t.Helper()
	base := t.TempDir()
	n := &node{vols: filepath.Join(base, "volumes"), backups: filepath.Join(base, "backups")}
	if err := os.MkdirAll(n.vols, 0o711); err != nil {
		t.Fatal(err)
	}
	m, err := backup.New(backup.Options{Dir: n.backups, VolumesDir: n.vols})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	n.m = m
	return n
}

// volume creates the (empty) folder of server id, owned by uid:uid.
func (n *node) volume(t testing.TB, id string, uid int) string {
	t.Helper()
	dir := filepath.Join(n.vols, id)
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, uid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fill writes a small world with the things that must round-trip: nested folders, files of
// several sizes and modes, an empty file, a read-only folder, names with odd bytes, symlinks
// pointing inside and outside, and a FIFO (skipped).
func fill(t testing.TB, dir string) {
	t.Helper()
	old := time.Date(2020, 5, 17, 12, 30, 45, 0, time.UTC)
	names := []string{"server.properties", "world/level.dat", "world/region/r.0.0.mca", "empty",
		"odd/new\nline", "odd/back\\slash", "odd/\xff\xfe invalid utf8", "odd/" + strings.Repeat("n", 255),
		"odd/%41 percent", "deep/" + strings.Repeat("d/", 40) + "leaf"}
	for i, f := range names {
		p := filepath.Join(dir, f)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, bytes.Repeat([]byte(f), i*2000), 0o644))
		must(t, os.Chtimes(p, old, old.Add(time.Duration(i)*time.Hour)))
	}
	must(t, os.Chmod(filepath.Join(dir, "server.properties"), 0o600))
	must(t, os.Chmod(filepath.Join(dir, "world/level.dat"), 0o755))
	must(t, os.Symlink("world/level.dat", filepath.Join(dir, "link-in")))
	must(t, os.Symlink("/etc/passwd", filepath.Join(dir, "link-out")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644))
	must(t, os.Mkdir(filepath.Join(dir, "ro"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "ro/inside"), []byte("x"), 0o444))
	must(t, os.Chmod(filepath.Join(dir, "ro"), 0o555))
	must(t, os.Chtimes(filepath.Join(dir, "world"), old, old))
}

// tree describes every entry under dir (the FIFO excluded): path, mode, mtime (when times),
// content hash or link target.
func tree(t testing.TB, dir string, times bool) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeNamedPipe != 0 {
			return nil
		}
		fmt.Fprintf(&b, "%q %v", rel, fi.Mode())
		if times && rel != "." && fi.Mode()&fs.ModeSymlink == 0 {
			fmt.Fprintf(&b, " %d", fi.ModTime().UnixNano())
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			b.WriteString(" -> " + target)
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			b.WriteString(" " + hex.EncodeToString(sum[:8]))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// owners returns the distinct uid:gid of everything under dir.
func owners(t testing.TB, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		out[fmt.Sprintf("%d:%d", st.Uid, st.Gid)] = true
		return nil
	}))
	return out
}

// backupDone creates a finished backup of server id on n.
func (n *node) backupDone(t testing.TB, id, vol string) backup.Info {
	t.Helper()
	in, err := n.m.Create(id, vol, backup.CreateOptions{Max: 10})
	must(t, err)
	must(t, n.m.Wait(context.Background(), id))
	in, err = n.m.Get(id, in.ID)
	if err != nil || in.State != backup.StateDone {
		t.Fatalf("backup = %+v, %v", in, err)
	}
	return in
}

// assertNothingLeft checks that a failed import left the target as it was: an empty volume
// folder, no backups, no staging folders.
func (n *node) assertNothingLeft(t testing.TB, id string) {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(n.vols, id))
	must(t, err)
	if len(des) != 0 {
		t.Errorf("the target volume holds %d entries after a failed import", len(des))
	}
	vols, _ := os.ReadDir(n.vols)
	if len(vols) != 1 {
		t.Errorf("volumes folder holds %d entries (staging left?): %v", len(vols), vols)
	}
	list, err := n.m.List(id)
	must(t, err)
	if len(list) != 0 {
		t.Errorf("the target has %d backups after a failed import", len(list))
	}
	bs, _ := os.ReadDir(n.backups)
	for _, de := range bs {
		if strings.HasPrefix(de.Name(), ".import-") {
			t.Errorf("import staging folder left: %s", de.Name())
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// archive builds a tar stream by hand (hostile archives).
type archive struct {
	buf bytes.Buffer
	tw  *tar.Writer
}

func newArchive() *archive {
	a := &archive{}
	a.tw = tar.NewWriter(&a.buf)
	return a
}

func (a *archive) add(hdr *tar.Header, body []byte) *archive {
	if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == 0 {
		hdr.Size = int64(len(body))
	}
	if hdr.Mode == 0 {
		hdr.Mode = 0o644
	}
	if err := a.tw.WriteHeader(hdr); err != nil {
		panic(err)
	}
	if len(body) > 0 {
		if _, err := a.tw.Write(body); err != nil {
			panic(err)
		}
	}
	return a
}

func (a *archive) file(name, body string) *archive {
	return a.add(&tar.Header{Typeflag: tar.TypeReg, Name: name}, []byte(body))
}

// end writes the end marker and closes the archive.
func (a *archive) end(m Manifest) []byte {
	m.Version = max(m.Version, Version)
	b, _ := json.Marshal(m)
	a.file(manifestName, string(b))
	if err := a.tw.Close(); err != nil {
		panic(err)
	}
	return a.buf.Bytes()
}
