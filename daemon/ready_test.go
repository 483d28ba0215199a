package daemon

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

func TestReadyMatcher(t *testing.T) {
	m, err := compileReady([]string{"Done (", `regex:^\[\d+:\d+:\d+ INFO\]: Timings Reset$`})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		want bool
	}{
		{`[12:00:01 INFO]: Done (3.21s)! For help, type "help"`, true},
		{`[12:00:01 INFO]: Timings Reset`, true},
		{`x [12:00:01 INFO]: Timings Reset`, false}, // anchored regexp
		{`[12:00:01 INFO]: Done`, false},
		{`done (`, false},                                          // substrings are case-sensitive
		{strings.Repeat("x", maxReadyLineBytes) + "Done (", false}, // beyond the scanned prefix
		{strings.Repeat("x", maxReadyLineBytes-6) + "Done (", true},
	}
	for _, tt := range tests {
		if got := m.anyLine([]string{tt.line}); got != tt.want {
			t.Errorf("%.60q: %v, want %v", tt.line, got, tt.want)
		}
	}
	if none, err := compileReady(nil); none != nil || err != nil {
		t.Fatalf("no patterns: %v %v, want nil nil", none, err)
	}
}

// statusesUntil collects the states of sub's status events with a process until one has state
// want, checking that want comes after the console line after.
func statusesUntil(t *testing.T, sub *Subscription, after string, want State) []State {
	t.Helper()
	var states []State
	seen := false
	for ev := range sub.C() {
		switch ev.Kind {
		case EventConsole:
			seen = seen || strings.Contains(ev.Line.Text, after)
		case EventStatus:
			if !ev.Status.Running {
				continue
			}
			states = append(states, ev.Status.State)
			if ev.Status.State == want {
				if !seen {
					t.Fatalf("state %s before the console line %q (states %v)", want, after, states)
				}
				return states
			}
		}
	}
	t.Fatalf("subscription closed before state %s (states %v)", want, states)
	return nil
}

// TestReadyFlipsStartingToRunning: a server with ready patterns reports starting (commands
// work) until its console shows a pattern, then running, published as a status event after
// that line; a line that matches no pattern changes nothing.
func TestReadyFlipsStartingToRunning(t *testing.T) {
	for _, tt := range []struct{ name, pattern string }{
		{"substring", "READY"},
		{"regex", `regex:^READY now \(\d+\)$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rt := newFakeRT(runtime.EnvStandard)
			m := newTestManager(t, rt, nil)
			ctx := context.Background()
			def := testDef("s1", `print:booting\n`)
			def.Ready = []string{"never this", tt.pattern}
			mustCreate(t, m, def)
			sub, err := m.Subscribe("s1", 1024)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			if err := m.Start(ctx, "s1"); err != nil {
				t.Fatal(err)
			}
			waitLine(t, m, "s1", "booting")
			if st, _ := m.Status("s1"); st.State != StateStarting || !st.Running {
				t.Fatalf("after start: %+v, want starting with a process", st)
			}
			if err := m.SendCommand(ctx, "s1", "say ready? not yet"); err != nil {
				t.Fatalf("command while starting: %v", err)
			}
			if err := m.SendCommand(ctx, "s1", "READY now (42)"); err != nil {
				t.Fatal(err)
			}
			states := statusesUntil(t, sub, "READY now (42)", StateRunning)
			if tt.name == "regex" && !strings.Contains(consoleText(t, m, "s1"), "say ready? not yet") {
				t.Fatal("the non-matching line is missing")
			}
			if len(states) != 2 || states[0] != StateStarting {
				t.Fatalf("states with a process %v, want starting, running", states)
			}
			if st, _ := m.Status("s1"); st.State != StateRunning {
				t.Fatalf("status %+v, want running", st)
			}
		})
	}
}

// TestReadyOnFirstOutput: the pattern in the very first output (before Start returns) flips
// the server too; without patterns it is running at once.
func TestReadyOnFirstOutput(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	def := testDef("s1", `print:Done (1.0s)!\n`)
	def.Ready = []string{"Done ("}
	mustCreate(t, m, def)
	mustCreate(t, m, testDef("s2", "echo"))
	for _, id := range []string{"s1", "s2"} {
		if err := m.Start(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := m.Status("s2"); st.State != StateRunning {
		t.Fatalf("without patterns: %+v, want running", st)
	}
	waitState(t, m, "s1", StateRunning)
}

// TestActionsWhileStarting: stop (with the stop signal), kill and restart work on a server that
// is not ready yet; a crash before ready is a crash.
func TestActionsWhileStarting(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, cmd string) (*Manager, *fakeRT) {
		rt := newFakeRT(runtime.EnvStandard)
		m := newTestManager(t, rt, nil)
		def := testDef("s1", cmd)
		def.StopCommand, def.StopSignal, def.Ready = "", "SIGINT", []string{"never printed"}
		mustCreate(t, m, def)
		if err := m.Start(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if st, _ := m.Status("s1"); st.State != StateStarting {
			t.Fatalf("status %+v, want starting", st)
		}
		return m, rt
	}
	t.Run("stop", func(t *testing.T) {
		m, rt := setup(t, "echo")
		if err := m.Stop(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if st, _ := m.Status("s1"); st.State != StateStopped {
			t.Fatalf("status %+v", st)
		}
		if got := strings.Join(rt.Calls("Signal ", "exit "), ", "); got != "Signal s1 INT, exit s1 130" {
			t.Fatalf("calls %q, want one SIGINT and its exit", got)
		}
		waitLine(t, m, "s1", DaemonPrefix+"stopping server: sending SIGINT")
	})
	t.Run("kill", func(t *testing.T) {
		m, rt := setup(t, "ignore-term")
		if err := m.Kill(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if st, _ := m.Status("s1"); st.State != StateStopped || rt.count("Signal s1 KILL") != 1 {
			t.Fatalf("status %+v, calls %v", st, rt.Calls("Signal "))
		}
	})
	t.Run("restart", func(t *testing.T) {
		m, rt := setup(t, "echo")
		if err := m.Restart(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if st, _ := m.Status("s1"); st.State != StateStarting || rt.count("Start ") != 2 {
			t.Fatalf("status %+v, %d starts", st, rt.count("Start "))
		}
	})
	t.Run("crash", func(t *testing.T) {
		m, rt := setup(t, "echo")
		rt.crashNow("s1", 3)
		waitState(t, m, "s1", StateCrashed)
		if st, _ := m.Status("s1"); st.Running || st.Message != "crashed: exit code 3" {
			t.Fatalf("status %+v", st)
		}
	})
}

// TestStopSignalEscalates: a server that ignores its stop signal is killed after the stop
// timeout; with a stop command the escalation after it is SIGTERM, as before.
func TestStopSignalEscalates(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ name, stopCmd, want string }{
		{"signal", "", "Signal s1 QUIT, Signal s1 KILL"},
		{"command first", "stop", "Signal s1 TERM, Signal s1 KILL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rt := newFakeRT(runtime.EnvStandard)
			m := newTestManager(t, rt, nil)
			def := testDef("s1", "ignore-term")
			def.StopCommand, def.StopSignal = tt.stopCmd, "SIGQUIT"
			mustCreate(t, m, def)
			if err := m.Start(ctx, "s1"); err != nil {
				t.Fatal(err)
			}
			if err := m.Stop(ctx, "s1"); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(rt.Calls("Signal "), ", "); got != tt.want {
				t.Fatalf("signals %q, want %q", got, tt.want)
			}
			if tt.stopCmd == "" {
				waitLine(t, m, "s1", "of SIGQUIT, sending SIGKILL")
			}
		})
	}
}

// TestReattachedIsReady: a daemon restart re-attaching a server that was still starting
// reports it running (it was started before).
func TestReattachedIsReady(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m1 := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.Ready = []string{"never printed"}
	mustCreate(t, m1, def)
	if err := m1.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if st, _ := m1.Status("s1"); st.State != StateStarting {
		t.Fatalf("status %+v", st)
	}
	m1.Close()
	m2 := reloaded(t, m1, rt)
	if st, _ := m2.Status("s1"); st.State != StateRunning || !st.Running {
		t.Fatalf("after re-attach: %+v, want running", st)
	}
}

// TestCreateUpdateRefuseBadRun: Create and Update refuse what validateRun refuses; nothing
// changes.
func TestCreateUpdateRefuseBadRun(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	bad := testDef("s1", "echo")
	bad.StopSignal = "SIGUSR1"
	if err := m.Create(ctx, bad); !errors.Is(err, ErrInvalidDefinition) {
		t.Fatalf("create: %v", err)
	}
	if _, err := m.Get("s1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("created anyway: %v", err)
	}
	mustCreate(t, m, testDef("s1", "echo"))
	bad.StopSignal, bad.Ready = "", []string{"regex:[z-a]"}
	if _, err := m.Update(ctx, bad); !errors.Is(err, ErrInvalidDefinition) || !strings.Contains(err.Error(), "ready[0]") {
		t.Fatalf("update: %v", err)
	}
	if got, _ := m.Get("s1"); len(got.Ready) != 0 {
		t.Fatalf("stored %+v", got)
	}
}

// TestCloneCopiesRunFields: a clone shares no slice with the original (Get hands out clones).
func TestCloneCopiesRunFields(t *testing.T) {
	d := testDef("s1", "echo")
	d.Ready = []string{"a"}
	d.ConfigFiles = []ConfigFile{{File: "f", Parser: "file", Set: []ConfigSet{{Key: "k", Value: "v"}}}}
	c := d.Clone()
	c.Ready[0], c.ConfigFiles[0].File, c.ConfigFiles[0].Set[0].Value = "x", "g", "w"
	if d.Ready[0] != "a" || d.ConfigFiles[0].File != "f" || d.ConfigFiles[0].Set[0].Value != "v" {
		t.Fatalf("the original changed: %+v", d)
	}
}
