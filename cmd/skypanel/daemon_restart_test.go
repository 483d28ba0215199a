package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// TestDaemonRestartKeepsServers: stopping `skypanel daemon` (SIGTERM) leaves its game servers
// running, and the restarted daemon re-attaches to them: same processes, console history
// intact (the start line once), stdin reconnected.
func TestDaemonRestartKeepsServers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("isolated standard servers (own uid and cgroup) need root")
	}
	bin := buildBinary(t)
	n := newRemoteNode(t)
	dir, err := os.MkdirTemp("", "skypanel-daemon-restart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil { // servers' uids reach their folders through it
		t.Fatal(err)
	}
	first := 3_000_000 + 1000*rand.IntN(100_000) // uids no other test uses
	t.Cleanup(func() { killUIDs(first, first+999) })
	args := n.args(dir, "--standard-servers", "admin", "--standard-uid-range", fmt.Sprintf("%d-%d", first, first+999))

	d := startDaemon(t, bin, n.secret, args)
	api := n.api(t)
	ctx := t.Context()
	// The server is the panel's (a server only on the node would be removed by the panel's
	// reconcile when the daemon checks in again).
	admin := n.env.AdminToken(t)
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/KEEP1", admin, map[string]any{"name": "keep",
		"ownerId": n.env.AdminID, "nodeId": n.id, "environmentType": "standard", "limits": map[string]any{"memory": 128},
		"startup": `echo started; while read l; do echo "got $l"; done`})
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("create through the panel: %d %s", r.Status, r.Body)
	}
	if r := n.env.Do(t, http.MethodPost, "/api/servers/KEEP1/start", admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start through the panel: %d %s", r.Status, r.Body)
	}
	waitConsole(t, api, "KEEP1", "started")
	before := pidsOf(first, first+999)
	if len(before) == 0 {
		t.Fatal("no process runs as the server's uid")
	}

	d.stop(t)
	for _, pid := range before {
		if err := syscall.Kill(pid, 0); err != nil {
			t.Fatalf("game process %d died with the daemon: %v", pid, err)
		}
	}

	d = startDaemon(t, bin, n.secret, args)
	st, err := api.GetStatusWithResponse(ctx, "KEEP1")
	if err != nil || st.JSON200 == nil || st.JSON200.State != daemonapi.StateRunning {
		t.Fatalf("status after the restart: %v %s", err, st.Body)
	}
	if after := pidsOf(first, first+999); !slices.Equal(after, before) {
		t.Errorf("processes %v before the restart, %v after (restarted?)", before, after)
	}
	if r, err := api.SendCommandWithResponse(ctx, "KEEP1", daemonapi.CommandRequest{Command: "after-restart"}); err != nil || r.StatusCode() != 204 {
		t.Fatalf("command after the restart: %v %s", err, r.Body)
	}
	lines := waitConsole(t, api, "KEEP1", "got after-restart")
	// The history survives the restart: the one "started" of the first start, no second one.
	if n := len(slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return l != "started" })); n != 1 {
		t.Errorf("the start line appears %d times in the console (want 1: re-attached, not restarted): %q", n, lines)
	}
	if r := n.env.Do(t, http.MethodDelete, "/api/servers/KEEP1", admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete through the panel: %d %s", r.Status, r.Body)
	}
	d.stop(t)
}

// waitConsole polls the console until a line contains want and returns the lines.
func waitConsole(t *testing.T, api *daemonapi.ClientWithResponses, id, want string) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // only turns a hang into a failure
	for {
		r, err := api.GetConsoleWithResponse(t.Context(), id, nil)
		if err == nil && r.JSON200 != nil && slices.ContainsFunc(r.JSON200.Lines, func(l string) bool { return strings.Contains(l, want) }) {
			return r.JSON200.Lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("console of %s never showed %q: %v %s", id, want, err, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pidsOf lists the processes whose real uid is within [first, last], sorted.
func pidsOf(first, last int) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
				if uid, err := strconv.Atoi(f[1]); err == nil && uid >= first && uid <= last {
					pids = append(pids, pid)
				}
			}
		}
	}
	slices.Sort(pids)
	return pids
}

// killUIDs kills what a failed test left running as the given uids.
func killUIDs(first, last int) {
	for _, pid := range pidsOf(first, last) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
