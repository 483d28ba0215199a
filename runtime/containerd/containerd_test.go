package containerd

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

// Environment of the integration tests (see testmain_test.go for SKYPANEL_TEST_CONTAINERD=auto).
const (
	envAddress = "SKYPANEL_TEST_CONTAINERD" // containerd socket, or "auto"
	envImage   = "SKYPANEL_TEST_IMAGE"      // image already imported into namespace skypanel
)

// testConfig returns the socket and image, or skips the test.
func testConfig(t *testing.T) (address, image string) {
	t.Helper()
	address, image = os.Getenv(envAddress), os.Getenv(envImage)
	if address == "" || image == "" {
		t.Skipf("containerd tests need %s (socket, or \"auto\" to start a private containerd as root) and %s "+
			"(an image imported into namespace skypanel); scripts/containerd-test-env.sh prints both", envAddress, envImage)
	}
	return address, image
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func newTestRuntime(t *testing.T, opts Options) *Runtime {
	t.Helper()
	r, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func testOptions(t *testing.T) (Options, string) {
	address, image := testConfig(t)
	return Options{Address: address, StateDir: t.TempDir(), Logger: testLogger(t), Network: testNetwork}, image
}

// testNetwork keeps the tests' containers on their own bridge, away from a node's skypanel0.
var testNetwork = NetworkOptions{Bridge: "skypaneltest0", Subnet: "10.238.0.0/16"}

func TestContract(t *testing.T) {
	runtimetest.Run(t, func(t *testing.T) (runtime.Runtime, runtimetest.Env) {
		opts, image := testOptions(t)
		r := newTestRuntime(t, opts)
		return r, runtimetest.Env{
			Image:          image,
			BadImage:       "127.0.0.1:1/skypanel/missing:1",
			Dir:            func(t *testing.T) string { return t.TempDir() },
			WorkDir:        func(string) string { return WorkDir },
			EnforcesMemory: true,
			Reopen:         func(t *testing.T) runtime.Runtime { return newTestRuntime(t, opts) },
			Leftovers:      func(t *testing.T, id string) []string { return leftovers(t, r, id) },
		}
	})
}

// leftovers lists the container, task, snapshot, FIFO folder and cgroup of id that still exist.
func leftovers(t *testing.T, r *Runtime, id string) []string {
	ctx := r.ns(context.Background())
	cid := ContainerID(id)
	var left []string
	if c, err := r.client.LoadContainer(ctx, cid); err == nil {
		left = append(left, "container "+cid)
		if _, err := c.Task(ctx, nil); err == nil {
			left = append(left, "task "+cid)
		}
	}
	if _, err := r.client.SnapshotService(r.opts.Snapshotter).Stat(ctx, cid); err == nil {
		left = append(left, "snapshot "+cid)
	}
	if _, err := os.Stat(r.stateDir(id)); err == nil {
		left = append(left, "folder "+r.stateDir(id))
	}
	if _, err := os.Stat(filepath.Join("/sys/fs/cgroup/memory", r.opts.Namespace, cid)); err == nil {
		left = append(left, "cgroup "+cid)
	}
	return left
}

// TestDaemonKilled: a daemon killed with SIGKILL leaves the container running; a new runtime
// attaches to it, with stdin still open.
func TestDaemonKilled(t *testing.T) {
	address, image := testConfig(t)
	runtimetest.KillDaemon(t, func(t *testing.T, stateDir string) runtime.Runtime {
		return newTestRuntime(t, Options{Address: address, StateDir: stateDir, Logger: testLogger(t), Network: testNetwork})
	}, func(t *testing.T) runtime.Spec {
		return runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: t.TempDir(), Limits: runtime.Limits{MemoryMiB: 64}}
	})
}

func TestUnavailable(t *testing.T) {
	r := newTestRuntime(t, Options{Address: filepath.Join(t.TempDir(), "none.sock"), StateDir: t.TempDir(), Logger: testLogger(t)})
	err := r.Available(context.Background())
	if !errors.Is(err, runtime.ErrUnavailable) {
		t.Fatalf("Available() = %v, want ErrUnavailable", err)
	}
	t.Logf("reason: %v", err)
}

func BenchmarkStart(b *testing.B) {
	address, image := os.Getenv(envAddress), os.Getenv(envImage)
	if address == "" || image == "" {
		b.Skip("needs " + envAddress + " and " + envImage)
	}
	r, err := New(context.Background(), Options{Address: address, StateDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler), Network: testNetwork})
	if err != nil {
		b.Fatal(err)
	}
	runtimetest.BenchStart(b, r, runtime.Spec{Image: image, Dir: b.TempDir(), Limits: runtime.Limits{MemoryMiB: 64}})
}

func BenchmarkOutput(b *testing.B) {
	address, image := os.Getenv(envAddress), os.Getenv(envImage)
	if address == "" || image == "" {
		b.Skip("needs " + envAddress + " and " + envImage)
	}
	r, err := New(context.Background(), Options{Address: address, StateDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler), Network: testNetwork})
	if err != nil {
		b.Fatal(err)
	}
	runtimetest.BenchOutput(b, r, runtime.Spec{Image: image, Dir: b.TempDir()}, 64<<20)
}

// TestUser runs the container as an unprivileged user: the command sees the uid and can still
// read its stdin FIFO.
func TestUser(t *testing.T) {
	opts, image := testOptions(t)
	opts.User = "1000:1000"
	r := newTestRuntime(t, opts)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Chown(dir, 1000, 1000); err != nil {
		t.Fatal(err)
	}
	spec := runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: dir,
		Command: `echo "uid:$(id -u)"; ` + runtimetest.CmdEcho}
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, spec.ID) })
	c, err := r.Start(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lines := runtimetest.ReadLines(c.Output())
	lines.Expect(t, "uid:1000")
	if _, err := c.Stdin().Write([]byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	lines.Expect(t, "echo:hi")
}

// TestSpecApplied checks the limits in the container's cgroup and that the container has its
// own network namespace.
func TestSpecApplied(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	ctx := context.Background()
	spec := runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: t.TempDir(),
		Command: `echo "net:$(readlink /proc/self/ns/net)"; ` + runtimetest.CmdEcho,
		Limits:  runtime.Limits{MemoryMiB: 64, CPUPercent: 150, Pids: 32}}
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, spec.ID) })
	c, err := r.Start(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hostNet, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if got := newShell(spec.ID, c).line(t, "net:"); got == hostNet || !strings.HasPrefix(got, "net:[") {
		t.Fatalf("container network namespace %q, want its own (the node's is %q)", got, hostNet)
	}

	cg, err := r.CgroupPath(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{ // cgroup v1 file -> v2 file
		"memory/memory.limit_in_bytes": "memory.max",
		"cpu/cpu.cfs_quota_us":         "cpu.max",
		"pids/pids.max":                "pids.max",
	}
	want := map[string]string{
		"memory/memory.limit_in_bytes": "67108864", "memory.max": "67108864",
		"cpu/cpu.cfs_quota_us": "150000", "cpu.max": "150000 100000",
		"pids/pids.max": "32",
	}
	for v1, v2 := range files {
		path, key := filepath.Join("/sys/fs/cgroup", filepath.Dir(v1), cg, filepath.Base(v1)), v1
		if _, err := os.Stat(path); err != nil {
			path, key = filepath.Join("/sys/fs/cgroup", cg, v2), v2
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); got != want[key] {
			t.Errorf("%s = %q, want %q", path, got, want[key])
		}
	}
}

// TestUnavailableHung: a containerd that accepts connections but never answers makes
// Available fail (bounded by PingTimeout) with the reason, instead of hanging the caller.
func TestUnavailableHung(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "hung.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() }) // held open, never answered
		}
	}()
	r := newTestRuntime(t, Options{Address: sock, StateDir: t.TempDir(), Logger: testLogger(t), Network: testNetwork})
	err = r.Available(context.Background())
	if !errors.Is(err, runtime.ErrUnavailable) {
		t.Fatalf("Available() = %v, want ErrUnavailable", err)
	}
	t.Logf("reason: %v", err)
}
