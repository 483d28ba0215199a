package configfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/files"
)

// folder makes a server folder with files (name → content; a "->" prefix makes a symlink)
// and opens it as an os.Root.
func folder(t *testing.T, contents map[string]string) (string, *os.Root) {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "server")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range contents {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return dir, r
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func stat(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}

// noTemp fails when a temporary file is left in dir.
func noTemp(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && files.IsTemp(d.Name()) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

var none = Owner{UID: -1, GID: -1}

func TestApplyCreates(t *testing.T) {
	dir, r := folder(t, nil)
	owner := none
	if os.Geteuid() == 0 {
		owner = Owner{UID: 1234, GID: 2345}
	}
	f := File{Path: "config/game/server.properties", Parser: Properties, Set: []Set{s("server-port", "25565")}}
	if err := Apply(r, f, owner); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "config/game/server.properties")
	if got := readFile(t, p); got != "server-port=25565\n" {
		t.Fatalf("got %q", got)
	}
	for _, c := range []struct {
		p    string
		mode uint32
	}{{p, 0o644}, {filepath.Join(dir, "config"), 0o755}, {filepath.Join(dir, "config/game"), 0o755}} {
		st := stat(t, c.p)
		if st.Mode&0o777 != c.mode {
			t.Errorf("%s: mode %o, want %o", c.p, st.Mode&0o777, c.mode)
		}
		if owner.UID >= 0 && (int(st.Uid) != owner.UID || int(st.Gid) != owner.GID) {
			t.Errorf("%s: owner %d:%d, want %d:%d", c.p, st.Uid, st.Gid, owner.UID, owner.GID)
		}
	}
	noTemp(t, dir)
}

func TestApplyKeepsModeAndOwner(t *testing.T) {
	dir, r := folder(t, map[string]string{"cfg.json": `{"a":1}`})
	p := filepath.Join(dir, "cfg.json")
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	root := os.Geteuid() == 0
	if root {
		if err := os.Chown(p, 1000, 1001); err != nil {
			t.Fatal(err)
		}
	}
	before := stat(t, p)
	if err := Apply(r, File{Path: "cfg.json", Parser: JSON, Set: []Set{s("a", "2")}}, Owner{UID: 5, GID: 5}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, p); got != `{"a":2}` {
		t.Fatalf("got %q", got)
	}
	after := stat(t, p)
	if after.Mode&0o777 != 0o600 {
		t.Errorf("mode %o, want 600", after.Mode&0o777)
	}
	if root && (after.Uid != 1000 || after.Gid != 1001) {
		t.Errorf("owner %d:%d, want 1000:1001", after.Uid, after.Gid)
	}
	if after.Ino == before.Ino {
		t.Error("rewritten in place, not replaced by a rename")
	}
}

func TestApplyUnchangedNotRewritten(t *testing.T) {
	dir, r := folder(t, map[string]string{"a.ini": "[S]\nk=1\n"})
	p := filepath.Join(dir, "a.ini")
	before := stat(t, p)
	if err := Apply(r, File{Path: "a.ini", Parser: INI, Set: []Set{s("S.k", "1")}}, none); err != nil {
		t.Fatal(err)
	}
	if stat(t, p).Ino != before.Ino {
		t.Error("an unchanged file was rewritten")
	}
}

func TestApplyMalformedUntouched(t *testing.T) {
	for _, c := range []struct{ name, parser, content string }{
		{"bad.json", JSON, `{"a":`},
		{"bad.yml", YAML, "a: [\n"},
		{"bad.xml", XML, "<a><b></a>"},
	} {
		t.Run(c.parser, func(t *testing.T) {
			dir, r := folder(t, map[string]string{c.name: c.content})
			err := Apply(r, File{Path: c.name, Parser: c.parser, Set: []Set{s("a", "1")}}, none)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.name) {
				t.Fatalf("err = %v, want ErrMalformed naming the file", err)
			}
			if got := readFile(t, filepath.Join(dir, c.name)); got != c.content {
				t.Fatalf("file changed to %q", got)
			}
			noTemp(t, dir)
		})
	}
}

func TestApplyTooLarge(t *testing.T) {
	big := strings.Repeat("#\n", MaxSize/2+1)
	dir, r := folder(t, map[string]string{"big.properties": big})
	err := Apply(r, File{Path: "big.properties", Parser: Properties, Set: []Set{s("a", "1")}}, none)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if got := readFile(t, filepath.Join(dir, "big.properties")); got != big {
		t.Fatal("file changed")
	}
}

// TestApplyAtomic: a write failing before the rename leaves the old file and no temporary file.
func TestApplyAtomic(t *testing.T) {
	dir, r := folder(t, map[string]string{"server.properties": "a=1\n"})
	boom := errors.New("disk gone")
	var tmp string
	beforeRename = func(p string) error {
		tmp = p
		return boom
	}
	t.Cleanup(func() { beforeRename = func(string) error { return nil } })
	err := Apply(r, File{Path: "server.properties", Parser: Properties, Set: []Set{s("a", "2")}}, none)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if tmp == "" {
		t.Fatal("the hook never ran")
	}
	if !files.IsTemp(filepath.Base(tmp)) {
		t.Fatalf("temporary %q is not named like the files service's (files.IsTemp)", tmp)
	}
	if got := readFile(t, filepath.Join(dir, "server.properties")); got != "a=1\n" {
		t.Fatalf("old file changed to %q", got)
	}
	noTemp(t, dir)
}

// TestApplySwappedForFIFO: a FIFO swapped in between the check and the open is refused at
// once (ErrNotRegular), not opened for a read that blocks the start until a writer comes.
func TestApplySwappedForFIFO(t *testing.T) {
	dir, r := folder(t, map[string]string{"server.properties": "a=1\n"})
	p := filepath.Join(dir, "server.properties")
	beforeOpen = func(string) {
		if err := os.Remove(p); err != nil {
			t.Error(err)
		}
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { beforeOpen = func(string) {} })
	done := make(chan error, 1)
	go func() {
		done <- Apply(r, File{Path: "server.properties", Parser: Properties, Set: []Set{s("a", "2")}}, none)
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Fatalf("err = %v, want ErrNotRegular", err)
		}
	case <-time.After(10 * time.Second):
		// Release the blocked open so the goroutine ends.
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = w.Close()
		}
		t.Fatal("Apply blocked opening a FIFO")
	}
	noTemp(t, dir)
}

func TestApplyNotRegular(t *testing.T) {
	_, r := folder(t, map[string]string{"dir/x": "", "file": ""})
	for _, p := range []string{"dir", "file/x.json"} {
		err := Apply(r, File{Path: p, Parser: JSON, Set: []Set{s("a", "1")}}, none)
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: err = %v, want ErrNotRegular", p, err)
		}
	}
}

func TestApplySymlinks(t *testing.T) {
	dir, r := folder(t, map[string]string{
		"real/game.ini":   "[S]\nk=1\n",
		"link.ini":        "->real/game.ini",
		"cfg":             "->real",
		"chain.ini":       "->link.ini",
		"abs.ini":         "->/home/container/real/game.ini",
		"up.ini":          "->../outside.ini",
		"updir":           "->../../",
		"dangling.ini":    "->real/new.ini",
		"real/back/x.ini": "->../../link.ini",
	})
	outside := filepath.Join(filepath.Dir(dir), "outside.ini")
	if err := os.WriteFile(outside, []byte("[S]\nk=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok := []struct{ path, real string }{
		{"link.ini", "real/game.ini"}, {"cfg/game.ini", "real/game.ini"}, {"chain.ini", "real/game.ini"},
		{"real/back/x.ini", "real/game.ini"}, {"dangling.ini", "real/new.ini"},
	}
	for i, c := range ok {
		v := string(rune('2' + i))
		if err := Apply(r, File{Path: c.path, Parser: INI, Set: []Set{s("S.k", v)}}, none); err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if got := readFile(t, filepath.Join(dir, c.real)); got != "[S]\nk="+v+"\n" {
			t.Fatalf("%s: %s has %q", c.path, c.real, got)
		}
		if fi, err := os.Lstat(filepath.Join(dir, c.path)); err != nil || fi.Mode()&fs.ModeSymlink == 0 && c.path != "cfg/game.ini" {
			t.Fatalf("%s: the link was replaced (%v)", c.path, err)
		}
	}
	for _, p := range []string{"abs.ini", "up.ini", "updir/outside.ini"} {
		err := Apply(r, File{Path: p, Parser: INI, Set: []Set{s("S.k", "9")}}, none)
		if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("%s: err = %v, want ErrUnsafePath", p, err)
		}
	}
	if got := readFile(t, outside); got != "[S]\nk=1\n" {
		t.Fatalf("a file outside the root changed: %q", got)
	}
	if b, _ := os.ReadFile("/home/container/real/game.ini"); bytes.Contains(b, []byte("k=9")) {
		t.Fatal("an absolute link was followed on the host")
	}
}

func TestValidate(t *testing.T) {
	good := []File{
		{Path: "server.properties", Parser: Properties, Set: []Set{s("a", "1")}},
		{Path: "config/paper-global.yml", Parser: YAML, Set: []Set{s("proxies.velocity.secret", "x")}},
		{Path: "a b/c.json", Parser: JSON},
		{Path: "cfg.xml", Parser: XML, Set: []Set{s("config.server.@port", "1")}},
		{Path: "x.ini", Parser: INI, Set: []Set{s("[a.b].c", "1")}},
		{Path: "eula.txt", Parser: Lines, Set: []Set{s("eula=", "eula=true")}},
	}
	for _, f := range good {
		if err := Validate(f); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
	bad := []File{
		{Path: "", Parser: JSON}, {Path: ".", Parser: JSON}, {Path: "/etc/passwd", Parser: Lines},
		{Path: "../x", Parser: JSON}, {Path: "a/../../x", Parser: JSON}, {Path: "a//b", Parser: JSON},
		{Path: "a/", Parser: JSON}, {Path: "./a", Parser: JSON}, {Path: "a\x00b", Parser: JSON},
		{Path: "a.toml", Parser: "toml"}, {Path: "a.json", Parser: ""},
		{Path: "a.json", Parser: JSON, Set: []Set{s("", "1")}},
		{Path: "a.json", Parser: JSON, Set: []Set{s("a..b", "1")}},
		{Path: "a.yml", Parser: YAML, Set: []Set{s(".a", "1")}},
		{Path: "a.ini", Parser: INI, Set: []Set{s("s.", "1")}},
		{Path: "a.properties", Parser: Properties, Set: []Set{s("a b", "1")}},
		{Path: "a.xml", Parser: XML, Set: []Set{s("a.@b.c", "1")}},
	}
	for _, f := range bad {
		err := Validate(f)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", f, err)
		}
		if _, r := folder(t, nil); !errors.Is(Apply(r, f, none), ErrInvalid) {
			t.Errorf("%+v: Apply did not refuse it", f)
		}
	}
}

// TestApplyBOM: a byte order mark is not part of the first key and stays in the file.
func TestApplyBOM(t *testing.T) {
	for _, c := range []struct{ parser, old, key, want string }{
		{JSON, "\ufeff{\"a\":1}\n", "a", "\ufeff{\"a\":2}\n"},
		{Properties, "\ufeffa=1\n", "a", "\ufeffa=2\n"},
		{INI, "\ufeffa=1\n", "a", "\ufeffa=2\n"},
		{XML, "\ufeff<a>1</a>\n", "a", "\ufeff<a>2</a>\n"},
		{YAML, "\ufeffa: 1\n", "a", "\ufeffa: 2\n"},
	} {
		t.Run(c.parser, func(t *testing.T) {
			dir, r := folder(t, map[string]string{"f": c.old})
			if err := Apply(r, File{Path: "f", Parser: c.parser, Set: []Set{s(c.key, "2")}}, none); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, filepath.Join(dir, "f")); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
