package sftp_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/daemon/sftp/sftptest"
)

// plant fills the volume with inside and escaping symlinks next to an "outside" folder
// holding a secret (the layout of daemon/files' fuzz test).
func plant(t *testing.T, vol string) (outside string) {
	t.Helper()
	outside = filepath.Join(filepath.Dir(vol), "outside")
	must(t, os.MkdirAll(filepath.Join(outside, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644))
	must(t, os.MkdirAll(filepath.Join(vol, "dir/sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(vol, "dir/file"), []byte("inside"), 0o644))
	for link, target := range map[string]string{
		"abs": outside, "up": "../outside", "dir/up2": "../../outside", "in": "dir",
		"chain1": "chain2", "chain2": "up", "loop1": "loop2", "loop2": "loop1",
		"dangling_out": "../outside/nothing", "dot": ".", "secretlink": "../outside/secret",
		"dir/sub/deep": "../../../outside/secret", // no link to /etc: writes go through every link
	} {
		must(t, os.Symlink(target, filepath.Join(vol, link)))
	}
	return outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hostile is the hostile-path corpus of daemon/files (fuzz seeds) plus SFTP spellings.
var hostile = []string{"abs/secret", "up/secret", "../outside/secret", "/../outside/secret",
	"dir/up2/secret", "chain1/secret", "chain1/new", "loop1", "loop1/x", "dangling_out", "dot/dot/up/secret",
	"a/../../outside/secret", "%2e%2e/outside/secret", "..%2foutside/secret", "x\x00y", "dir\\..\\..\\outside",
	"in/../up/secret", "secretlink", "up", "abs", "up/sub/new", strings.Repeat("a", 300),
	"%2E%2E%2Foutside", "a%2fb", "a%5cb", "a%00", "\xc0\xae\xc0\xae/outside/secret", "dir/sub/deep",
	"etc/passwd", "etc/shadow", "/etc/passwd", "..\\..\\outside\\secret",
	"/" + strings.Repeat("d/", 2100)}

func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	must(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + fi.Mode().String() + " " + fi.ModTime().String())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.WriteString(" " + string(data))
		}
		b.WriteString("\n")
		return nil
	}))
	return b.String()
}

func TestHostilePaths(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	outside := plant(t, f.Dir)
	before := snapshot(t, outside)
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	for _, p := range hostile {
		if r, err := c.Open(p); err == nil {
			got, _ := io.ReadAll(r)
			r.Close()
			if bytes.Contains(got, []byte("secret")) {
				t.Errorf("read %.60q returned the outside secret", p)
			}
		} else if code := statusCode(err); code != codeDenied && code != codeNoSuchFile && code != codeFailure {
			t.Errorf("open %.60q: %v (status %d)", p, err, code)
		}
		if w, err := c.Create(p); err == nil {
			_, _ = w.Write([]byte("pwned"))
			_ = w.Close()
		}
		_ = c.Mkdir(p + "/new")
		_ = c.Truncate(p, 0)
		_ = c.Chtimes(p, time.Unix(0, 0), time.Unix(0, 0))
		_ = c.Rename(p, "renamed")
		_ = c.PosixRename("dir/file", p)
		_ = c.Remove(p)
		_ = c.RemoveDirectory(p)
		_ = c.Symlink("/etc/passwd", p)
		_ = c.Link("dir/file", p)
		if _, err := c.Stat(p); err == nil {
			if entries, err := c.ReadDir(p); err == nil {
				for _, e := range entries {
					if e.Name() == "secret" && e.Size() == 6 {
						t.Errorf("listing %.60q shows the outside folder", p)
					}
				}
			}
		}
	}
	if after := snapshot(t, outside); after != before {
		t.Fatalf("the outside folder changed:\n%s\nwas\n%s", after, before)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(f.Dir), "renamed")); err == nil {
		t.Fatal("a rename left the volume")
	}
}

func TestEscapingSymlinkRefused(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	outside := plant(t, f.Dir)
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	if _, err := c.Open("secretlink"); statusCode(err) != codeDenied {
		t.Fatalf("read through an escaping link: %v", err)
	}
	if _, err := c.Create("secretlink"); statusCode(err) != codeDenied {
		t.Fatalf("write through an escaping link: %v", err)
	}
	if _, err := c.Create("up/secret"); statusCode(err) != codeDenied {
		t.Fatalf("write under an escaping folder link: %v", err)
	}
	if err := c.Symlink("/etc", "etc"); statusCode(err) != codeUnsupp {
		t.Fatalf("symlink creation: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(outside, "secret")); string(data) != "secret" {
		t.Fatalf("outside target is now %q", data)
	}
	// an inside link works
	r, err := c.Open("in/file")
	must(t, err)
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "inside" {
		t.Fatalf("in/file = %q", got)
	}
}

func TestReadOnlyGrant(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	must(t, os.WriteFile(filepath.Join(f.Dir, "server.properties"), []byte("motd=hi\n"), 0o644))
	must(t, os.Mkdir(filepath.Join(f.Dir, "logs"), 0o755))
	f.Auth.SetUser("viewer", sftptest.User{ID: 3, Password: "pw", Servers: map[string]bool{"srv1": true}})
	c := dial(t, f, "viewer.srv1", ssh.Password("pw"))
	before := snapshot(t, f.Dir)

	r, err := c.Open("server.properties")
	must(t, err)
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "motd=hi\n" {
		t.Fatalf("read %q", got)
	}
	writes := map[string]func() error{
		"put":     func() error { _, err := c.Create("new.txt"); return err },
		"append":  func() error { _, err := c.OpenFile("server.properties", os.O_WRONLY); return err },
		"mkdir":   func() error { return c.Mkdir("newdir") },
		"rm":      func() error { return c.Remove("server.properties") },
		"rmdir":   func() error { return c.RemoveDirectory("logs") },
		"rename":  func() error { return c.Rename("server.properties", "x") },
		"posix":   func() error { return c.PosixRename("server.properties", "x") },
		"chtimes": func() error { return c.Chtimes("server.properties", time.Unix(0, 0), time.Unix(0, 0)) },
		"chmod":   func() error { return c.Chmod("server.properties", 0o4777) },
		"trunc":   func() error { return c.Truncate("server.properties", 0) },
	}
	for name, op := range writes {
		if err := op(); statusCode(err) != codeDenied {
			t.Errorf("%s as read-only: %v (want permission denied)", name, err)
		}
	}
	if after := snapshot(t, f.Dir); after != before {
		t.Fatalf("read-only session changed the volume:\n%s\nwas\n%s", after, before)
	}
}

func TestDiskLimit(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	dir := f.AddServer(t, "lim", 1<<20)
	f.Auth.SetUser("alice", sftptest.User{ID: 1, Password: "secret", Servers: map[string]bool{"lim": false}})
	must(t, os.WriteFile(filepath.Join(dir, "keep.dat"), []byte("old content"), 0o644))
	c := dial(t, f, "alice.lim", ssh.Password("secret"))

	upload := func(name string, n int) error {
		w, err := c.Create(name)
		if err != nil {
			return err
		}
		_, werr := w.ReadFrom(bytes.NewReader(randomBytes(t, n)))
		cerr := w.Close()
		return errors.Join(werr, cerr)
	}
	if err := upload("big.dat", 2<<20); statusCode(err) != codeFailure {
		t.Fatalf("2 MiB into a 1 MiB limit: %v", err)
	}
	if err := upload("keep.dat", 2<<20); err == nil {
		t.Fatal("replacing a file past the limit succeeded")
	}
	// a sparse write far away counts its full length
	w, err := c.Create("sparse.dat")
	must(t, err)
	if _, err := w.WriteAt([]byte("x"), 10<<20); statusCode(err) != codeFailure {
		t.Fatalf("sparse write past the limit: %v", err)
	}
	if err := w.Close(); statusCode(err) != codeFailure {
		t.Fatalf("close after a refused write: %v (want failure: nothing was stored)", err)
	}
	if err := c.Truncate("keep.dat", 5<<20); statusCode(err) != codeFailure {
		t.Fatalf("truncate up past the limit: %v", err)
	}
	entries, err := os.ReadDir(dir)
	must(t, err)
	if len(entries) != 1 || entries[0].Name() != "keep.dat" {
		t.Fatalf("the volume holds %v after refused uploads", entries)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "keep.dat")); string(data) != "old content" {
		t.Fatalf("keep.dat = %q after a refused replace", data)
	}
	if err := upload("small.dat", 512<<10); err != nil {
		t.Fatalf("512 KiB under the limit: %v", err)
	}
	// df shows the limit and what is left of it
	vfs, err := c.StatVFS("/")
	must(t, err)
	if vfs.TotalSpace() != 1<<20 || vfs.FreeSpace() != (1<<20-512<<10-11)/4096*4096 {
		t.Fatalf("statvfs total %d free %d", vfs.TotalSpace(), vfs.FreeSpace())
	}
}

func TestAbortedUploadKeepsOldFile(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	must(t, os.WriteFile(filepath.Join(f.Dir, "world.dat"), []byte("old world"), 0o644))
	c, sc, err := f.Dial("alice.srv1", ssh.Password("secret"))
	must(t, err)
	defer sc.Close()
	w, err := sc.Create("world.dat")
	must(t, err)
	_, err = w.Write(randomBytes(t, 1<<20))
	must(t, err)
	// the connection breaks with the file still open
	c.Close()
	waitFor(t, "the session to end", func() bool { return f.Server.Sessions("srv1") == 0 })
	if data, _ := os.ReadFile(filepath.Join(f.Dir, "world.dat")); string(data) != "old world" {
		t.Fatalf("world.dat = %d bytes after an aborted upload", len(data))
	}
	entries, err := os.ReadDir(f.Dir)
	must(t, err)
	if len(entries) != 1 {
		t.Fatalf("temporaries left: %v", entries)
	}
}

// waitFor polls cond (the server reacts asynchronously); it fails the test after a long while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestOwnershipFollowsTheVolume(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files away")
	}
	f := sftptest.Start(t, sftp.Options{})
	const uid, gid = 23456, 23457
	must(t, os.Chown(f.Dir, uid, gid))
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	must(t, c.MkdirAll("plugins/conf"))
	w, err := c.Create("plugins/conf/a.yml")
	must(t, err)
	_, err = w.Write([]byte("a: 1\n"))
	must(t, err)
	must(t, w.Close())
	must(t, c.Rename("plugins/conf/a.yml", "plugins/conf/b.yml"))
	for _, p := range []string{"plugins", "plugins/conf", "plugins/conf/b.yml"} {
		fi, err := os.Stat(filepath.Join(f.Dir, p))
		must(t, err)
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != uid || st.Gid != gid {
			t.Errorf("%s owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
	}
}

func TestChmodAndChownIgnored(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	p := filepath.Join(f.Dir, "run.sh")
	must(t, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o644))
	before, err := os.Stat(p)
	must(t, err)
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	must(t, c.Chmod("run.sh", os.ModeSetuid|0o777))
	must(t, c.Chown("run.sh", 4321, 4321))
	after, err := os.Stat(p)
	must(t, err)
	if after.Mode() != before.Mode() {
		t.Fatalf("mode %v, was %v", after.Mode(), before.Mode())
	}
	st, st0 := after.Sys().(*syscall.Stat_t), before.Sys().(*syscall.Stat_t)
	if st.Uid != st0.Uid || st.Gid != st0.Gid {
		t.Fatalf("owner %d:%d, was %d:%d", st.Uid, st.Gid, st0.Uid, st0.Gid)
	}
}
