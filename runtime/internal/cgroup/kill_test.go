package cgroup

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// TestKillV2 checks the cgroup v2 path on a fake hierarchy: Kill writes cgroup.kill and returns
// once cgroup.procs is empty.
func TestKillV2(t *testing.T) {
	root := t.TempDir()
	g := &Group{path: "/skypanel-test/a", h: hierarchy{v2: true, root: root}}
	dir := filepath.Join(root, "skypanel-test", "a")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.kill"))
	if err != nil || string(b) != "1" {
		t.Fatalf("cgroup.kill = %q (%v), want 1", b, err)
	}
	// A group that is gone is already empty.
	gone := &Group{path: "/skypanel-test/gone", h: hierarchy{v2: true, root: root}}
	if err := gone.Kill(); err != nil {
		t.Fatalf("Kill of a missing group: %v", err)
	}
}

// TestKillDoubleFork (root, real cgroups): a grandchild that left the session and process group
// (setsid + background + parent exits) is killed with the group.
func TestKillDoubleFork(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := Version(); err != nil {
		t.Skip(err)
	}
	g, err := Create("/skypanel-test/"+filepath.Base(t.TempDir()), runtimeLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = g.Delete()
		if parent, err := Open("/skypanel-test"); err == nil {
			_ = parent.Delete()
		}
	}()
	pidFile := filepath.Join(t.TempDir(), "pid")
	cmd := exec.Command("/bin/sh", "-c", `read -r _; setsid /bin/sh -c 'sleep 1000 & echo $! > "$1"' sh "$1"; exec sleep 1000`, "sh", pidFile)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := g.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	grandchild := waitPidFile(t, pidFile)
	if !running(grandchild) {
		t.Fatalf("grandchild %d is not running before Kill", grandchild)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	if running(grandchild) {
		t.Fatalf("grandchild %d survived Kill", grandchild)
	}
	if pids, err := g.Pids(); err != nil || len(pids) != 0 {
		t.Fatalf("group still holds %v (%v)", pids, err)
	}
}

// waitPidFile waits for the shell to write the grandchild's pid (synchronisation, not a timed
// assertion: the test fails only through go test's own timeout).
func waitPidFile(t *testing.T, file string) int {
	t.Helper()
	for {
		b, err := os.ReadFile(file)
		if err == nil && bytes.HasSuffix(b, []byte("\n")) {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running reports whether pid exists and is not a zombie (a killed process whose parent has
// not reaped it yet is dead).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && len(b) > i+2 && b[i+2] != 'Z' && b[i+2] != 'X'
}

func runtimeLimits() runtime.Limits { return runtime.Limits{MemoryMiB: 64, Pids: 64} }
