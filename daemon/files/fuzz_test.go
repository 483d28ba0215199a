package files

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzResolve throws arbitrary paths at Clean and at every operation of a Service on a volume
// full of inside and outside symlinks (the SFTP primitives too: Create, Stat, Truncate,
// Chtimes, Rename, Remove): Clean's output is always clean and relative, and nothing outside
// the volume is ever read, created, changed (content, mode, times) or removed.
// CI: go test -run '^$' -fuzz FuzzResolve -fuzztime 15s ./daemon/files
func FuzzResolve(f *testing.F) {
	for _, seed := range []string{"", "/", "a", "dir/file", "in/file", "abs/secret", "up/secret", "../outside/secret",
		"dir/up2/x", "chain1/new", "loop1", "dangling_out", "dot/dot/up/secret", "a/../../b", "%2e%2e/x",
		"dir/sub/deep", "in/../up", "x\x00y", "new/dir/file"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		checkClean(t, p)
		vol, outside := plant(t, false)
		before := snapshot(t, outside)
		s := New(Options{})
		v := Volume{ID: "fuzz", Dir: vol, LimitBytes: 1 << 20}
		if res, err := s.Read(v, p, 1, 10); err == nil && res.File != nil {
			got := make([]byte, 64)
			n, _ := res.File.Read(got)
			res.File.Close()
			if bytes.Equal(got[:n], []byte("secret")) {
				t.Fatalf("Read(%q) returned the outside file", p)
			}
		}
		_ = s.Write(v, p, strings.NewReader("fuzz"), 4)
		_ = s.Mkdir(v, p+"/fuzzdir")
		if u, err := s.Create(v, p, true, false); err == nil {
			_, _ = u.WriteAt([]byte("fuzz"), 2)
			_ = u.Truncate(3)
			_ = u.Commit()
		}
		_, _ = s.Stat(v, p)
		_ = s.Truncate(v, p, 0)
		_ = s.Chtimes(v, p, time.Unix(0, 0), time.Unix(0, 0))
		_ = s.Rename(v, p, "renamed", true)
		_ = s.Rename(v, "dir/file", p, true)
		_ = s.Remove(v, p, false)
		_ = s.Remove(v, p, true)
		_ = s.Delete(v, p)
		if after := snapshot(t, outside); after != before {
			t.Fatalf("path %q changed the outside folder:\n%s\nwas\n%s", p, after, before)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(vol), "fuzzdir")); err == nil {
			t.Fatalf("path %q created a folder next to the volume", p)
		}
	})
}

func checkClean(t *testing.T, p string) {
	got, err := Clean(p)
	if err != nil {
		if !errors.Is(err, ErrPathInvalid) {
			t.Fatalf("Clean(%q): %v is not ErrPathInvalid", p, err)
		}
		return
	}
	switch {
	case got == "":
		t.Fatalf("Clean(%q) = empty", p)
	case strings.HasPrefix(got, "/"), strings.ContainsRune(got, 0), strings.Contains(got, "\\"):
		t.Fatalf("Clean(%q) = %q", p, got)
	}
	for _, c := range strings.Split(got, "/") {
		if c == ".." || c == "" || (c == "." && got != ".") {
			t.Fatalf("Clean(%q) = %q has component %q", p, got, c)
		}
	}
	if again, err := Clean(got); err != nil || again != got {
		t.Fatalf("Clean(Clean(%q)) = %q, %v; want %q", p, again, err, got)
	}
}

// snapshot lists a folder tree with sizes and contents.
func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(path + " " + fi.Mode().String() + " " + fi.ModTime().String())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b.WriteString(" " + string(data))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
