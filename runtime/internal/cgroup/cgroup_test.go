package cgroup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

func TestParseMountinfo(t *testing.T) {
	cases := []struct {
		name   string
		lines  string
		v2     bool
		memory string
		err    bool
	}{
		{"Hybrid", `25 20 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
30 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
32 25 0:28 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`, false, "/sys/fs/cgroup/memory", false},
		{"Unified", `29 23 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
`, true, "", false},
		{"None", `22 1 0:20 / /proc rw - proc proc rw
`, false, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "mountinfo")
			if err := os.WriteFile(f, []byte(c.lines), 0o600); err != nil {
				t.Fatal(err)
			}
			h := parseMountinfo(f)
			if (h.err != nil) != c.err || h.v2 != c.v2 || h.roots["memory"] != c.memory {
				t.Fatalf("got v2=%v memory=%q err=%v", h.v2, h.roots["memory"], h.err)
			}
			if c.name == "Hybrid" && h.roots["cpuacct"] != "/sys/fs/cgroup/cpu,cpuacct" {
				t.Fatalf("cpuacct at %q", h.roots["cpuacct"])
			}
		})
	}
}

// TestGroupLimits creates a real cgroup (root only) and reads the limits back.
func TestGroupLimits(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := Version(); err != nil {
		t.Skip(err)
	}
	g, err := Create("/skypanel-test/"+filepath.Base(t.TempDir()), runtime.Limits{MemoryMiB: 32, CPUPercent: 50, Pids: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = g.Delete()
		if parent, err := Open("/skypanel-test"); err == nil {
			_ = parent.Delete()
		}
	}()
	if _, limit, err := g.Memory(); err != nil || limit != 32<<20 {
		t.Fatalf("limit %d (%v), want %d", limit, err, 32<<20)
	}
	if err := g.Set(runtime.Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, limit, err := g.Memory(); err != nil || limit != 0 {
		t.Fatalf("limit %d (%v) after removing it, want 0", limit, err)
	}
	if n, err := g.OOMKills(); err != nil || n != 0 {
		t.Fatalf("OOMKills = %d, %v", n, err)
	}
}
