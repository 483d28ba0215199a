package integration

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
)

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

func logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// openDir returns a fresh folder that other users can traverse (t.TempDir's are 0700).
func openDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newManager(t *testing.T, dir string, rt runtime.Runtime) *daemon.Manager {
	t.Helper()
	m, err := daemon.New(daemon.Options{
		DataDir: dir, Runtimes: map[string]runtime.Runtime{rt.Environment(): rt}, Logger: logger(t),
		StopTimeout: 5 * time.Second, TermTimeout: 2 * time.Second, DrainTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// waitFor polls cond; the deadline only turns a hang into a failure.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func console(m *daemon.Manager, id string) string {
	lines, _, _ := m.Console(id, 0)
	return strings.Join(lines, "\n")
}

func waitLine(t *testing.T, m *daemon.Manager, id, substr string) {
	t.Helper()
	waitFor(t, "console line "+substr, func() bool { return strings.Contains(console(m, id), substr) })
}

func waitState(t *testing.T, m *daemon.Manager, id string, want daemon.State) {
	t.Helper()
	waitFor(t, "state "+string(want), func() bool {
		st, err := m.Status(id)
		return err == nil && st.State == want
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// lifecycle runs the scenario both runtimes share: echo through stdin, stop command, crash with
// auto-restart and crash-loop guard, re-attach after a daemon restart, delete.
func lifecycle(t *testing.T, dir string, rt runtime.Runtime, reopen func() runtime.Runtime, echoCmd string) {
	ctx := context.Background()
	m := newManager(t, dir, rt)
	echo := daemon.Definition{
		ID: "echo1", Name: "echo", Environment: rt.Environment(), Image: "busybox",
		Startup: echoCmd, StopCommand: "stop", Limits: daemon.Limits{MemoryMiB: 256},
	}
	must(t, m.Create(ctx, echo))
	must(t, m.Start(ctx, "echo1"))
	waitLine(t, m, "echo1", "ready")
	must(t, m.SendCommand(ctx, "echo1", "hello"))
	waitLine(t, m, "echo1", "echo:hello")
	must(t, m.Stop(ctx, "echo1"))
	if st, _ := m.Status("echo1"); st.State != daemon.StateStopped {
		t.Fatalf("after stop: %+v", st)
	}
	if !strings.Contains(console(m, "echo1"), "server stopped (exit code 0)") {
		t.Fatalf("stop was not clean:\n%s", console(m, "echo1"))
	}

	crash := daemon.Definition{
		ID: "crash1", Name: "crash", Environment: rt.Environment(), Image: "busybox",
		Startup: "echo boom; exit 3", AutoRestart: true,
	}
	must(t, m.Create(ctx, crash))
	must(t, m.Start(ctx, "crash1"))
	waitLine(t, m, "crash1", "crash-loop guard")
	waitState(t, m, "crash1", daemon.StateCrashed)
	if n := strings.Count(console(m, "crash1"), "server crashed (exit code 3)"); n != 2 {
		t.Fatalf("%d crashes, want 2:\n%s", n, console(m, "crash1"))
	}

	// Daemon restart: the game keeps running and its console is re-attached.
	must(t, m.Start(ctx, "echo1"))
	waitState(t, m, "echo1", daemon.StateRunning)
	m.Close()
	m2 := newManager(t, dir, reopen())
	must(t, m2.Load(ctx))
	if st, _ := m2.Status("echo1"); st.State != daemon.StateRunning {
		t.Fatalf("after reload: %+v", st)
	}
	if c := console(m2, "echo1"); !strings.Contains(c, "echo:hello") { // the history is kept
		t.Fatalf("console after reload lost the lines of before:\n%s", c)
	}
	must(t, m2.SendCommand(ctx, "echo1", "again"))
	waitLine(t, m2, "echo1", "echo:again")
	if st, _ := m2.Status("crash1"); st.State != daemon.StateCrashed {
		t.Fatalf("crash1 after reload: %+v", st)
	}

	for _, id := range []string{"echo1", "crash1"} {
		must(t, m2.Delete(ctx, id))
	}
	for _, sub := range []string{"servers", "volumes"} {
		if e, _ := os.ReadDir(filepath.Join(dir, sub)); len(e) != 0 {
			t.Fatalf("left in %s: %v", sub, e)
		}
	}
}
