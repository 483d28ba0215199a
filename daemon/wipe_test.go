package daemon

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

// TestReinstallWipes: Reinstall empties the server's folder before the install runs: files,
// folders and symlinks go (a symlink is removed, never followed: what it names outside stays),
// the folder itself keeps its owner and mode, and backups (elsewhere) stay.
func TestReinstallWipes(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	mustCreate(t, m, testDef("s1", "echo"))
	vol := m.st.volumeDir("s1")
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "secret.txt"), "outside")
	mustWrite(t, filepath.Join(outside, "dir", "keep.txt"), "outside dir")
	mustWrite(t, filepath.Join(vol, "world", "level.dat"), "level")
	mustWrite(t, filepath.Join(vol, "server.properties"), "motd=hi")
	must(t, os.Chmod(filepath.Join(vol, "world"), 0o500)) // a read-only folder is emptied too
	must(t, os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(vol, "link-file")))
	must(t, os.Symlink(filepath.Join(outside, "dir"), filepath.Join(vol, "link-dir")))
	must(t, os.Symlink("../../../..", filepath.Join(vol, "world", "up")))
	backup := filepath.Join(m.DataDir(), "backups", "s1", "b1.tar.gz")
	mustWrite(t, backup, "backup")
	before, err := os.Stat(vol)
	must(t, err)

	var seen []string
	err = m.Reinstall(ctx, "s1", func(_ context.Context, _ Definition, dir string, _ io.Writer) error {
		entries, err := os.ReadDir(dir)
		for _, e := range entries {
			seen = append(seen, e.Name())
		}
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "server.jar"), []byte("jar"), 0o644)
	})
	must(t, err)
	if len(seen) != 0 {
		t.Fatalf("the install saw %v in the folder, want it empty", seen)
	}
	if st, _ := m.Status("s1"); st.State != StateStopped {
		t.Fatalf("state %+v, want stopped", st)
	}
	entries, err := os.ReadDir(vol)
	must(t, err)
	if len(entries) != 1 || entries[0].Name() != "server.jar" {
		t.Fatalf("folder after reinstall: %v, want only server.jar", entries)
	}
	after, err := os.Stat(vol)
	must(t, err)
	bs, as := before.Sys().(*syscall.Stat_t), after.Sys().(*syscall.Stat_t)
	if after.Mode() != before.Mode() || as.Uid != bs.Uid || as.Gid != bs.Gid || as.Ino != bs.Ino {
		t.Fatalf("folder changed: %v %d:%d (inode %d), was %v %d:%d (inode %d)",
			after.Mode(), as.Uid, as.Gid, as.Ino, before.Mode(), bs.Uid, bs.Gid, bs.Ino)
	}
	for path, want := range map[string]string{
		filepath.Join(outside, "secret.txt"):      "outside",
		filepath.Join(outside, "dir", "keep.txt"): "outside dir",
		backup: "backup",
	} {
		if b, err := os.ReadFile(path); err != nil || string(b) != want {
			t.Errorf("%s: %q %v, want %q untouched", path, b, err, want)
		}
	}
	if text := consoleText(t, m, "s1"); !strings.Contains(text, "emptying the server's folder") {
		t.Fatalf("console:\n%s", text)
	}
}

// TestReinstallRefused: a running or suspended server is not wiped; its files stay.
func TestReinstallRefused(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	mustCreate(t, m, testDef("run", "echo"))
	def := testDef("susp", "echo")
	def.Suspended = true
	mustCreate(t, m, def)
	must(t, m.Start(ctx, "run"))
	ran := false
	fn := func(context.Context, Definition, string, io.Writer) error { ran = true; return nil }
	for id, want := range map[string]error{"run": ErrInvalidState, "susp": ErrSuspended} {
		file := filepath.Join(m.st.volumeDir(id), "keep.txt")
		mustWrite(t, file, "keep")
		if err := m.Reinstall(ctx, id, fn); !errors.Is(err, want) {
			t.Errorf("%s: reinstall %v, want %v", id, err, want)
		}
		if _, err := os.Stat(file); err != nil {
			t.Errorf("%s: the refused reinstall removed files: %v", id, err)
		}
	}
	if ran {
		t.Fatal("a refused reinstall ran its install")
	}
}

// TestReinstallOverDiskLimit: a folder over its disk limit refuses Install but not Reinstall,
// which empties it first.
func TestReinstallOverDiskLimit(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.Limits.DiskMiB = 1
	mustCreate(t, m, def)
	mustWrite(t, filepath.Join(m.st.volumeDir("s1"), "big.dat"), strings.Repeat("x", 2<<20))
	fn := func(context.Context, Definition, string, io.Writer) error { return nil }
	var over *DiskLimitError
	if err := m.Install(ctx, "s1", fn); !errors.As(err, &over) {
		t.Fatalf("install over the limit: %v, want a DiskLimitError", err)
	}
	must(t, m.Reinstall(ctx, "s1", fn))
	if _, err := os.Stat(filepath.Join(m.st.volumeDir("s1"), "big.dat")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("big.dat after reinstall: %v", err)
	}
	must(t, m.Install(ctx, "s1", fn)) // within the limit again
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

// BenchmarkWipeFolder empties a folder of 5000 small files in 50 folders (setup untimed).
func BenchmarkWipeFolder(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		b.StopTimer()
		for d := range 50 {
			sub := filepath.Join(dir, "d"+strconv.Itoa(d))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
			for f := range 100 {
				if err := os.WriteFile(filepath.Join(sub, strconv.Itoa(f)), []byte("x"), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StartTimer()
		if err := wipeFolder(dir); err != nil {
			b.Fatal(err)
		}
	}
}
