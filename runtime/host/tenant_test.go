package host

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

// isolatedRuntime returns a root runtime with cgroups, or skips.
func isolatedRuntime(t *testing.T) *Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (per-server uids and cgroups)")
	}
	r, _ := newTestRuntime(t)
	if ok, why := r.Enforced(); !ok {
		t.Skipf("cgroups unavailable: %s", why)
	}
	return r
}

// tenantUIDs returns n distinct uids far from the daemon's range (no other test's processes).
func tenantUIDs(n int) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	for len(out) < n {
		u := 1_000_000 + rand.Uint32N(900_000)
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// tenantDir returns a 0700 folder owned by uid, in a parent every uid can traverse.
func tenantDir(t *testing.T, uid uint32) string {
	t.Helper()
	parent := t.TempDir()
	for d := parent; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(parent, "volume")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, int(uid), int(uid)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startAs creates and starts command as uid in dir and returns its output.
func startAs(t *testing.T, r *Runtime, uid uint32, dir, command string, env map[string]string) (string, *runtimetest.Lines) {
	t.Helper()
	id := runtimetest.NewID()
	spec := runtime.Spec{ID: id, Command: command, Dir: dir, Env: env,
		User: &runtime.User{UID: uid, GID: uid}, Limits: runtime.Limits{MemoryMiB: 64, Pids: 64}}
	ctx := context.Background()
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, id) })
	c, err := r.Start(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return id, runtimetest.ReadLines(c.Output())
}

// TestTenants: two standard servers of two tenants run as their own uids with no_new_privs, and
// A can neither signal B, nor list or read B's folder, nor read B's working directory link.
func TestTenants(t *testing.T) {
	r := isolatedRuntime(t)
	uids := tenantUIDs(2)
	a, b := uids[0], uids[1]
	dirA, dirB := tenantDir(t, a), tenantDir(t, b)
	if err := os.WriteFile(filepath.Join(dirB, "secret"), []byte("B's"), 0o644); err != nil {
		t.Fatal(err)
	}
	idB, outB := startAs(t, r, b, dirB, `echo ready; exec sleep 1000`, nil)
	outB.Expect(t, "ready")
	pidB := r.current(idB).rec.pid
	if err := syscall.Kill(pidB, 0); err != nil { // B runs: a failing kill -0 from A is EPERM
		t.Fatalf("B's process %d: %v", pidB, err)
	}
	probe := `echo "uid:$(id -u) gid:$(id -g) groups:$(id -G)"
grep NoNewPrivs /proc/self/status
try() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n:allowed"; else echo "$n:denied"; fi; }
try kill kill -0 "$B_PID"
try list ls "$B_DIR"
try read cat "$B_DIR/secret"
try cwd readlink "/proc/$B_PID/cwd"
try owncwd readlink /proc/self/cwd
try ownfile sh -c 'echo x > mine'
echo done`
	_, outA := startAs(t, r, a, dirA, probe, map[string]string{"B_PID": strconv.Itoa(pidB), "B_DIR": dirB})
	ua := strconv.Itoa(int(a))
	for _, want := range []string{"uid:" + ua + " gid:" + ua + " groups:" + ua, "NoNewPrivs:\t1",
		"kill:denied", "list:denied", "read:denied", "cwd:denied", "owncwd:allowed", "ownfile:allowed", "done"} {
		outA.Expect(t, want)
	}
	// The positive controls: root sees B's cwd, A's file is A's.
	if cwd, err := os.Readlink("/proc/" + strconv.Itoa(pidB) + "/cwd"); err != nil || cwd != dirB {
		t.Fatalf("B's cwd = %q (%v), want %s", cwd, err, dirB)
	}
	assertOwner(t, filepath.Join(dirA, "mine"), a)
}

func assertOwner(t *testing.T, path string, uid uint32) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid {
		t.Fatalf("%s belongs to uid %d, want %d", path, st.Uid, uid)
	}
}

// TestDoubleForkDies: a server that leaves a setsid'ed, double-forked grandchild behind leaves no
// process of its uid after a stop (SIGTERM to the group), a kill or a delete.
func TestDoubleForkDies(t *testing.T) {
	r := isolatedRuntime(t)
	const command = `setsid /bin/sh -c 'sleep 1000 &'; echo forked; exec sleep 1000`
	for i, how := range []string{"stop", "kill", "delete"} {
		t.Run(how, func(t *testing.T) {
			uid := tenantUIDs(3)[i]
			id, out := startAs(t, r, uid, tenantDir(t, uid), command, nil)
			out.Expect(t, "forked")
			before := procsOf(t, uid)
			if len(before) < 3 { // wrapper, sleep, the orphaned sleep
				t.Fatalf("uid %d runs %v before the %s, want the wrapper and two sleeps", uid, before, how)
			}
			ctx := context.Background()
			wait, err := r.Wait(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			switch how {
			case "stop":
				err = r.Signal(ctx, id, syscall.SIGTERM)
			case "kill":
				err = r.Signal(ctx, id, syscall.SIGKILL)
			case "delete":
				err = r.Delete(ctx, id)
			}
			if err != nil {
				t.Fatal(err)
			}
			if how != "delete" {
				runtimetest.WaitExit(t, wait)
			}
			if left := procsOf(t, uid); len(left) > 0 {
				t.Fatalf("after %s, uid %d still runs %v", how, uid, left)
			}
		})
	}
}

// procsOf lists the live (not zombie) processes whose real uid is uid.
func procsOf(t *testing.T, uid uint32) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue // exited meanwhile
		}
		var name, state string
		owned := false
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			f := strings.Fields(v)
			switch {
			case k == "Name" && len(f) > 0:
				name = f[0]
			case k == "State" && len(f) > 0:
				state = f[0]
			case k == "Uid" && len(f) > 0:
				owned = f[0] == strconv.Itoa(int(uid))
			}
		}
		if owned && state != "Z" && state != "X" {
			out = append(out, strconv.Itoa(pid)+" "+name)
		}
	}
	return out
}

// TestDefaultPids: an instance without a pids limit gets DefaultPids in its cgroup, and a set
// limit wins.
func TestDefaultPids(t *testing.T) {
	r := isolatedRuntime(t)
	for _, c := range []struct {
		set, want int64
	}{{0, DefaultPids}, {64, 64}} {
		uid := tenantUIDs(1)[0]
		id := runtimetest.NewID()
		spec := runtime.Spec{ID: id, Command: "echo up; exec sleep 1000", Dir: tenantDir(t, uid),
			User: &runtime.User{UID: uid, GID: uid}, Limits: runtime.Limits{Pids: c.set}}
		ctx := context.Background()
		if err := r.Create(ctx, spec); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Delete(ctx, id) })
		con, err := r.Start(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = con.Close() })
		runtimetest.ReadLines(con.Output()).Expect(t, "up")
		g, err := cgroup.Open(r.CgroupPath(id))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := g.PidsMax(); err != nil || got != c.want {
			t.Errorf("pids limit %d (%v) with Limits.Pids %d, want %d", got, err, c.set, c.want)
		}
	}
}
