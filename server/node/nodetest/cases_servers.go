package nodetest

import (
	"slices"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
)

// testIdentity: Health names the node and counts its servers; System and Features describe
// the machine.
func testIdentity(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "ida")
	h, err := env.Node.Health(c)
	must(t, "health", err)
	if h.NodeId != env.NodeID || h.BootId == "" || h.Servers != 1 || h.Time <= 0 {
		t.Fatalf("health = %+v", h)
	}
	again, err := env.Node.Health(c)
	must(t, "health", err)
	if again.BootId != h.BootId {
		t.Fatalf("bootId changed without a restart: %q then %q", h.BootId, again.BootId)
	}
	sys, err := env.Node.System(c)
	must(t, "system", err)
	if sys.Cpu.Threads < 1 || sys.Memory.Total <= 0 || sys.Os.Platform == "" {
		t.Fatalf("system = %+v", sys)
	}
	f, err := env.Node.Features(c)
	must(t, "features", err)
	if !slices.Contains(f.Environments, env.Def("x").Environment) {
		t.Fatalf("features %+v lack the environment of the test definition", f)
	}
}

// testCreateUpdateDelete: the definition's life cycle.
func testCreateUpdateDelete(t *testing.T, env Env) {
	c := ctx(t)
	def := create(t, env, "cud-b")
	create(t, env, "cud-a")
	list, err := env.Node.ListServers(c)
	must(t, "list", err)
	if len(list) != 2 || list[0].Id != "cud-a" || list[1].Id != "cud-b" || list[1].State != daemonapi.StateStopped {
		t.Fatalf("list = %+v (want cud-a, cud-b stopped, by id)", list)
	}
	other := def
	other.Startup = "echo other"
	mustIs(t, "create over an existing server", env.Node.CreateServer(c, other), daemon.ErrExists)
	def.Name = "renamed"
	def.Limits.MemoryMiB = ptr(int64(512))
	res, err := env.Node.UpdateServer(c, def)
	must(t, "update", err)
	if res.Applied != daemonapi.UpdateResultAppliedNextStart {
		t.Fatalf("update of a stopped server: applied %q, want next-start", res.Applied)
	}
	ghost := env.Def("cud-ghost")
	_, err = env.Node.UpdateServer(c, ghost)
	mustIs(t, "update of an unknown server", err, daemon.ErrNotFound)
	must(t, "delete", env.Node.DeleteServer(c, "cud-b"))
	must(t, "delete of an unknown id", env.Node.DeleteServer(c, "cud-b"))
	_, err = env.Node.Status(c, "cud-b")
	mustIs(t, "status of a deleted server", err, daemon.ErrNotFound)
	list, err = env.Node.ListServers(c)
	must(t, "list", err)
	if len(list) != 1 || list[0].Id != "cud-a" {
		t.Fatalf("list after delete = %+v", list)
	}
}

// testPowerAndConsole: start, commands, console cursor, stats, stop (background), kill.
func testPowerAndConsole(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "pwr")
	mustIs(t, "command to a stopped server", env.Node.SendCommand(c, "pwr", "hi"), daemon.ErrNotRunning)
	must(t, "start", env.Node.Power(c, "pwr", daemonapi.PowerRequestActionStart))
	st, err := env.Node.Status(c, "pwr")
	must(t, "status", err)
	if st.State != daemonapi.StateRunning || !st.Running {
		t.Fatalf("status after start = %+v", st)
	}
	must(t, "start of a running server (idempotent)", env.Node.Power(c, "pwr", daemonapi.PowerRequestActionStart))
	waitConsole(t, env, "pwr", "ready")
	must(t, "command", env.Node.SendCommand(c, "pwr", "hello"))
	waitConsole(t, env, "pwr", env.EchoPrefix+"hello")
	all, err := env.Node.Console(c, "pwr", 0)
	must(t, "console", err)
	if all.Cursor <= 0 || len(all.Lines) < 2 {
		t.Fatalf("console = %+v", all)
	}
	after, err := env.Node.Console(c, "pwr", all.Cursor)
	must(t, "console after the cursor", err)
	if len(after.Lines) != 0 || after.Cursor != all.Cursor {
		t.Fatalf("console after cursor %d = %+v, want nothing new", all.Cursor, after)
	}
	_, err = env.Node.Stats(c, "pwr")
	must(t, "stats", err)
	_, err = env.Node.Stats(c, "nosuch")
	mustIs(t, "stats of an unknown server", err, daemon.ErrNotFound)
	must(t, "stop", env.Node.Power(c, "pwr", daemonapi.PowerRequestActionStop))
	waitState(t, env, "pwr", daemonapi.StateStopped)
	must(t, "stop of a stopped server", env.Node.Power(c, "pwr", daemonapi.PowerRequestActionStop))
	must(t, "start again", env.Node.Power(c, "pwr", daemonapi.PowerRequestActionStart))
	must(t, "kill", env.Node.Power(c, "pwr", daemonapi.PowerRequestActionKill))
	if st, err := env.Node.Status(c, "pwr"); err != nil || st.Running {
		t.Fatalf("status after kill = %+v, %v", st, err)
	}
}

// testInstall: an install runs from a stopped server and ends; a running server refuses.
func testInstall(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "inst")
	must(t, "install", env.Node.Install(c, "inst", false))
	for {
		st, err := env.Node.Status(c, "inst")
		must(t, "status", err)
		if st.State != daemonapi.StateInstalling {
			break
		}
	}
	waitState(t, env, "inst", daemonapi.StateStopped)
	must(t, "start", env.Node.Power(c, "inst", daemonapi.PowerRequestActionStart))
	mustIs(t, "install while running", env.Node.Install(c, "inst", false), daemon.ErrInvalidState)
	mustIs(t, "install with wipe while running", env.Node.Install(c, "inst", true), daemon.ErrInvalidState)
	mustIs(t, "install of an unknown server", env.Node.Install(c, "nosuch", false), daemon.ErrNotFound)
}

// testErrors: refusals arrive as the same sentinels on every node.
func testErrors(t *testing.T, env Env) {
	c := ctx(t)
	bad := env.Def("bad-ip")
	bad.Ip = ptr("not-an-ip")
	mustIs(t, "invalid definition", env.Node.CreateServer(c, bad), daemon.ErrInvalidDefinition)
	if _, err := env.Node.Status(c, "bad-ip"); err == nil {
		t.Fatal("an invalid definition left a server behind")
	}
	img := env.Def("bad-env")
	img.Environment = daemonapi.EnvironmentDocker
	img.Image = nil
	mustIs(t, "docker without an image", env.Node.CreateServer(c, img), daemon.ErrInvalidDefinition)
	_, err := env.Node.Status(c, "nosuch")
	mustIs(t, "status of an unknown server", err, daemon.ErrNotFound)
	mustIs(t, "power of an unknown server", env.Node.Power(c, "nosuch", daemonapi.PowerRequestActionStart), daemon.ErrNotFound)
	_, err = env.Node.Console(c, "nosuch", 0)
	mustIs(t, "console of an unknown server", err, daemon.ErrNotFound)
	_, err = env.Node.Events(c, "nosuch", 4)
	mustIs(t, "events of an unknown server", err, daemon.ErrNotFound)
	_ = rt.EnvStandard
}
