package host

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

// newTestRuntime returns a runtime on a fresh state folder, logging to t. Test runtimes are
// ModeUnisolated: the same as ModeAdmin as root, and runnable by a normal user.
func newTestRuntime(t *testing.T) (*Runtime, Options) {
	t.Helper()
	opts := Options{StateDir: t.TempDir(), Mode: ModeUnisolated, Logger: testLogger(t)}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, opts
}

// dataDir returns a data folder owned by the runtime's user.
func dataDir(t *testing.T, r *Runtime) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	uid, gid := r.Owner()
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		t.Fatal(err)
	}
	// t.TempDir's folders are 0700 root: let the user traverse them.
	for d := filepath.Dir(dir); d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestContract(t *testing.T) {
	cases := []struct {
		name   string
		parent string
	}{
		{"Cgroups", ""},
		{"NoCgroups", NoCgroups},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runtimetest.Run(t, func(t *testing.T) (runtime.Runtime, runtimetest.Env) {
				return contractEnv(t, c.parent)
			})
		})
	}
}

func contractEnv(t *testing.T, cgroupParent string) (runtime.Runtime, runtimetest.Env) {
	opts := Options{StateDir: t.TempDir(), Mode: ModeUnisolated, CgroupParent: cgroupParent, Logger: testLogger(t)}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	enforced, why := r.Enforced()
	if !enforced {
		t.Logf("limits not enforced: %s", why)
	}
	return r, runtimetest.Env{
		Dir:            func(t *testing.T) string { return dataDir(t, r) },
		WorkDir:        func(dir string) string { return dir },
		EnforcesMemory: enforced,
		Reopen: func(t *testing.T) runtime.Runtime {
			r2, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			return r2
		},
		Leftovers: func(t *testing.T, id string) []string {
			var left []string
			if _, err := os.Stat(r.dir(id)); err == nil {
				left = append(left, "state folder "+r.dir(id))
			}
			if p := r.CgroupPath(id); p != "" {
				for _, c := range []string{"memory", "pids", "unified", ""} {
					d := filepath.Join("/sys/fs/cgroup", c, p)
					if _, err := os.Stat(d); err == nil {
						left = append(left, "cgroup "+d)
					}
				}
			}
			return left
		},
	}
}

// TestNeverRoot checks that commands run as the configured unprivileged user.
func TestNeverRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: as a normal user processes run as that user")
	}
	r, _ := newTestRuntime(t)
	uid, _ := r.Owner()
	if uid == 0 {
		t.Fatal("Owner() is root")
	}
	id := runtimetest.NewID()
	spec := runtime.Spec{ID: id, Command: `echo "uid:$(id -u)"`, Dir: dataDir(t, r)}
	ctx := context.Background()
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, id) })
	c, err := r.Start(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	runtimetest.ReadLines(c.Output()).Expect(t, "uid:"+strconv.Itoa(int(uid)))
}

// TestDaemonKilled: a daemon killed with SIGKILL leaves the process running; a new runtime
// attaches to it.
func TestDaemonKilled(t *testing.T) {
	runtimetest.KillDaemon(t, func(t *testing.T, stateDir string) runtime.Runtime {
		r, err := New(Options{StateDir: stateDir, Mode: ModeUnisolated, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}, func(t *testing.T) runtime.Spec {
		r, _ := newTestRuntime(t)
		return runtime.Spec{ID: runtimetest.NewID(), Dir: dataDir(t, r), Limits: runtime.Limits{MemoryMiB: 64}}
	})
}

func benchRuntime(b *testing.B) (*Runtime, string) {
	r, err := New(Options{StateDir: b.TempDir(), Mode: ModeUnisolated, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	uid, gid := r.Owner()
	_ = os.Chown(dir, int(uid), int(gid))
	for d := filepath.Dir(dir); d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	return r, dir
}

func BenchmarkStart(b *testing.B) {
	r, dir := benchRuntime(b)
	runtimetest.BenchStart(b, r, runtime.Spec{Dir: dir, Limits: runtime.Limits{MemoryMiB: 64}})
}

func BenchmarkOutput(b *testing.B) {
	r, dir := benchRuntime(b)
	runtimetest.BenchOutput(b, r, runtime.Spec{Dir: dir}, 64<<20)
}
