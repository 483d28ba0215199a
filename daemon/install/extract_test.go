package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon/install/installtest"
)

func TestExtract(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	in := New(config(fx), nil, logger(t))
	download := func(name string) Step {
		return Step{Type: "download", Files: []string{fx.URL + "/files/" + name}, Target: name}
	}
	good := []string{"README.txt", "game/data/level.dat", "game/link", "game/run.sh"}
	cases := []struct {
		archive, target string
		want            []string // files after extraction, besides the archive
		err             error
		parts           []string
	}{
		{archive: "archive.zip", want: good},
		{archive: "archive.tar.gz", want: append([]string{"README.txt", "game/data/level.dat", "game/hard"}, good[2:]...)},
		{archive: "archive.zip", target: "sub/dir", want: []string{"sub/dir/README.txt", "sub/dir/game/data/level.dat", "sub/dir/game/link", "sub/dir/game/run.sh"}},
		{archive: "zipslip.zip", err: ErrUnsafePath, parts: []string{"../../evil.txt", "escapes"}},
		{archive: "tarslip.tar.gz", err: ErrUnsafePath, parts: []string{"a/../../../evil.txt"}},
		{archive: "abs.tar.gz", err: ErrUnsafePath, parts: []string{"/tmp/evil.txt", "absolute"}},
		{archive: "symlink-escape.tar.gz", err: ErrUnsafePath, parts: []string{`"up"`, "outside"}},
		{archive: "symlink-abs.zip", err: ErrUnsafePath, parts: []string{"/etc"}},
		{archive: "hardlink-escape.tar.gz", err: ErrUnsafePath, parts: []string{"passwd"}},
		{archive: "corrupt.tar.gz", err: nil, parts: []string{"corrupt"}},
		{archive: "notanarchive.txt", err: nil, parts: []string{"unknown archive format"}},
	}
	for _, c := range cases {
		t.Run(c.archive+"→"+c.target, func(t *testing.T) {
			dir, out, err := install(t, in, download(c.archive), Step{Type: "extract", Source: c.archive, Target: c.target})
			if c.want == nil {
				if err == nil || !strings.Contains(err.Error(), c.parts[0]) {
					t.Fatalf("err = %v, want it to mention %v", err, c.parts)
				}
				if c.err != nil {
					expectErr(t, err, c.err, c.parts...)
				}
				expectNothing(t, dir, c.archive) // nothing extracted, no staging left
				if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil.txt")); err == nil {
					t.Fatal("evil.txt escaped")
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			want := append([]string{c.archive}, c.want...)
			expectNothing(t, dir, sorted(want)...)
			base := filepath.Join(dir, c.target)
			if fi, err := os.Stat(filepath.Join(base, "game/run.sh")); err != nil || fi.Mode().Perm()&0o100 == 0 {
				t.Errorf("run.sh mode: %v %v", fi, err)
			}
			if l, err := os.Readlink(filepath.Join(base, "game/link")); err != nil || l != "run.sh" {
				t.Errorf("link = %q %v", l, err)
			}
			if read(t, base, "game/data/level.dat") != "level" {
				t.Error("level.dat differs")
			}
		})
	}
}

func TestExtractMerges(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	in := New(config(fx), nil, logger(t))
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "game/data"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "game/data/level.dat"), []byte("old"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "game/keep.txt"), []byte("mine"), 0o644))
	var c console
	err := in.Run(t.Context(), definition(t, "standard", nil,
		Step{Type: "download", Files: []string{fx.URL + "/files/archive.zip"}, Target: "a.zip"},
		Step{Type: "extract", Source: "a.zip"}), dir, &c)
	if err != nil {
		t.Fatal(err)
	}
	if read(t, dir, "game/data/level.dat") != "level" || read(t, dir, "game/keep.txt") != "mine" {
		t.Fatal("extraction did not merge into the existing folder")
	}
}

func TestEntryName(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"a/b.txt", "a/b.txt", ""},
		{"./a//b/", "a/b", ""},
		{`win\dir\f.txt`, "win/dir/f.txt", ""},
		{"a/../b", "b", ""},
		{".", "", ""},
		{"../x", "", "escapes"},
		{`..\x`, "", "escapes"},
		{"/etc/passwd", "", "absolute"},
		{`C:\x`, "", "absolute"},
		{"a\x00b", "", "absolute"},
	}
	for _, c := range cases {
		got, err := entryName(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("entryName(%q) = %q, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("entryName(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
