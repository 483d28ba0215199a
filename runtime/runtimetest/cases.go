package runtimetest

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

func testLifecycle(t *testing.T, r runtime.Runtime, env Env) {
	s := spec(t, r, env, CmdEcho)
	mustState(t, r, s.ID, runtime.StateAbsent)
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	mustState(t, r, s.ID, runtime.StateCreated)
	mustErr(t, "Create twice", r.Create(ctx(t), s), runtime.ErrExists)

	c, lines := mustStart(t, r, s.ID)
	mustState(t, r, s.ID, runtime.StateRunning)
	_, err := r.Start(ctx(t), s.ID)
	mustErr(t, "Start while running", err, runtime.ErrRunning)
	send(t, c, "hello")
	lines.Expect(t, "echo:hello")
	send(t, c, "world")
	lines.Expect(t, "echo:world")

	ch := mustWait(t, r, s.ID)
	if err := r.Signal(ctx(t), s.ID, syscall.SIGTERM); err != nil {
		t.Fatalf("Signal: %v", err)
	}
	exitCode(t, WaitExit(t, ch), 128+int(syscall.SIGTERM))
	lines.ExpectEOF(t)
	mustState(t, r, s.ID, runtime.StateCreated)
	mustErr(t, "Signal after exit", r.Signal(ctx(t), s.ID, syscall.SIGTERM), runtime.ErrNotRunning)

	// A second start of the same instance works; SIGKILL ends it with 137.
	c, lines = mustStart(t, r, s.ID)
	send(t, c, "again")
	lines.Expect(t, "echo:again")
	ch = mustWait(t, r, s.ID)
	if err := r.Signal(ctx(t), s.ID, syscall.SIGKILL); err != nil {
		t.Fatalf("Signal: %v", err)
	}
	exitCode(t, WaitExit(t, ch), 128+int(syscall.SIGKILL))

	if err := r.Delete(ctx(t), s.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkGone(t, r, env, s.ID)
	if err := r.Delete(ctx(t), s.ID); err != nil {
		t.Fatalf("Delete twice: %v", err)
	}
}

func testExitCode(t *testing.T, r runtime.Runtime, env Env) {
	s := spec(t, r, env, CmdExit3)
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	_, lines := mustStart(t, r, s.ID)
	exitCode(t, WaitExit(t, mustWait(t, r, s.ID)), 3)
	lines.ExpectEOF(t)
	mustState(t, r, s.ID, runtime.StateCreated)
}

func testEnvAndWorkDir(t *testing.T, r runtime.Runtime, env Env) {
	s := spec(t, r, env, CmdEnv)
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	_, lines := mustStart(t, r, s.ID)
	lines.Expect(t, "env:yes")
	lines.Expect(t, "pwd:"+env.WorkDir(s.Dir))
	exitCode(t, WaitExit(t, mustWait(t, r, s.ID)), 0)
}

func testReattach(t *testing.T, r runtime.Runtime, env Env) {
	s := spec(t, r, env, CmdEcho)
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	c, lines := mustStart(t, r, s.ID)
	send(t, c, "one")
	lines.Expect(t, "echo:one")
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	lines.ExpectEOF(t)

	r2 := env.Reopen(t)
	mustState(t, r2, s.ID, runtime.StateRunning)
	c2, err := r2.Attach(ctx(t), s.ID)
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	t.Cleanup(func() { _ = c2.Close() })
	lines2 := ReadLines(c2.Output())
	send(t, c2, "two")
	lines2.Expect(t, "echo:two")

	ch := mustWait(t, r2, s.ID)
	if err := r2.Signal(ctx(t), s.ID, syscall.SIGKILL); err != nil {
		t.Fatalf("Signal: %v", err)
	}
	exitCode(t, WaitExit(t, ch), 128+int(syscall.SIGKILL))
	if err := r2.Delete(ctx(t), s.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkGone(t, r2, env, s.ID)
}

func testStatsAndUpdate(t *testing.T, r runtime.Runtime, env Env) {
	s := spec(t, r, env, CmdEcho)
	s.Limits = runtime.Limits{MemoryMiB: 64, CPUPercent: 50, Pids: 64, IOWeight: 500}
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	c, lines := mustStart(t, r, s.ID)
	send(t, c, "up")
	lines.Expect(t, "echo:up")
	checkStats(t, r, env, s.ID, 64)

	l := s.Limits
	l.MemoryMiB, l.CPUPercent = 96, 150
	if err := r.Update(ctx(t), s.ID, l); err != nil {
		t.Fatalf("Update: %v", err)
	}
	checkStats(t, r, env, s.ID, 96)
	send(t, c, "still")
	lines.Expect(t, "echo:still")
}

func checkStats(t *testing.T, r runtime.Runtime, env Env, id string, limitMiB uint64) {
	t.Helper()
	st, err := r.Stats(ctx(t), id)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st.MemoryBytes == 0 || st.CPUPercent < 0 {
		t.Fatalf("Stats = %+v, want memory > 0 and cpu >= 0", st)
	}
	if env.EnforcesMemory && st.MemoryLimit != limitMiB<<20 {
		t.Fatalf("Stats.MemoryLimit = %d, want %d", st.MemoryLimit, limitMiB<<20)
	}
	if !env.EnforcesMemory && st.MemoryLimit != 0 {
		t.Fatalf("Stats.MemoryLimit = %d for a runtime that enforces no limit", st.MemoryLimit)
	}
}

func testUpdateWhileCreated(t *testing.T, r runtime.Runtime, env Env) {
	s := spec(t, r, env, CmdEcho)
	s.Limits.MemoryMiB = 64
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := r.Update(ctx(t), s.ID, runtime.Limits{MemoryMiB: 80}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	c, lines := mustStart(t, r, s.ID)
	send(t, c, "up")
	lines.Expect(t, "echo:up")
	checkStats(t, r, env, s.ID, 80)
}

func testNotFoundAndNotRunning(t *testing.T, r runtime.Runtime, env Env) {
	s := spec(t, r, env, CmdEcho)
	calls := []struct {
		name string
		call func(id string) error
	}{
		{"Start", func(id string) error { _, err := r.Start(ctx(t), id); return err }},
		{"Attach", func(id string) error { _, err := r.Attach(ctx(t), id); return err }},
		{"Wait", func(id string) error { _, err := r.Wait(ctx(t), id); return err }},
		{"Signal", func(id string) error { return r.Signal(ctx(t), id, syscall.SIGTERM) }},
		{"Stats", func(id string) error { _, err := r.Stats(ctx(t), id); return err }},
		{"Update", func(id string) error { return r.Update(ctx(t), id, runtime.Limits{}) }},
	}
	for _, c := range calls {
		t.Run(c.name+"Absent", func(t *testing.T) {
			mustErr(t, c.name, c.call(s.ID), runtime.ErrNotFound)
		})
	}
	mustState(t, r, s.ID, runtime.StateAbsent)
	if err := r.Delete(ctx(t), s.ID); err != nil {
		t.Fatalf("Delete absent: %v", err)
	}
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for _, c := range calls[1:5] { // Attach, Wait, Signal, Stats
		t.Run(c.name+"NotRunning", func(t *testing.T) {
			mustErr(t, c.name, c.call(s.ID), runtime.ErrNotRunning)
		})
	}
}

func testInvalidSpec(t *testing.T, r runtime.Runtime, env Env) {
	dir := env.Dir(t)
	cases := []struct {
		name   string
		mutate func(s *runtime.Spec)
	}{
		{"EmptyID", func(s *runtime.Spec) { s.ID = "" }},
		{"SlashInID", func(s *runtime.Spec) { s.ID = "a/b" }},
		{"EmptyCommand", func(s *runtime.Spec) { s.Command = "" }},
		{"RelativeDir", func(s *runtime.Spec) { s.Dir = "data" }},
		{"MissingDir", func(s *runtime.Spec) { s.Dir = filepath.Join(dir, "missing") }},
		{"NegativeMemory", func(s *runtime.Spec) { s.Limits.MemoryMiB = -1 }},
		{"NegativeCPU", func(s *runtime.Spec) { s.Limits.CPUPercent = -5 }},
		{"SwapBelowMinusOne", func(s *runtime.Spec) { s.Limits.SwapMiB = -2 }},
		{"IOWeightTooSmall", func(s *runtime.Spec) { s.Limits.IOWeight = 5 }},
		{"IOWeightTooLarge", func(s *runtime.Spec) { s.Limits.IOWeight = 2000 }},
		{"NegativePids", func(s *runtime.Spec) { s.Limits.Pids = -1 }},
		{"AbsurdMemory", func(s *runtime.Spec) { s.Limits.MemoryMiB = 1 << 40 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := runtime.Spec{ID: NewID(), Image: env.Image, Command: CmdEcho, Dir: dir}
			c.mutate(&s)
			err := r.Create(ctx(t), s)
			if err == nil {
				_ = r.Delete(ctx(t), s.ID)
			}
			mustErr(t, "Create", err, runtime.ErrInvalidSpec)
			if s.ID != "" && s.ID != "a/b" {
				checkGone(t, r, env, s.ID)
			}
		})
	}
}

func testBadImage(t *testing.T, r runtime.Runtime, env Env) {
	if env.BadImage == "" {
		t.Skip("the runtime has no images")
	}
	s := spec(t, r, env, CmdEcho)
	s.Image = env.BadImage
	err := r.Create(ctx(t), s)
	mustErr(t, "Create with a bad image", err, runtime.ErrImage)
	checkGone(t, r, env, s.ID)
}

func testOOM(t *testing.T, r runtime.Runtime, env Env) {
	if !env.EnforcesMemory {
		t.Skip("the runtime enforces no memory limit here")
	}
	s := spec(t, r, env, CmdOOM)
	s.Limits.MemoryMiB = 16
	if err := r.Create(ctx(t), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	mustStart(t, r, s.ID)
	st := WaitExit(t, mustWait(t, r, s.ID))
	if !st.OOMKilled || st.Code == 0 {
		t.Fatalf("exit status %+v, want OOMKilled and a non-zero code", st)
	}
}
