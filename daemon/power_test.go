package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// setupState brings server "s1" of a new manager into state st.
func setupState(t *testing.T, st State) (*Manager, *fakeRT) {
	t.Helper()
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	cmd := "echo"
	if st == StateCrashed {
		cmd = "crash:3"
	}
	mustCreate(t, m, testDef("s1", cmd))
	switch st {
	case StateRunning, StateCrashed:
		if err := m.Start(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
	case StateInstalling:
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = m.Install(ctx, "s1", func(ctx context.Context, _ Definition, _ string, _ io.Writer) error {
				<-ctx.Done()
				return ctx.Err()
			})
		}()
		t.Cleanup(func() { _ = m.Kill(ctx, "s1"); <-done })
	case StateInstallFailed:
		_ = m.Install(ctx, "s1", func(context.Context, Definition, string, io.Writer) error {
			return errors.New("download failed")
		})
	}
	waitState(t, m, "s1", st)
	return m, rt
}

func TestStateMachine(t *testing.T) {
	actions := map[string]func(*Manager) error{
		"start":   func(m *Manager) error { return m.Start(context.Background(), "s1") },
		"stop":    func(m *Manager) error { return m.Stop(context.Background(), "s1") },
		"restart": func(m *Manager) error { return m.Restart(context.Background(), "s1") },
		"kill":    func(m *Manager) error { return m.Kill(context.Background(), "s1") },
		"command": func(m *Manager) error { return m.SendCommand(context.Background(), "s1", "say hi") },
	}
	tests := []struct {
		from    State
		action  string
		wantErr error
		msg     string // in the error message
		want    State
	}{
		{StateInstalling, "start", ErrBusy, "server is installing", StateInstalling},
		{StateInstalling, "stop", ErrBusy, "server is installing", StateInstalling},
		{StateInstalling, "restart", ErrBusy, "server is installing", StateInstalling},
		{StateInstalling, "kill", nil, "", StateInstallFailed},
		{StateInstalling, "command", ErrNotRunning, "installing", StateInstalling},
		{StateInstallFailed, "start", ErrInvalidState, "installation failed", StateInstallFailed},
		{StateInstallFailed, "stop", nil, "", StateInstallFailed},
		{StateInstallFailed, "restart", ErrInvalidState, "installation failed", StateInstallFailed},
		{StateInstallFailed, "kill", nil, "", StateInstallFailed},
		{StateInstallFailed, "command", ErrNotRunning, "", StateInstallFailed},
		{StateStopped, "start", nil, "", StateRunning},
		{StateStopped, "stop", nil, "", StateStopped},
		{StateStopped, "restart", nil, "", StateRunning},
		{StateStopped, "kill", nil, "", StateStopped},
		{StateStopped, "command", ErrNotRunning, "stopped", StateStopped},
		{StateCrashed, "start", nil, "", StateCrashed}, // crash:3 crashes again at once
		{StateCrashed, "stop", nil, "", StateStopped},
		{StateCrashed, "kill", nil, "", StateStopped},
		{StateCrashed, "command", ErrNotRunning, "crashed", StateCrashed},
		{StateRunning, "start", nil, "", StateRunning}, // idempotent
		{StateRunning, "stop", nil, "", StateStopped},
		{StateRunning, "restart", nil, "", StateRunning},
		{StateRunning, "kill", nil, "", StateStopped},
		{StateRunning, "command", nil, "", StateRunning},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.from, tt.action), func(t *testing.T) {
			m, rt := setupState(t, tt.from)
			starts := rt.count("Start ")
			err := actions[tt.action](m)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			case tt.wantErr != nil && !strings.Contains(err.Error(), tt.msg):
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
			waitState(t, m, "s1", tt.want)
			if tt.from == StateCrashed && tt.action == "start" && rt.count("Start ") != starts+1 {
				t.Fatalf("start from crashed did not start the process")
			}
		})
	}
}

// TestConcurrentPowerActions checks that concurrent starts and stops never interleave: in the
// runtime's call log every Start is followed by Started then Wait, and every stop command by
// the process's exit, with no other call in between.
func TestConcurrentPowerActions(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	rt.startDelay = 200 * time.Microsecond
	m := newTestManager(t, rt, nil)
	mustCreate(t, m, testDef("s1", "echo"))
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 50 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			// Queued behind the others, a start can only find the server stopped or running.
			if err := m.Start(ctx, "s1"); err != nil {
				errs <- fmt.Errorf("start: %w", err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := m.Stop(ctx, "s1"); err != nil {
				errs <- fmt.Errorf("stop: %w", err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := m.Restart(ctx, "s1"); err != nil {
				errs <- fmt.Errorf("restart: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	if rt.overlap {
		t.Fatal("runtime lifecycle calls for one server overlapped")
	}
	calls := rt.Calls("Start", "Wait", "stdin", "exit", "Signal", "Create", "Delete", "Update")
	checkSerial(t, calls)
	st, _ := m.Status("s1")
	rst, _ := rt.State(ctx, "s1")
	if (rst == runtime.StateRunning) != st.Running || (st.State != StateRunning && st.State != StateStopped) {
		t.Fatalf("daemon says %+v, runtime says %s", st, rst)
	}
}

func checkSerial(t *testing.T, calls []string) {
	t.Helper()
	running := false
	for i, c := range calls {
		next := ""
		if i+1 < len(calls) {
			next = calls[i+1]
		}
		fail := func(why string) { t.Fatalf("call %d %q: %s (next %q)\n%s", i, c, why, next, strings.Join(calls, "\n")) }
		switch {
		case strings.HasPrefix(c, "Start "):
			if running {
				fail("start while running")
			}
			if !strings.HasPrefix(next, "Started ") {
				fail("interleaved start")
			}
		case strings.HasPrefix(c, "Started "):
			if !strings.HasPrefix(next, "Wait ") {
				fail("interleaved after start")
			}
			running = true
		case c == "stdin s1 stop":
			if !running || next != "exit s1 0" {
				fail("interleaved stop")
			}
		case strings.HasPrefix(c, "exit "):
			running = false
		}
	}
	if len(calls) == 0 {
		t.Fatal("no calls recorded")
	}
}

func TestStopEscalation(t *testing.T) {
	// Timeouts that must expire are short; those that must not are long, so the test does not
	// depend on how fast the machine is.
	const short, long = 20 * time.Millisecond, time.Minute
	tests := []struct {
		name, cmd, stopCmd string
		stop, term         time.Duration
		want               []string // runtime calls, in order
		lines              []string // console lines expected
	}{
		{"stop command works", "echo", "stop", long, long,
			[]string{"stdin s1 stop", "exit s1 0"}, []string{`sending "stop"`, "server stopped (exit code 0)"}},
		{"stop command ignored", "ignore-stop", "stop", short, long,
			[]string{"stdin s1 stop", "Signal s1 TERM", "exit s1 143"}, []string{"sending SIGTERM", "server stopped (exit code 143)"}},
		{"SIGTERM ignored", "ignore-term", "stop", short, short,
			[]string{"stdin s1 stop", "Signal s1 TERM", "Signal s1 KILL", "exit s1 137"}, []string{"sending SIGKILL"}},
		{"no stop command", "echo", "", long, long,
			[]string{"Signal s1 TERM", "exit s1 143"}, []string{"stopping server: sending SIGTERM"}},
		{"no stop command, SIGTERM ignored", "ignore-term", "", short, short,
			[]string{"Signal s1 TERM", "Signal s1 KILL", "exit s1 137"}, []string{"sending SIGKILL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newFakeRT(runtime.EnvStandard)
			m := newTestManager(t, rt, func(o *Options) { o.TermTimeout = tt.term })
			def := testDef("s1", tt.cmd)
			def.StopCommand, def.StopTimeout = tt.stopCmd, Duration(tt.stop)
			mustCreate(t, m, def)
			ctx := context.Background()
			if err := m.Start(ctx, "s1"); err != nil {
				t.Fatal(err)
			}
			if err := m.Stop(ctx, "s1"); err != nil {
				t.Fatal(err)
			}
			if st, _ := m.Status("s1"); st.State != StateStopped || st.Running {
				t.Fatalf("status %+v after stop", st)
			}
			got := strings.Join(rt.Calls("stdin", "Signal", "exit"), ", ")
			if got != strings.Join(tt.want, ", ") {
				t.Fatalf("calls %s, want %s", got, strings.Join(tt.want, ", "))
			}
			text := consoleText(t, m, "s1")
			for _, l := range tt.lines {
				if !strings.Contains(text, DaemonPrefix) || !strings.Contains(text, l) {
					t.Fatalf("console lacks %q:\n%s", l, text)
				}
			}
		})
	}
}

// TestKillEscalatesStop: a stop stuck waiting (hour-long timeouts) finishes once Kill is called.
func TestKillEscalatesStop(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, func(o *Options) { o.TermTimeout = time.Hour })
	def := testDef("s1", "ignore-term")
	def.StopTimeout = Duration(time.Hour)
	mustCreate(t, m, def)
	ctx := context.Background()
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- m.Stop(ctx, "s1") }()
	waitState(t, m, "s1", StateStopping)
	if err := m.Kill(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "s1", StateStopped)
	if rt.count("Signal s1 KILL") != 1 {
		t.Fatalf("calls: %v", rt.Calls())
	}
}
