package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon/files"
)

// deepPath is a folder chain whose full path passes PATH_MAX (4096 bytes).
func deepPath() string {
	parts := make([]string, 20)
	for i := range parts {
		parts[i] = strings.Repeat(string(rune('a'+i)), 250)
	}
	return filepath.Join(parts...)
}

// hostileNames are names a tenant's game can create in its folder (os calls, not the API).
var hostileNames = []struct {
	name string
	path string // relative; a trailing "/" makes a folder
	link string // when set: a symlink to this target
	fail string // when set: the backup must fail with a reason containing this
}{
	{"newline", "new\nline.txt", "", ""},
	{"carriage return", "cr\r.txt", "", ""},
	{"backslash", `back\slash.txt`, "", ""},
	{"backslash folder", `dir\x/inner.txt`, "", ""},
	{"invalid UTF-8", "bad\xff\xfe.txt", "", ""},
	{"invalid UTF-8 folder", "\xc3\x28/f.txt", "", ""},
	{"control characters", "ctl\x01\x1b[31m.txt", "", ""},
	{"DEL", "del\x7f.txt", "", ""},
	{"percent-encoded dot", "%2e%2e", "", ""},
	{"percent-encoded slash", "a%2fb.txt", "", ""},
	{"percent-encoded NUL", "n%00.txt", "", ""},
	{"255-byte name", strings.Repeat("n", 255), "", ""},
	{"255-byte UTF-8 name", strings.Repeat("é", 127) + "x", "", ""},
	{"deep path over 4096 bytes", deepPath() + "/deep.txt", "", ""},
	{"leading dash", "-rf", "", ""},
	{"spaces", " lead and trail ", "", ""},
	{"dots", "...", "", ""},
	{"PAX-like", "path=x\n30 mtime=0", "", ""},
	{"upload prefix lookalike", ".skypanel-upload-mine", "", ""},
	{"link with newline target", "ln1", "new\nline.txt", ""},
	{"link with invalid UTF-8 target", "ln2", "bad\xff\xfe.txt", ""},
	{"link with long target", "ln3", strings.Repeat("../", 400) + "etc/passwd", ""},
	{"link named with backslash", `ln\4`, "x", ""},
	{"read-only folder", "ro/", "", ""},
	{"folders nested deeper than the walk goes", strings.Repeat("d/", 258) + "f", "", "nested deeper than 256"},
}

// TestHostileNames: for every name a game can create, the backup restores it byte-exact, or
// (only where the table says so) fails naming it; it never ends done with a name the restore
// refuses.
func TestHostileNames(t *testing.T) {
	for _, c := range hostileNames {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t)
			must(t, os.WriteFile(filepath.Join(n.vol, "plain.txt"), []byte("plain"), 0o644))
			p := filepath.Join(n.vol, c.path)
			must(t, mkdirDeep(n.vol, filepath.Dir(c.path)))
			switch {
			case c.link != "":
				must(t, os.Symlink(c.link, p))
			case strings.HasSuffix(c.path, "/"):
				must(t, os.WriteFile(filepath.Join(p, "inside"), []byte("in a read-only folder"), 0o644))
				must(t, os.Chmod(p, 0o555))
			default:
				must(t, writeDeep(n.vol, c.path, []byte("content of "+c.path)))
			}
			want := ""
			if c.fail == "" {
				want = deepTreeHash(t, n.vol)
			}
			m := n.manager(t, nil)
			in, err := m.Create("srv", n.vol, CreateOptions{Max: 5})
			must(t, err)
			must(t, m.Wait(context.Background(), "srv"))
			in, err = m.Get("srv", in.ID)
			must(t, err)
			if c.fail != "" {
				if in.State != StateFailed || !strings.Contains(in.Reason, c.fail) {
					t.Fatalf("backup %s (%s), want failed with %q", in.State, in.Reason, c.fail)
				}
				return
			}
			if in.State != StateDone {
				t.Fatalf("backup %s: %s", in.State, in.Reason)
			}
			must(t, os.WriteFile(filepath.Join(n.vol, "plain.txt"), []byte("changed"), 0o644))
			if err := m.Restore(context.Background(), "srv", in.ID, n.vol, RestoreOptions{}); err != nil {
				t.Fatalf("backup done but restore fails: %v", err)
			}
			if got := deepTreeHash(t, n.vol); got != want {
				t.Fatalf("restored tree:\n%q\nwant:\n%q", got, want)
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rootAt opens the folder rel (any length) under base one component at a time.
func rootAt(base, rel string) (*os.Root, error) {
	r, err := os.OpenRoot(base)
	if err != nil {
		return nil, err
	}
	for _, c := range strings.Split(rel, "/") {
		if c == "" || c == "." {
			continue
		}
		sub, err := r.OpenRoot(c)
		_ = r.Close()
		if err != nil {
			return nil, err
		}
		r = sub
	}
	return r, nil
}

// mkdirDeep creates the folder rel (any length) under base.
func mkdirDeep(base, rel string) error {
	cur := ""
	for _, c := range strings.Split(rel, "/") {
		if c == "" || c == "." {
			continue
		}
		r, err := rootAt(base, cur)
		if err != nil {
			return err
		}
		err = r.Mkdir(c, 0o755)
		_ = r.Close()
		if err != nil && !os.IsExist(err) {
			return err
		}
		cur = filepath.Join(cur, c)
	}
	return nil
}

// writeDeep writes the file rel (any length) under base.
func writeDeep(base, rel string, data []byte) error {
	r, err := rootAt(base, filepath.Dir(rel))
	if err != nil {
		return err
	}
	defer r.Close()
	return r.WriteFile(filepath.Base(rel), data, 0o644)
}

// deepTreeHash is treeHash for trees whose paths pass PATH_MAX (walked through os.Root).
func deepTreeHash(t testing.TB, dir string) string {
	t.Helper()
	r, err := os.OpenRoot(dir)
	must(t, err)
	defer r.Close()
	var b strings.Builder
	err = files.Walk(r, func(rel string, d *os.Root, name string, fi fs.FileInfo) error {
		fmt.Fprintf(&b, "%q %v", rel, fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := d.Readlink(name)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " -> %q", target)
		case fi.Mode().IsRegular():
			data, err := d.ReadFile(name)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			b.WriteString(" " + hex.EncodeToString(sum[:]))
		}
		b.WriteString("\n")
		return nil
	})
	must(t, err)
	return b.String()
}
