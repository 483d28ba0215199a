package daemon

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// TestSuspendedRefusesStart: a server created suspended is never started: start, restart and
// install (with or without wipe) are refused with ErrSuspended, stop and kill work; once a
// definition without suspended arrives it starts again (and not before it is asked to).
func TestSuspendedRefusesStart(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.Suspended, def.AutoRestart = true, true
	mustCreate(t, m, def)
	installed := false
	install := func(context.Context, Definition, string, io.Writer) error { installed = true; return nil }
	for name, err := range map[string]error{
		"start":     m.Start(ctx, "s1"),
		"restart":   m.Restart(ctx, "s1"),
		"install":   m.Install(ctx, "s1", install),
		"reinstall": m.Reinstall(ctx, "s1", install),
		"check":     m.CheckSuspended("s1"),
	} {
		if !errors.Is(err, ErrSuspended) {
			t.Errorf("%s of a suspended server: %v, want ErrSuspended", name, err)
		}
	}
	if err := m.Stop(ctx, "s1"); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := m.Kill(ctx, "s1"); err != nil {
		t.Fatalf("kill: %v", err)
	}
	if n := rt.count("Start "); n != 0 || installed {
		t.Fatalf("%d starts, installed %v: a suspended server ran", n, installed)
	}
	if st, _ := m.Status("s1"); st.State != StateStopped || st.Running {
		t.Fatalf("status %+v, want stopped", st)
	}

	def.Suspended = false
	if applied, err := m.Update(ctx, def); err != nil || applied != AppliedNextStart {
		t.Fatalf("unsuspend: %q %v", applied, err)
	}
	if st, _ := m.Status("s1"); st.State != StateStopped || rt.count("Start ") != 0 {
		t.Fatalf("unsuspending started the server: %+v", st)
	}
	if err := m.CheckSuspended("s1"); err != nil {
		t.Fatalf("check after unsuspend: %v", err)
	}
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatalf("start after unsuspend: %v", err)
	}
}

// TestUpdateSuspendStopsRunning: a definition that suspends a running server applies its limits
// live and stops it the normal way (stop command first) in the background.
func TestUpdateSuspendStopsRunning(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.AutoRestart = true
	mustCreate(t, m, def)
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	def.Suspended = true
	def.Limits.CPUPercent = 50
	applied, err := m.Update(ctx, def)
	if err != nil || applied != AppliedLive {
		t.Fatalf("suspend a running server: %q %v, want live", applied, err)
	}
	if st, _ := m.Status("s1"); st.State != StateStopping && st.State != StateStopped {
		t.Fatalf("after the suspending update: %+v, want stopping or stopped", st)
	}
	waitState(t, m, "s1", StateStopped)
	calls := strings.Join(rt.Calls("Update ", "stdin ", "Signal "), "\n")
	if !strings.Contains(calls, "Update s1 mem=512 cpu=50") || !strings.Contains(calls, "stdin s1 stop") || strings.Contains(calls, "Signal") {
		t.Fatalf("calls:\n%s\nwant the limits live, then the stop command only", calls)
	}
	text := consoleText(t, m, "s1")
	if !strings.Contains(text, DaemonPrefix+"server suspended: stopping it") || strings.Contains(text, "crashed") {
		t.Fatalf("console:\n%s", text)
	}
	if err := m.Start(ctx, "s1"); !errors.Is(err, ErrSuspended) {
		t.Fatalf("start after suspension: %v", err)
	}
	if n := rt.count("Start "); n != 1 {
		t.Fatalf("%d starts, want 1 (no auto-restart)", n)
	}
	// Updating a suspended, stopped server: nothing runs, next-start.
	if applied, err := m.Update(ctx, def); err != nil || applied != AppliedNextStart {
		t.Fatalf("update of the stopped suspended server: %q %v", applied, err)
	}
}

// TestUpdateSuspendReturnsOnceStopBegins: Update does not wait for the stop: a process that
// ignores its stop command and SIGTERM (and a stop timeout of an hour) is still stopping when
// Update returns; Kill ends it, and the server stays stopped.
func TestUpdateSuspendReturnsOnceStopBegins(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, func(o *Options) { o.TermTimeout = time.Hour })
	ctx := context.Background()
	def := testDef("s1", "ignore-term")
	def.StopTimeout = Duration(time.Hour)
	mustCreate(t, m, def)
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	def.Suspended = true
	if _, err := m.Update(ctx, def); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status("s1"); st.State != StateStopping || !st.Running {
		t.Fatalf("after the suspending update: %+v, want stopping with its process", st)
	}
	if err := m.Kill(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "s1", StateStopped)
	if err := m.Restart(ctx, "s1"); !errors.Is(err, ErrSuspended) {
		t.Fatalf("restart: %v", err)
	}
}

// TestSuspendedCrashNotRestarted: the crash policy never restarts a suspended server, even with
// AutoRestart (the definition is suspended under a running process: the moment between an
// Update saving it and its stop beginning).
func TestSuspendedCrashNotRestarted(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.AutoRestart = true
	mustCreate(t, m, def)
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	s, err := m.get("s1")
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.def.Suspended = true
	s.mu.Unlock()
	rt.crashNow("s1", 1)
	waitState(t, m, "s1", StateCrashed)
	waitLine(t, m, "s1", "not restarting: the server is suspended")
	s.autoRestartIdle(t, m)
	if n := rt.count("Start "); n != 1 {
		t.Fatalf("%d starts, want 1", n)
	}
}

// autoRestartIdle waits until no power action holds s (an auto-restart would hold it).
func (s *server) autoRestartIdle(t *testing.T, m *Manager) {
	t.Helper()
	if err := m.lock(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	s.unlock()
}

// TestLoadSuspended: after a daemon restart a suspended server is never restarted: recorded
// running with its process gone it becomes stopped (AutoRestart or not); found running it is
// re-attached and stopped.
func TestLoadSuspended(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m1 := newTestManager(t, rt, nil)
	ctx := context.Background()
	for _, id := range []string{"gone", "alive"} {
		def := testDef(id, "echo")
		def.AutoRestart = true
		mustCreate(t, m1, def)
		if err := m1.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	m1.Close()
	// The daemon stopped between saving the suspending definitions and stopping the servers.
	for _, id := range []string{"gone", "alive"} {
		def, err := m1.st.readDefinition(id)
		if err != nil {
			t.Fatal(err)
		}
		def.Suspended = true
		if err := m1.st.writeDefinition(def); err != nil {
			t.Fatal(err)
		}
	}
	rt.crashNow("gone", 1)
	starts := rt.count("Start ")

	m2 := reloaded(t, m1, rt)
	waitState(t, m2, "alive", StateStopped)
	if st, _ := m2.Status("gone"); st.State != StateStopped {
		t.Fatalf("gone: %+v, want stopped", st)
	}
	for _, id := range []string{"gone", "alive"} {
		s, _ := m2.get(id)
		s.autoRestartIdle(t, m2)
	}
	if n := rt.count("Start ") - starts; n != 0 {
		t.Fatalf("%d starts during Load, want none", n)
	}
	if !strings.Contains(strings.Join(rt.Calls("stdin "), "\n"), "stdin alive stop") {
		t.Fatalf("alive not stopped with its stop command: %v", rt.Calls())
	}
	if text := consoleText(t, m2, "gone"); !strings.Contains(text, "it is suspended: not restarted") {
		t.Fatalf("gone console:\n%s", text)
	}
	if text := consoleText(t, m2, "alive"); !strings.Contains(text, "console re-attached") || !strings.Contains(text, "server suspended: stopping it") {
		t.Fatalf("alive console:\n%s", text)
	}
}

// TestSuspendDuringInstall: while a server installs, a definition that only suspends it is
// accepted (any other change is refused as before); the installation finishes and the server
// then stays stopped.
func TestSuspendDuringInstall(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	mustCreate(t, m, def)
	running, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- m.Install(ctx, "s1", func(context.Context, Definition, string, io.Writer) error {
			close(running)
			<-release
			return nil
		})
	}()
	<-running
	changed := def
	changed.Startup, changed.Suspended = "ignore-stop", true
	if _, err := m.Update(ctx, changed); !errors.Is(err, ErrBusy) {
		t.Fatalf("another change while installing: %v, want ErrBusy", err)
	}
	def.Suspended = true
	if applied, err := m.Update(ctx, def); err != nil || applied != AppliedNextStart {
		t.Fatalf("suspend while installing: %q %v", applied, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("install: %v", err)
	}
	if st, _ := m.Status("s1"); st.State != StateStopped {
		t.Fatalf("after the install: %+v", st)
	}
	if err := m.Start(ctx, "s1"); !errors.Is(err, ErrSuspended) {
		t.Fatalf("start: %v", err)
	}
	if got, _ := m.Get("s1"); !got.Suspended || got.Startup != "echo" {
		t.Fatalf("definition %+v", got)
	}
}
