package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReachHint: as root, a start that fails with "permission denied" names the folder the
// server's user cannot enter.
func TestReachHint(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (server processes run as another user only then)")
	}
	r, err := New(Options{StateDir: t.TempDir(), CgroupParent: NoCgroups})
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	closed := filepath.Join(base, "closed")
	vol := filepath.Join(closed, "volumes", "srv")
	if err := os.MkdirAll(vol, 0o711); err != nil {
		t.Fatal(err)
	}
	uid, gid := r.Owner()
	if err := os.Chown(vol, int(uid), int(gid)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mode os.FileMode
		want string // in the hint; "" = no hint
	}{
		{"parent not enterable", 0o700, closed + " has mode -rwx------"},
		{"parent enterable", 0o711, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.Chmod(closed, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Dir(base), 0o711); err != nil { // t.TempDir's parent is 0700
				t.Fatal(err)
			}
			got := r.reachHint(vol, uid, gid)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("reachHint(%s) = %q, want %q", vol, got, tc.want)
			}
		})
	}
}
