package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

func TestCrashAutoRestartAndGuard(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	clock := newFakeClock()
	m := newTestManager(t, rt, func(o *Options) { o.Clock = clock.Now })
	def := testDef("s1", "crash:3")
	def.AutoRestart = true
	mustCreate(t, m, def)
	ctx := context.Background()
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	// First crash: restarted once; the second, at the same (fake) time, is held by the guard.
	waitLine(t, m, "s1", "crash-loop guard")
	waitState(t, m, "s1", StateCrashed)
	if n := rt.count("Start "); n != 2 {
		t.Fatalf("%d starts, want 2 (one auto-restart)", n)
	}
	text := consoleText(t, m, "s1")
	for _, want := range []string{
		DaemonPrefix + "server crashed (exit code 3)",
		DaemonPrefix + "restarting automatically",
		"boom",
	} {
		if !strings.Contains(text, want) {
			t.Fatalf("console lacks %q:\n%s", want, text)
		}
	}
	if st, _ := m.Status("s1"); st.Message != "crashed: exit code 3" || st.Running {
		t.Fatalf("status %+v", st)
	}

	// Past the window, a crash is restarted again (once).
	clock.Advance(61 * time.Second)
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "second guard", func() bool { return strings.Count(consoleText(t, m, "s1"), "crash-loop guard") == 2 })
	waitState(t, m, "s1", StateCrashed)
	if n := rt.count("Start "); n != 4 {
		t.Fatalf("%d starts, want 4", n)
	}
}

func TestCrashWithoutAutoRestart(t *testing.T) {
	tests := []struct {
		name, cmd, line, msg string
	}{
		{"exit code", "crash:3", "server crashed (exit code 3)", "crashed: exit code 3"},
		{"clean exit nobody asked for", "crash:0", "server crashed (exit code 0)", "crashed: exit code 0"},
		{"out of memory", "oom", "server crashed (out of memory)", "crashed: out of memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newFakeRT(runtime.EnvStandard)
			m := newTestManager(t, rt, nil)
			mustCreate(t, m, testDef("s1", tt.cmd))
			if err := m.Start(context.Background(), "s1"); err != nil {
				t.Fatal(err)
			}
			waitState(t, m, "s1", StateCrashed)
			st, _ := m.Status("s1")
			if st.Message != tt.msg {
				t.Fatalf("message %q, want %q", st.Message, tt.msg)
			}
			text := consoleText(t, m, "s1")
			if !strings.Contains(text, DaemonPrefix+tt.line) || strings.Contains(text, "restarting") {
				t.Fatalf("console:\n%s", text)
			}
			if n := rt.count("Start "); n != 1 {
				t.Fatalf("%d starts, want 1", n)
			}
		})
	}
}

// TestStopCommandFromConsole: typing the stop command in the console is a stop, not a crash.
func TestStopCommandFromConsole(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	def := testDef("s1", "echo")
	def.AutoRestart = true
	mustCreate(t, m, def)
	ctx := context.Background()
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := m.SendCommand(ctx, "s1", "hello there"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m, "s1", "hello there")
	if err := m.SendCommand(ctx, "s1", "stop"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "s1", StateStopped)
	if n := rt.count("Start "); n != 1 {
		t.Fatalf("%d starts: the stop was taken for a crash", n)
	}
}

func TestStartFailure(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	mustCreate(t, m, testDef("s1", "echo"))
	rt.startErr = runtime.ErrImage
	err := m.Start(context.Background(), "s1")
	if err == nil {
		t.Fatal("start succeeded")
	}
	st, _ := m.Status("s1")
	if st.State != StateStopped || !strings.Contains(st.Message, "start failed") {
		t.Fatalf("status %+v", st)
	}
	if !strings.Contains(consoleText(t, m, "s1"), DaemonPrefix+"failed to start") {
		t.Fatal("no console line for the failed start")
	}
}
