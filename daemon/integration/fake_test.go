package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
)

func TestLifecycleSharedFake(t *testing.T) {
	fk := fake.New(fake.Options{Environment: runtime.EnvDocker, ExitOnLine: "stop"})
	lifecycle(t, openDir(t), fk, func() runtime.Runtime { return fk.Reopen() }, "echo ready; read line")
}

func TestOOMSharedFake(t *testing.T) {
	fk := fake.New(fake.Options{Environment: runtime.EnvDocker})
	m := newManager(t, openDir(t), fk)
	ctx := context.Background()
	must(t, m.Create(ctx, daemon.Definition{ID: "oom", Environment: runtime.EnvDocker, Image: "busybox",
		Startup: "read line", Limits: daemon.Limits{MemoryMiB: 64}}))
	must(t, m.Start(ctx, "oom"))
	must(t, fk.OOMKill("oom"))
	waitState(t, m, "oom", daemon.StateCrashed)
	if st, _ := m.Status("oom"); st.Message != "crashed: out of memory" ||
		!strings.Contains(console(m, "oom"), "[SkyPanel Daemon] server crashed (out of memory)") {
		t.Fatalf("status %+v, console:\n%s", st, console(m, "oom"))
	}
	stats, err := m.Stats(ctx, "oom")
	if err != nil || stats.MemoryLimit != 64<<20 || stats.MemoryBytes != 0 {
		t.Fatalf("stats when crashed: %+v %v", stats, err)
	}
}
