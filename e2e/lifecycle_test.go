package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// containerdFlag is --containerd for panels of this run: the test containerd, or a socket that
// does not exist (standard servers only).
func containerdFlag() string {
	if suite.sock != "" {
		return suite.sock
	}
	return "/nonexistent/skypanel-e2e/containerd.sock"
}

// lifecycleCases run in both environments, each on its own server, in parallel.
var lifecycleCases = []struct {
	name string
	run  func(t *testing.T, p *panel, e environment)
}{
	{"console", testConsole},
	{"stats", testStats},
	{"stop", testStop},
	{"kill", testKill},
	{"crash-loop", testCrashLoop},
	{"oom", testOOM},
	{"restart", testRestart},
	{"missing-command", testMissingCommand},
	{"idempotent-create", testIdempotentCreate},
	{"writes-own-folder", testWritesOwnFolder},
}

// TestLifecycle drives servers through the API of one `skypanel serve`, in both environments.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	p := startPanel(t, containerdFlag())
	for _, e := range environments {
		t.Run(e.name, func(t *testing.T) {
			e.require(t)
			t.Parallel()
			for _, tc := range lifecycleCases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, p, e)
				})
			}
		})
	}
	t.Run("bad-input", func(t *testing.T) {
		t.Parallel()
		testBadInput(t, p)
	})
	t.Run("duplicate-port", func(t *testing.T) {
		t.Parallel()
		testDuplicatePort(t, p)
	})
}

// testConsole: start (204, running at once), the whole console with time=0, then only new
// lines when the cursor is passed back, a command's echo, and (standard, as root) every
// process of the server runs as an unprivileged user. Deleting the running server removes
// its process and folders.
func testConsole(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("console", e), e, p.body(e, echoLoop))
	s.start(t)
	if st := s.status(t); st.State != stateRunning || !st.Running {
		t.Fatalf("status right after start = %+v, want running", st)
	}
	if first := s.read(t); !slices.Contains(first, lineStarting) {
		t.Fatalf("console?time=0 = %q, want %q", first, lineStarting)
	}
	if again := s.read(t); len(again) != 0 {
		t.Fatalf("console with the returned time = %q, want no line (nothing new)", again)
	}
	for _, cmd := range []string{"hello world", "second"} {
		s.send(t, cmd)
		if got := s.next(t); !slices.Equal(got, []string{"echo:" + cmd}) {
			t.Errorf("after sending %q, the cursor returned %q, want only its echo", cmd, got)
		}
	}
	all := s.console(t, 0).Logs
	if want := []string{lineStarting, "echo:hello world", "echo:second"}; !slices.Equal(all, want) {
		t.Errorf("console?time=0 = %q, want %q", all, want)
	}
	pid := s.pidOf(t)
	assertUnprivileged(t, pid) // standard: the host user; docker: --container-user (988:988)
	s.remove(t, pid)
}

// testWritesOwnFolder: the server's process (an unprivileged user in both environments) can
// create files in its folder, and they belong to that user.
func testWritesOwnFolder(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("writes", e), e, p.body(e, "echo data > made-by-server.txt && echo written; "+echoLoop))
	s.start(t)
	s.waitLine(t, "written")
	fi, err := os.Stat(filepath.Join(p.volumeDir(s.id), "made-by-server.txt"))
	if err != nil {
		t.Fatalf("the file the server wrote: %v", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 && st.Uid == 0 {
		t.Errorf("the server's file belongs to root, want the server's unprivileged user")
	}
	s.remove(t, s.pidOf(t))
}

// assertUnprivileged checks that every process of a standard server's group runs as a
// non-root user when the daemon is root.
func assertUnprivileged(t *testing.T, pgid int) {
	t.Helper()
	procs := groupProcesses(pgid)
	if len(procs) == 0 {
		t.Fatalf("no process in group %d", pgid)
	}
	for _, pid := range procs {
		ids, err := uids(pid)
		if err != nil {
			continue // exited meanwhile
		}
		switch {
		case os.Geteuid() != 0:
			t.Logf("not root: process %d runs as uid %v (the test's user)", pid, ids)
		case slices.Contains(ids, 0):
			t.Errorf("process %d of the server runs with uid %v: root", pid, ids)
		}
	}
}

// testStats: non-zero memory, memoryTotal = the configured limit, and that limit really is
// the one of the cgroup the process runs in.
func testStats(t *testing.T, p *panel, e environment) {
	const mib = 48
	b := p.body(e, echoLoop)
	b.Limits.Memory = ptr[int64](mib)
	s := p.create(t, serverID("stats", e), e, b)
	s.start(t)
	s.echo(t, "warm")
	resp, err := s.c.GetServerStatsWithResponse(context.Background(), s.id)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("stats: %v %s", err, body(resp))
	}
	st := *resp.JSON200
	if st.Memory <= 0 || st.MemoryTotal != mib<<20 {
		t.Errorf("stats = %+v, want memory > 0 and memoryTotal %d", st, mib<<20)
	}
	pid := s.pidOf(t)
	if e.typ == api.EnvironmentTypeStandard && os.Geteuid() != 0 {
		t.Log("not root: the host runtime enforces no cgroup limit; cgroup check skipped")
	} else if got := memoryLimit(t, pid); got != mib<<20 {
		t.Errorf("memory limit of the cgroup of process %d = %d, want %d", pid, got, mib<<20)
	}
	s.remove(t, pid)
}

// stopAck acknowledges the stop command and exits only on the next line, so the test sees
// the stopping state for sure.
const stopAck = `while read l; do if [ "$l" = stop ]; then echo "stop received"; read l; exit 0; fi; echo "echo:$l"; done`

// testStop: the stop command reaches stdin (state stopping, process still running), the
// process exits 0 → stopped; then console answers 409 ErrServerNotRunning and stop 204 (no-op).
// A second start while running is a 204 no-op.
func testStop(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("stop", e), e, p.body(e, stopAck))
	s.start(t)
	s.echo(t, "ping")
	pid := s.pidOf(t)
	s.start(t) // starting a running server: idempotent 204, the same process keeps running
	if again := s.pidOf(t); again != pid {
		t.Fatalf("a second start replaced process %d with %d", pid, again)
	}
	s.power(t, "stop")
	got := s.waitLine(t, "stop received")
	if !slices.Contains(got, `[SkyPanel Daemon] stopping server: sending "stop"`) {
		t.Errorf("console %q: no daemon line about the stop command", got)
	}
	if st := s.status(t); st.State != stateStopping || !st.Running {
		t.Fatalf("status while the stop command is handled = %+v, want stopping, running", st)
	}
	s.send(t, "bye")
	st := s.waitState(t, stateStopped, stateCrashed)
	if st.Running {
		t.Errorf("status %+v: running after stop", st)
	}
	s.waitLine(t, "[SkyPanel Daemon] server stopped (exit code 0)")
	ctx := context.Background()
	cmd, err := s.c.SendServerCommandWithResponse(ctx, s.id, api.SendServerCommandJSONRequestBody{Command: "late"})
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, cmd, http.StatusConflict, api.ErrorCodeErrServerNotRunning)
	stop, err := s.c.StopServerWithResponse(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	if stop.StatusCode() != http.StatusNoContent { // stopping a stopped server is an idempotent no-op
		t.Fatalf("stop of a stopped server: %d %s, want 204", stop.StatusCode(), stop.Body)
	}
	if alive(pid) {
		t.Errorf("process %d still runs after stop", pid)
	}
	s.remove(t, 0)
}

// testKill: kill answers once the process is gone (SIGKILL): stopped at once, not crashed.
func testKill(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("kill", e), e, p.body(e, echoLoop))
	s.start(t)
	s.echo(t, "ping")
	pid := s.pidOf(t)
	s.power(t, "kill")
	if st := s.status(t); st.State != stateStopped || st.Running {
		t.Fatalf("status right after kill = %+v, want stopped", st)
	}
	got := s.waitMatch(t, "server stopped", func(l string) bool {
		return strings.HasPrefix(l, "[SkyPanel Daemon] server stopped (")
	})
	if !slices.Contains(got, "[SkyPanel Daemon] killing server (kill requested)") {
		t.Errorf("console %q: no kill line", got)
	}
	if alive(pid) {
		t.Errorf("process %d still runs after kill", pid)
	}
	s.remove(t, 0)
}

// testCrashLoop: a command exiting 3 with autoRestart is restarted once, then held by the
// crash-loop guard (crashed), which the console says.
func testCrashLoop(t *testing.T, p *panel, e environment) {
	b := p.body(e, `echo up; sleep 0.2; exit 3`)
	b.AutoRestart = ptr(true)
	s := p.create(t, serverID("crash", e), e, b)
	s.start(t)
	s.waitMatch(t, "crash-loop guard", func(l string) bool {
		return strings.HasPrefix(l, daemonPrefix+"not restarting") && strings.Contains(l, "crash-loop guard")
	})
	for line, want := range map[string]int{
		lineStarting: 2, "up": 2,
		"[SkyPanel Daemon] server crashed (exit code 3)":                  2,
		"[SkyPanel Daemon] restarting automatically (auto-restart is on)": 1,
	} {
		if got := s.count(line); got != want {
			t.Errorf("console has %q %d times, want %d:\n%s", line, got, want, s.dump(t))
		}
	}
	st := s.status(t)
	if st.State != stateCrashed || st.Running || deref(st.Message) != "crashed: exit code 3" {
		t.Errorf("status = %+v (%s), want crashed: exit code 3", st, deref(st.Message))
	}
	s.remove(t, 0)
}

// testOOM: a command allocating past its 16 MiB limit is reported as out of memory.
func testOOM(t *testing.T, p *panel, e environment) {
	if e.typ == api.EnvironmentTypeStandard && os.Geteuid() != 0 {
		t.Skip("not root: the host runtime enforces no memory limit")
	}
	b := p.body(e, `echo allocating; tail /dev/zero`)
	b.Limits.Memory = ptr[int64](16)
	s := p.create(t, serverID("oom", e), e, b)
	s.start(t)
	s.waitLine(t, "[SkyPanel Daemon] server crashed (out of memory)")
	st := s.waitState(t, stateCrashed)
	if deref(st.Message) != "crashed: out of memory" {
		t.Errorf("status message = %q, want crashed: out of memory", deref(st.Message))
	}
	s.remove(t, 0)
}

// testRestart: restart stops (stop command) and starts a new process, console attached.
func testRestart(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("restart", e), e, p.body(e, echoLoop))
	s.start(t)
	s.echo(t, "one")
	pid1 := s.pidOf(t)
	s.power(t, "restart")
	s.waitLine(t, "[SkyPanel Daemon] server stopped (exit code 0)")
	s.waitLine(t, lineStarting)
	s.waitState(t, stateRunning, stateCrashed, stateStopped)
	pid2 := s.pidOf(t)
	if pid2 == pid1 || alive(pid1) {
		t.Errorf("after restart: pid %d (before %d, alive %v), want a new process", pid2, pid1, alive(pid1))
	}
	s.echo(t, "two")
	s.remove(t, pid2)
}

// testMissingCommand: a command that does not exist starts (the shell does) and crashes with
// exit code 127, reported in the console and the status.
func testMissingCommand(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("nocmd", e), e, p.body(e, "skypanel-e2e-no-such-command --flag"))
	s.start(t)
	got := s.waitLine(t, "[SkyPanel Daemon] server crashed (exit code 127)")
	if !slices.ContainsFunc(got, func(l string) bool {
		return strings.Contains(l, "skypanel-e2e-no-such-command") && strings.Contains(l, "not found")
	}) {
		t.Errorf("console %q: no 'not found' line from the shell", got)
	}
	st := s.waitState(t, stateCrashed)
	if deref(st.Message) != "crashed: exit code 127" {
		t.Errorf("status message = %q, want crashed: exit code 127", deref(st.Message))
	}
	s.remove(t, 0)
}

// testIdempotentCreate: the same id and body again → 200 with the same server; a different
// body → 409 ErrConflict naming the id.
func testIdempotentCreate(t *testing.T, p *panel, e environment) {
	id := serverID("idem", e)
	b := p.body(e, echoLoop)
	s := p.create(t, id, e, b)
	ctx := context.Background()
	before, err := s.c.GetServerWithResponse(ctx, id, nil)
	if err != nil || before.JSON200 == nil {
		t.Fatalf("get: %v %s", err, body(before))
	}
	again, err := s.c.CreateServerWithResponse(ctx, id, b)
	if err != nil || again.StatusCode() != http.StatusOK || again.JSON200 == nil {
		t.Fatalf("same create again: %v %s, want 200", err, body(again))
	}
	if again.JSON200.Id != id || again.JSON200.Name != b.Name {
		t.Errorf("retried create = %+v, want the same server", *again.JSON200)
	}
	after, err := s.c.GetServerWithResponse(ctx, id, nil)
	if err != nil || after.JSON200 == nil || !after.JSON200.Created.Equal(before.JSON200.Created) {
		t.Errorf("server after the retried create: %v %s (created before %v)", err, body(after), before.JSON200.Created)
	}
	b.Name = "another name"
	diff, err := s.c.CreateServerWithResponse(ctx, id, b)
	if err != nil {
		t.Fatal(err)
	}
	if md := expectError(t, diff, http.StatusConflict, api.ErrorCodeErrConflict).Metadata; md == nil || (*md)["id"] != id {
		t.Errorf("409 metadata = %v, want id %s", md, id)
	}
	s.remove(t, 0)
}
