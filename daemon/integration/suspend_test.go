package integration

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/containerd"
	"github.com/skypanel/skypanel/runtime/fake"
)

// TestSuspensionSharedFake runs the suspension scenario on runtime/fake.
func TestSuspensionSharedFake(t *testing.T) {
	fk := fake.New(fake.Options{Environment: runtime.EnvDocker, ExitOnLine: "stop"})
	suspension(t, fk, "busybox", "echo ready; read line")
}

// TestSuspensionHost runs the suspension scenario with real host processes.
func TestSuspensionHost(t *testing.T) {
	rt := hostRuntime(t)
	suspension(t, rt, "", hostEcho)
}

// TestSuspensionContainerd runs the suspension scenario in containers (limits updated on the
// running task) when SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE are set
// (scripts/containerd-test-env.sh).
func TestSuspensionContainerd(t *testing.T) {
	cr, image := containerdRuntime(t)
	suspension(t, cr, image, hostEcho)
}

// containerdRuntime connects to SKYPANEL_TEST_CONTAINERD (closed when the test ends) and
// returns it with SKYPANEL_TEST_IMAGE, or skips the test when they are not set
// (scripts/containerd-test-env.sh).
func containerdRuntime(t *testing.T) (*containerd.Runtime, string) {
	t.Helper()
	addr, image := os.Getenv("SKYPANEL_TEST_CONTAINERD"), os.Getenv("SKYPANEL_TEST_IMAGE")
	if addr == "" || addr == "auto" || image == "" {
		t.Skip("set SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE (scripts/containerd-test-env.sh)")
	}
	cr, err := containerd.New(context.Background(), containerd.Options{Address: addr, StateDir: t.TempDir(), Logger: logger(t)})
	if err != nil {
		t.Fatalf("containerd: %v", err)
	}
	t.Cleanup(func() { _ = cr.Close() })
	return cr, image
}

// hostEcho prints ready, echoes stdin lines and exits 0 on "stop" (a POSIX shell).
const hostEcho = `echo ready; while read line; do echo "echo:$line"; if [ "$line" = stop ]; then exit 0; fi; done`

// suspension is the scenario every runtime shares: an update says next-start for a stopped
// server and live for a running one; a suspending update stops the running process with its
// stop command (a clean exit, not a crash, and no auto-restart); start is then refused.
func suspension(t *testing.T, rt runtime.Runtime, image, echoCmd string) {
	ctx := context.Background()
	m := newManager(t, openDir(t), rt)
	def := daemon.Definition{
		ID: "susp1", Name: "susp", Environment: rt.Environment(), Image: image,
		Startup: echoCmd, StopCommand: "stop", AutoRestart: true, Limits: daemon.Limits{MemoryMiB: 256},
	}
	must(t, m.Create(ctx, def))
	def.Limits.MemoryMiB = 128
	if applied, err := m.Update(ctx, def); err != nil || applied != daemon.AppliedNextStart {
		t.Fatalf("update of a stopped server: %q %v, want next-start", applied, err)
	}
	must(t, m.Start(ctx, "susp1"))
	waitLine(t, m, "susp1", "ready")
	def.Limits.CPUPercent = 50
	if applied, err := m.Update(ctx, def); err != nil || applied != daemon.AppliedLive {
		t.Fatalf("update of a running server: %q %v, want live", applied, err)
	}
	def.Suspended = true
	if applied, err := m.Update(ctx, def); err != nil || applied != daemon.AppliedLive {
		t.Fatalf("suspending update: %q %v, want live", applied, err)
	}
	waitState(t, m, "susp1", daemon.StateStopped)
	text := console(m, "susp1")
	if !strings.Contains(text, "server suspended: stopping it") || !strings.Contains(text, "server stopped (exit code 0)") ||
		strings.Contains(text, "crashed") {
		t.Fatalf("console:\n%s", text)
	}
	if err := m.Start(ctx, "susp1"); !errors.Is(err, daemon.ErrSuspended) {
		t.Fatalf("start of the suspended server: %v", err)
	}
	if st, _ := m.Status("susp1"); st.State != daemon.StateStopped || st.Running {
		t.Fatalf("status %+v", st)
	}
	must(t, m.Delete(ctx, "susp1"))
}
