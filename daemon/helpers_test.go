package daemon

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// testWriter sends log output to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testOptions are fast defaults for unit tests.
func testOptions(t testing.TB, dir string, rt *fakeRT) Options {
	return Options{
		DataDir:       dir,
		Runtimes:      map[string]runtime.Runtime{rt.env: rt},
		Logger:        slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		StopTimeout:   20 * time.Millisecond,
		TermTimeout:   20 * time.Millisecond,
		KillTimeout:   5 * time.Second,
		StatsInterval: 5 * time.Millisecond,
	}
}

func newTestManager(t testing.TB, rt *fakeRT, mod func(*Options)) *Manager {
	t.Helper()
	opts := testOptions(t, t.TempDir(), rt)
	if mod != nil {
		mod(&opts)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// reloaded is a second Manager on m1's data folder and runtime (as after a daemon restart),
// loaded; it is closed when the test ends.
func reloaded(t testing.TB, m1 *Manager, rt *fakeRT) *Manager {
	t.Helper()
	m2, err := New(testOptions(t, m1.opts.DataDir, rt))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m2.Close)
	if err := m2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m2
}

func testDef(id, cmd string) Definition {
	return Definition{
		ID: id, Name: "test " + id, Environment: runtime.EnvStandard, Startup: cmd,
		StopCommand: "stop", Limits: Limits{MemoryMiB: 512},
	}
}

func mustCreate(t testing.TB, m *Manager, def Definition) {
	t.Helper()
	if err := m.Create(context.Background(), def); err != nil {
		t.Fatalf("create %s: %v", def.ID, err)
	}
}

// waitFor polls cond. The deadline only turns a hang into a failure; it asserts no speed.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func waitState(t testing.TB, m *Manager, id string, want State) {
	t.Helper()
	waitFor(t, "state "+string(want), func() bool {
		st, err := m.Status(id)
		return err == nil && st.State == want
	})
}

func consoleText(t testing.TB, m *Manager, id string) string {
	t.Helper()
	lines, _, err := m.Console(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func waitLine(t testing.TB, m *Manager, id, substr string) {
	t.Helper()
	waitFor(t, "console line "+substr, func() bool {
		return strings.Contains(consoleText(t, m, id), substr)
	})
}
