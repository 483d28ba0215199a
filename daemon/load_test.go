package daemon

import (
	"context"
	"errors"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// TestLoadReattaches: a new manager on the same data dir re-attaches to running servers and
// restarts nothing, except a server with AutoRestart whose process died while no daemon ran.
func TestLoadReattaches(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m1 := newTestManager(t, rt, nil)
	ctx := context.Background()
	for _, id := range []string{"run", "stopped", "died", "died-auto", "absent", "installing"} {
		def := testDef(id, "echo")
		def.AutoRestart = id == "died-auto"
		mustCreate(t, m1, def)
	}
	for _, id := range []string{"run", "died", "died-auto"} {
		if err := m1.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	m1.Close()
	for _, id := range []string{"run", "died", "died-auto"} {
		if st, _ := rt.State(ctx, id); st != runtime.StateRunning {
			t.Fatalf("Close stopped %s: %s", id, st)
		}
	}
	rt.crashNow("died", 1)
	rt.crashNow("died-auto", 1)
	_ = rt.Delete(ctx, "absent")
	if err := m1.st.writeRecord("installing", record{State: StateInstalling}); err != nil {
		t.Fatal(err)
	}
	startsBefore := rt.count("Start ")

	m2 := reloaded(t, m1, rt)
	waitState(t, m2, "died-auto", StateRunning)
	want := map[string]State{
		"run": StateRunning, "stopped": StateStopped, "died": StateCrashed, "died-auto": StateRunning,
		"absent": StateStopped, "installing": StateInstallFailed,
	}
	for id, st := range want {
		if got, _ := m2.Status(id); got.State != st {
			t.Errorf("%s: %+v, want %s", id, got, st)
		}
	}
	if got := rt.count("Start ") - startsBefore; got != 1 {
		t.Fatalf("%d starts during Load, want 1 (died-auto): %v", got, rt.Calls("Start "))
	}
	if st, _ := rt.State(ctx, "absent"); st != runtime.StateCreated {
		t.Fatalf("absent instance not recreated: %s", st)
	}
	if !strings.Contains(consoleText(t, m2, "died"), DaemonPrefix+"the server stopped while the daemon was not running") {
		t.Fatalf("died console:\n%s", consoleText(t, m2, "died"))
	}
	// The re-attached console flows in both directions.
	if err := m2.SendCommand(ctx, "run", "ping after restart"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m2, "run", "ping after restart")
	if !strings.Contains(consoleText(t, m2, "run"), "console re-attached") {
		t.Fatal("no re-attach line")
	}
	// And its exit is watched again.
	if err := m2.Stop(ctx, "run"); err != nil {
		t.Fatal(err)
	}
	if st, _ := m2.Status("run"); st.State != StateStopped {
		t.Fatalf("run after stop: %+v", st)
	}
}

// TestLoadCrashLoopGuardPersists: the time of the previous crash survives a daemon restart.
func TestLoadCrashLoopGuardPersists(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	clock := newFakeClock()
	m1 := newTestManager(t, rt, func(o *Options) { o.Clock = clock.Now })
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.AutoRestart = true
	mustCreate(t, m1, def)
	if err := m1.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	rt.crashNow("s1", 2) // crash #1: auto-restarted
	waitFor(t, "auto-restart", func() bool { return rt.count("Start ") == 2 })
	waitState(t, m1, "s1", StateRunning)
	m1.Close()
	rt.crashNow("s1", 2) // crash #2, while no daemon runs, within the window

	opts := testOptions(t, m1.opts.DataDir, rt)
	opts.Clock = clock.Now
	m2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if err := m2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := m2.Status("s1"); st.State != StateCrashed {
		t.Fatalf("state %+v", st)
	}
	if !strings.Contains(consoleText(t, m2, "s1"), "crash-loop guard") || rt.count("Start ") != 2 {
		t.Fatalf("guard did not hold:\n%s", consoleText(t, m2, "s1"))
	}
}

func TestClosedManager(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	mustCreate(t, m, testDef("s1", "echo"))
	m.Close()
	if err := m.Start(context.Background(), "s1"); !errors.Is(err, ErrClosed) {
		t.Fatalf("start after Close: %v", err)
	}
}

// TestCloseLeavesNoGoroutines: after Close, no goroutine of the manager is left (pumps, stdin
// writers, stats samplers, watchers), while the servers themselves keep running.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		mustCreate(t, m, testDef(id, "echo"))
		if err := m.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
		sub, err := m.Subscribe(id, 4)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
	}
	m.Close()
	// Close waited for every goroutine to call wg.Done; let them finish returning.
	deadline := time.Now().Add(10 * time.Second)
	for left := managerGoroutines(); left != ""; left = managerGoroutines() {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", left)
		}
		time.Sleep(time.Millisecond)
	}
	if st, _ := rt.State(ctx, "a"); st != runtime.StateRunning {
		t.Fatalf("Close stopped a server: %s", st)
	}
}

// managerGoroutines returns the stacks of goroutines running manager code.
func managerGoroutines() string {
	buf := make([]byte, 1<<20)
	stacks := string(buf[:goruntime.Stack(buf, true)])
	var out []string
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "skypanel/daemon.(*Manager)") || strings.Contains(g, "skypanel/daemon.(*proc)") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
