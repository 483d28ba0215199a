package nodetest

import (
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// testSuspendedRefused: a server created suspended refuses start, restart and install (with
// or without wipe) with daemon.ErrSuspended; stop and kill work; unsuspended, it starts.
func testSuspendedRefused(t *testing.T, env Env) {
	c := ctx(t)
	def := env.Def("susp")
	def.Suspended = ptr(true)
	def.AutoRestart = ptr(true)
	must(t, "create suspended", env.Node.CreateServer(c, def))
	t.Cleanup(func() { _ = env.Node.DeleteServer(c, "susp") })
	mustIs(t, "start", env.Node.Power(c, "susp", daemonapi.PowerRequestActionStart), daemon.ErrSuspended)
	mustIs(t, "restart", env.Node.Power(c, "susp", daemonapi.PowerRequestActionRestart), daemon.ErrSuspended)
	mustIs(t, "install", env.Node.Install(c, "susp", false), daemon.ErrSuspended)
	mustIs(t, "install with wipe", env.Node.Install(c, "susp", true), daemon.ErrSuspended)
	must(t, "stop", env.Node.Power(c, "susp", daemonapi.PowerRequestActionStop))
	must(t, "kill", env.Node.Power(c, "susp", daemonapi.PowerRequestActionKill))
	if st, err := env.Node.Status(c, "susp"); err != nil || st.State != daemonapi.StateStopped || st.Running {
		t.Fatalf("status of the suspended server = %+v, %v", st, err)
	}
	def.Suspended = ptr(false)
	res, err := env.Node.UpdateServer(c, def)
	must(t, "unsuspend", err)
	if res.Applied != daemonapi.UpdateResultAppliedNextStart {
		t.Fatalf("unsuspend of a stopped server: applied %q, want next-start", res.Applied)
	}
	if st, err := env.Node.Status(c, "susp"); err != nil || st.State != daemonapi.StateStopped {
		t.Fatalf("unsuspending started something: %+v, %v", st, err)
	}
	must(t, "start after unsuspend", env.Node.Power(c, "susp", daemonapi.PowerRequestActionStart))
}

// testUpdateSuspendsRunning: an update of a running server applies live; one that suspends it
// stops it (its stop command first) and it stays stopped.
func testUpdateSuspendsRunning(t *testing.T, env Env) {
	c := ctx(t)
	def := create(t, env, "susrun")
	must(t, "start", env.Node.Power(c, "susrun", daemonapi.PowerRequestActionStart))
	waitConsole(t, env, "susrun", "ready")
	def.Limits.CpuPercent = ptr(int64(50))
	res, err := env.Node.UpdateServer(c, def)
	must(t, "update of a running server", err)
	if res.Applied != daemonapi.UpdateResultAppliedLive {
		t.Fatalf("update of a running server: applied %q, want live", res.Applied)
	}
	def.Suspended = ptr(true)
	res, err = env.Node.UpdateServer(c, def)
	must(t, "suspending update", err)
	if res.Applied != daemonapi.UpdateResultAppliedLive {
		t.Fatalf("suspending update of a running server: applied %q, want live", res.Applied)
	}
	st, err := env.Node.Status(c, "susrun")
	must(t, "status", err)
	if st.State != daemonapi.StateStopping && st.State != daemonapi.StateStopped {
		t.Fatalf("status after the suspending update = %+v, want stopping or stopped", st)
	}
	waitState(t, env, "susrun", daemonapi.StateStopped)
	waitConsole(t, env, "susrun", daemon.DaemonPrefix+`stopping server: sending "stop"`)
	mustIs(t, "start of the suspended server", env.Node.Power(c, "susrun", daemonapi.PowerRequestActionStart), daemon.ErrSuspended)
	if st, err := env.Node.Status(c, "susrun"); err != nil || st.State != daemonapi.StateStopped || st.Running {
		t.Fatalf("status after a refused start = %+v, %v", st, err)
	}
}

// testInstallWipe: install with wipe empties the server's folder first and keeps its backups;
// without wipe the files stay.
func testInstallWipe(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "wipe")
	must(t, "mkdir", env.Node.MakeFolder(c, "wipe", "world/region"))
	must(t, "write", env.Node.WriteFile(c, "wipe", "world/region/r.0.0.mca", strings.NewReader("region"), 6))
	must(t, "write", env.Node.WriteFile(c, "wipe", "server.properties", strings.NewReader("motd=hi"), 7))
	b, err := env.Node.CreateBackup(c, "wipe", 3)
	must(t, "backup", err)
	if b = waitBackup(t, env, "wipe", b.Id); b.State != daemonapi.BackupStateDone {
		t.Fatalf("backup = %+v", b)
	}
	must(t, "install without wipe", env.Node.Install(c, "wipe", false))
	waitState(t, env, "wipe", daemonapi.StateStopped)
	if total := listTotal(t, env, "wipe"); total != 2 {
		t.Fatalf("an install without wipe left %d entries, want the 2 files' entries", total)
	}
	must(t, "install with wipe", env.Node.Install(c, "wipe", true))
	waitState(t, env, "wipe", daemonapi.StateStopped)
	if total := listTotal(t, env, "wipe"); total != 0 {
		t.Fatalf("the folder holds %d entries after an install with wipe, want none", total)
	}
	waitConsole(t, env, "wipe", "emptying the server's folder")
	list, err := env.Node.ListBackups(c, "wipe")
	must(t, "list backups", err)
	if len(list) != 1 || list[0].Id != b.Id || list[0].Sha256 != b.Sha256 {
		t.Fatalf("backups after the wipe = %+v, want %s kept", list, b.Id)
	}
	// the backup still restores what the wipe removed
	must(t, "restore", env.Node.RestoreBackup(c, "wipe", b.Id, false))
	if total := listTotal(t, env, "wipe"); total != 2 {
		t.Fatalf("after restoring the backup: %d entries, want 2", total)
	}
}

// listTotal counts the entries at the top of a server's folder.
func listTotal(t *testing.T, env Env, id string) int {
	t.Helper()
	r, err := env.Node.ReadFile(ctx(t), id, "/", 1, 100)
	must(t, "list the folder", err)
	if r.Listing == nil {
		t.Fatalf("the folder of %s is not a listing: %+v", id, r)
	}
	return r.Listing.Total
}
