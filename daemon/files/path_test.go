package files

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		in, want string // want "" = ErrPathInvalid
	}{
		{"", "."}, {"/", "."}, {".", "."}, {"./", "."}, {"a", "a"}, {"a/b", "a/b"}, {"a//b/", "a/b"},
		{"./a/./b", "a/b"}, {"config/server.properties", "config/server.properties"},
		{"with space/ünïcode", "with space/ünïcode"}, {"...", "..."}, {"a..b", "a..b"}, {".hidden", ".hidden"},
		{"100%", "100%"}, {"%41", "%41"},
		{"..", ""}, {"../x", ""}, {"a/../b", ""}, {"a/..", ""}, {"/etc/passwd", ""}, {"//etc", ""},
		{"a\x00b", ""}, {"a\\b", ""}, {"..\\..\\etc", ""}, {"%2e%2e/x", ""}, {"%2E%2E%2Fx", ""},
		{"a%2fb", ""}, {"a%5cb", ""}, {"a%00", ""}, {"\xc0\xae\xc0\xae/x", ""},
		{strings.Repeat("a", 256), ""}, {strings.Repeat("a/", 2049), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Clean(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrPathInvalid) {
					t.Fatalf("Clean(%q) = %q, %v; want ErrPathInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Clean(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// plant builds a volume with inside and outside symlinks next to an "outside" folder.
// With etc false the /etc link is left out (fuzzing writes through every link).
func plant(t testing.TB, etc bool) (vol, outside string) {
	t.Helper()
	base := fastTempDir(t)
	vol, outside = filepath.Join(base, "vol"), filepath.Join(base, "outside")
	for _, d := range []string{vol, outside, filepath.Join(vol, "dir/sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.WriteFile(filepath.Join(vol, "dir/file"), []byte("inside"), 0o644))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644))
	links := map[string]string{
		"abs":          outside,
		"up":           "../outside",
		"dir/up2":      "../../outside",
		"dir/sub/deep": "../../../outside/secret",
		"in":           "dir",
		"dir/back":     "../dir/file",
		"chain1":       "chain2",
		"chain2":       "up",
		"loop1":        "loop2",
		"loop2":        "loop1",
		"dangling_in":  "dir/nothing",
		"dangling_out": "../nothing",
		"dot":          ".",
	}
	if etc {
		links["etc"] = "/etc"
	}
	for name, target := range links {
		must(t, os.Symlink(target, filepath.Join(vol, name)))
	}
	return vol, outside
}

// fastTempDir is a temporary folder on tmpfs when /dev/shm exists (creating symlinks on a
// journaled disk costs the fuzzer most of its time), else t.TempDir.
func fastTempDir(t testing.TB) string {
	dir, err := os.MkdirTemp("/dev/shm", "skypanel-files-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	vol, _ := plant(t, true)
	r, err := os.OpenRoot(vol)
	must(t, err)
	defer r.Close()
	tests := []struct {
		p          string
		followLast bool
		want       string // "" = ErrPathInvalid
	}{
		{".", true, "."}, {"dir/file", true, "dir/file"}, {"in/file", true, "dir/file"},
		{"dir/back", true, "dir/file"}, {"in", false, "in"}, {"in", true, "dir"},
		{"dangling_in", true, "dir/nothing"}, {"missing/a/b", true, "missing/a/b"},
		{"dot/dot/dir/file", true, "dir/file"},
		{"abs", true, ""}, {"abs", false, ""}, {"etc/passwd", true, ""}, {"up/secret", true, ""},
		{"dir/up2", true, ""}, {"dir/sub/deep", true, ""}, {"chain1", true, ""}, {"chain1/x", false, ""},
		{"loop1", true, ""}, {"dangling_out", true, ""}, {"dangling_out", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.p, func(t *testing.T) {
			got, err := resolve(r, tt.p, tt.p, tt.followLast)
			if tt.want == "" {
				if !errors.Is(err, ErrPathInvalid) {
					t.Fatalf("resolve(%q) = %q, %v; want ErrPathInvalid", tt.p, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("resolve(%q) = %q, %v; want %q", tt.p, got, err, tt.want)
			}
		})
	}
}
