package fake

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

const image = "docker.io/skypanel/busybox:test"

func TestContract(t *testing.T) {
	runtimetest.Run(t, func(t *testing.T) (runtime.Runtime, runtimetest.Env) {
		r := New(Options{Images: []string{image}})
		return r, runtimetest.Env{
			Image:          image,
			BadImage:       "docker.io/skypanel/missing:1",
			Dir:            func(t *testing.T) string { return t.TempDir() },
			WorkDir:        func(string) string { return "/home/container" },
			Reopen:         func(*testing.T) runtime.Runtime { return r.Reopen() },
			EnforcesMemory: true,
			Leftovers: func(t *testing.T, id string) []string {
				if _, err := r.Spec(id); err == nil {
					return []string{"instance " + id}
				}
				return nil
			},
		}
	})
}

func start(t *testing.T, r *Runtime, cmd string) (string, *runtimetest.Lines, runtime.Console) {
	t.Helper()
	id := runtimetest.NewID()
	if err := r.Create(context.Background(), runtime.Spec{ID: id, Command: cmd, Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	c, err := r.Start(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return id, runtimetest.ReadLines(c.Output()), c
}

func TestControls(t *testing.T) {
	ctx := context.Background()
	r := New(Options{ExitOnLine: "stop", Ignore: []syscall.Signal{syscall.SIGTERM}})
	cases := []struct {
		name string
		act  func(t *testing.T, id string, c runtime.Console)
		want runtime.ExitStatus
	}{
		{"Exit", func(t *testing.T, id string, _ runtime.Console) { _ = r.Exit(id, 7) }, runtime.ExitStatus{Code: 7}},
		{"OOMKill", func(t *testing.T, id string, _ runtime.Console) { _ = r.OOMKill(id) }, runtime.ExitStatus{Code: 137, OOMKilled: true}},
		{"StopLine", func(t *testing.T, _ string, c runtime.Console) { _, _ = c.Stdin().Write([]byte("stop\n")) }, runtime.ExitStatus{}},
		{"IgnoredTermThenKill", func(t *testing.T, id string, _ runtime.Console) {
			_ = r.Signal(ctx, id, syscall.SIGTERM)
			if st, _ := r.State(ctx, id); st != runtime.StateRunning {
				t.Fatalf("state %s after an ignored SIGTERM", st)
			}
			_ = r.Signal(ctx, id, syscall.SIGKILL)
		}, runtime.ExitStatus{Code: 137}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, lines, con := start(t, r, runtimetest.CmdEcho)
			ch, err := r.Wait(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Emit(id, "hello"); err != nil {
				t.Fatal(err)
			}
			lines.Expect(t, "hello")
			c.act(t, id, con)
			st := runtimetest.WaitExit(t, ch)
			if st.Code != c.want.Code || st.OOMKilled != c.want.OOMKilled {
				t.Fatalf("status %+v, want %+v", st, c.want)
			}
		})
	}
}

func TestStatsAndInspection(t *testing.T) {
	ctx := context.Background()
	r := New(Options{})
	id, lines, c := start(t, r, runtimetest.CmdEcho)
	_, _ = c.Stdin().Write([]byte("a\nb"))
	_, _ = c.Stdin().Write([]byte("c\n"))
	lines.Expect(t, "echo:bc")
	if got := r.StdinLines(id); len(got) != 2 || got[1] != "bc" {
		t.Fatalf("StdinLines = %q", got)
	}
	_ = r.SetStats(id, runtime.Stats{CPUPercent: 42, MemoryBytes: 123})
	if st, err := r.Stats(ctx, id); err != nil || st.CPUPercent != 42 || st.MemoryBytes != 123 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
	_ = r.Signal(ctx, id, syscall.SIGUSR1)
	if sigs := r.Signals(id); len(sigs) != 1 || sigs[0] != syscall.SIGUSR1 {
		t.Fatalf("Signals = %v", sigs)
	}
	boom := errors.New("boom")
	r.FailNext("Stats", boom)
	if _, err := r.Stats(ctx, id); !errors.Is(err, boom) {
		t.Fatalf("injected error: %v", err)
	}
}
