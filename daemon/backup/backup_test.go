package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/files"
)

// node is a backup folder and a volumes folder with one volume "srv".
type node struct {
	dir, vols, vol string
}

func newNode(t testing.TB) node {
	t.Helper()
	base := t.TempDir()
	n := node{dir: filepath.Join(base, "backups"), vols: filepath.Join(base, "volumes")}
	n.vol = filepath.Join(n.vols, "srv")
	if err := os.MkdirAll(n.vol, 0o750); err != nil {
		t.Fatal(err)
	}
	return n
}

func (n node) manager(t testing.TB, clock func() time.Time) *Manager {
	t.Helper()
	m, err := New(Options{Dir: n.dir, VolumesDir: n.vols, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// fill writes a small world: folders, files of several sizes, an empty file, symlinks
// (inside and outside) and a FIFO (not backed up).
func fill(t testing.TB, dir string, seed string) {
	t.Helper()
	for i, f := range []string{"server.properties", "world/level.dat", "world/region/r.0.0.mca", "logs/latest.log", "empty"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := strings.Repeat(seed+f, i*3000)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Chmod(filepath.Join(dir, "server.properties"), 0o600)
	for name, target := range map[string]string{"link-in": "world/level.dat", "link-out": "/etc/passwd"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// treeHash describes every entry of a tree: path, type, permissions, content hash, link target.
func treeHash(t testing.TB, dir string) string {
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
		fmt.Fprintf(&b, "%s %v", rel, fi.Mode())
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
			b.WriteString(" " + hex.EncodeToString(sum[:]))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func createDone(t testing.TB, m *Manager, vol string, max int) Info {
	t.Helper()
	in, err := m.Create("srv", vol, CreateOptions{Max: max})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := m.Wait(context.Background(), "srv"); err != nil {
		t.Fatal(err)
	}
	in, err = m.Get("srv", in.ID)
	if err != nil || in.State != StateDone {
		t.Fatalf("backup = %+v, %v; want done", in, err)
	}
	return in
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	n := newNode(t)
	fill(t, n.vol, "a")
	fifo := filepath.Join(n.vol, "pipe")
	if err := mkfifo(fifo); err != nil {
		t.Fatal(err)
	}
	tmp := files.TempName()
	if err := os.WriteFile(filepath.Join(n.vol, tmp), []byte("upload"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := n.manager(t, nil)
	in := createDone(t, m, n.vol, 5)
	if len(in.SHA256) != 64 || in.Size == 0 || in.Live || in.Reason != "manual" {
		t.Fatalf("info = %+v", in)
	}
	_ = os.Remove(fifo)
	_ = os.Remove(filepath.Join(n.vol, tmp))
	want := treeHash(t, n.vol)

	// modify: change, add, delete
	fill(t, filepath.Join(n.vol, "extra"), "b")
	if err := os.WriteFile(filepath.Join(n.vol, "world/level.dat"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(n.vol, "logs")); err != nil {
		t.Fatal(err)
	}
	if err := m.Restore(context.Background(), "srv", in.ID, n.vol, RestoreOptions{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := treeHash(t, n.vol); got != want {
		t.Fatalf("restored tree:\n%s\nwant:\n%s", got, want)
	}
	m.cleanups.Wait()
	assertNoStaging(t, n.vols)

	f, got, err := m.Open("srv", in.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil || hex.EncodeToString(h.Sum(nil)) != got.SHA256 {
		t.Fatalf("archive hash does not match the recorded one (%v)", err)
	}
}

func assertNoStaging(t testing.TB, vols string) {
	t.Helper()
	des, _ := os.ReadDir(vols)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), stagePrefix) {
			t.Errorf("restore folder left: %s", de.Name())
		}
	}
}

func TestRestoreRefusals(t *testing.T) {
	n := newNode(t)
	fill(t, n.vol, "a")
	m := n.manager(t, nil)
	good := createDone(t, m, n.vol, 5)
	bad := createDone(t, m, n.vol, 5)
	// corrupt one byte in the middle of the second archive
	p := m.archivePath("srv", bad.ID)
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	before := treeHash(t, n.vol)
	tests := []struct {
		name string
		id   string
		opts RestoreOptions
		want error
	}{
		{"corrupted", bad.ID, RestoreOptions{}, ErrCorrupt},
		{"over the disk limit", good.ID, RestoreOptions{LimitBytes: 1000}, files.ErrDiskLimit},
		{"unknown", "backup-20000101-000000", RestoreOptions{}, ErrNotFound},
		{"malformed id", "../../etc", RestoreOptions{}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.Restore(context.Background(), "srv", tt.id, n.vol, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := treeHash(t, n.vol); got != before {
				t.Fatalf("a refused restore changed the volume")
			}
			assertNoStaging(t, n.vols)
		})
	}
}

func TestCreateRules(t *testing.T) {
	n := newNode(t)
	fill(t, n.vol, "a")
	now := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	m := n.manager(t, func() time.Time { return now })
	var ids []string
	for range 3 {
		ids = append(ids, createDone(t, m, n.vol, 3).ID)
	}
	want := []string{"backup-20240115-103000", "backup-20240115-103000-2", "backup-20240115-103000-3"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
	if _, err := m.Create("srv", n.vol, CreateOptions{Max: 3}); !errors.Is(err, ErrLimit) {
		t.Fatalf("4th backup with max 3: %v, want ErrLimit", err)
	}
	if _, err := m.Create("srv", n.vol, CreateOptions{Max: 0}); !errors.Is(err, ErrLimit) {
		t.Fatalf("max 0: %v, want ErrLimit", err)
	}
	list, err := m.List("srv")
	if err != nil || len(list) != 3 || list[0].ID != want[2] || list[2].ID != want[0] {
		t.Fatalf("list = %+v, %v; want newest first", list, err)
	}
	if err := m.Delete("srv", want[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get("srv", want[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted backup: %v", err)
	}
	if _, _, err := m.Open("srv", want[1]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open deleted backup: %v", err)
	}
}

func TestInProgress(t *testing.T) {
	n := newNode(t)
	fill(t, n.vol, "a")
	m := n.manager(t, nil)
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	m.testHook = func(string) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	}
	in, err := m.Create("srv", n.vol, CreateOptions{Max: 5})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	checks := []struct {
		name string
		err  error
	}{
		{"second create", func() error { _, err := m.Create("srv", n.vol, CreateOptions{Max: 5}); return err }()},
		{"open", func() error { _, _, err := m.Open("srv", in.ID); return err }()},
		{"delete", m.Delete("srv", in.ID)},
		{"restore", m.Restore(context.Background(), "srv", in.ID, n.vol, RestoreOptions{})},
	}
	close(release)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, ErrInProgress) {
				t.Fatalf("err = %v, want ErrInProgress", c.err)
			}
		})
	}
	if err := m.Wait(context.Background(), "srv"); err != nil {
		t.Fatal(err)
	}
}

func TestHooksAndCommands(t *testing.T) {
	n := newNode(t)
	fill(t, n.vol, "a")
	m := n.manager(t, nil)
	var calls []string
	opts := CreateOptions{Max: 5, Live: true,
		Before: func(context.Context) error { calls = append(calls, "before"); return nil },
		After:  func(context.Context) error { calls = append(calls, "after"); return nil }}
	in, err := m.Create("srv", n.vol, opts)
	if err != nil {
		t.Fatal(err)
	}
	_ = m.Wait(context.Background(), "srv")
	if in, _ = m.Get("srv", in.ID); in.Live || strings.Join(calls, ",") != "before,after" {
		t.Fatalf("with hooks: live=%v calls=%v", in.Live, calls)
	}
	in, _ = m.Create("srv", n.vol, CreateOptions{Max: 5, Live: true})
	_ = m.Wait(context.Background(), "srv")
	if in, _ = m.Get("srv", in.ID); !in.Live {
		t.Fatalf("running server without commands: live = false")
	}
	c := Commands{Before: []string{"save-off", "save-all"}, After: []string{"save-on"}, Wait: time.Second}
	if err := m.SetCommands("srv", c); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Commands("srv"); err != nil || fmt.Sprint(got) != fmt.Sprint(c) {
		t.Fatalf("commands = %+v, %v", got, err)
	}
}

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o644) }
