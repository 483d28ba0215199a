package containerd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/skypanel/skypanel/runtime"
)

// dockerDefaultCaps is Docker's default capability set (moby's oci/caps/defaults.go).
var dockerDefaultCaps = []int{
	unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE, unix.CAP_FSETID, unix.CAP_FOWNER, unix.CAP_MKNOD,
	unix.CAP_NET_RAW, unix.CAP_SETGID, unix.CAP_SETUID, unix.CAP_SETFCAP, unix.CAP_SETPCAP,
	unix.CAP_NET_BIND_SERVICE, unix.CAP_SYS_CHROOT, unix.CAP_KILL, unix.CAP_AUDIT_WRITE,
}

// capMask is the /proc/<pid>/status hex mask of caps without drop.
func capMask(caps []int, drop int) string {
	var m uint64
	for _, c := range caps {
		if c != drop {
			m |= 1 << c
		}
	}
	return fmt.Sprintf("%016x", m)
}

// startRoot starts command as root in a new container (spec.User 0:0) and returns its shell.
func startRoot(t *testing.T, r *Runtime, image string, limits runtime.Limits, command string) *shell {
	t.Helper()
	return startSpec(t, r, runtime.Spec{Image: image, Limits: limits, Command: command})
}

// TestHardenedSpec: even a root process in a server's container runs under the default
// seccomp profile with no_new_privs, Docker's default capabilities without NET_RAW, read-only
// /proc/sys, masked /proc/kcore, and the default pids limit.
func TestHardenedSpec(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	sh := startRoot(t, r, image, runtime.Limits{}, cmdShell(""))
	sh.line(t, "ip:")
	status := func(key string) string {
		return sh.run(t, key, fmt.Sprintf("awk '$1 == \"%s:\" {print $2}' /proc/self/status", key))
	}
	want := capMask(dockerDefaultCaps, unix.CAP_NET_RAW)
	checks := map[string]string{"Seccomp": "2", "NoNewPrivs": "1", "CapEff": want, "CapBnd": want, "CapPrm": want}
	for key, w := range checks {
		if got := status(key); got != w {
			t.Errorf("%s = %q, want %q", key, got, w)
		}
	}
	if got := sh.run(t, "procsys", `echo 1 2>/dev/null >/proc/sys/kernel/ns_last_pid && echo rw || echo ro`); got != "ro" {
		t.Errorf("/proc/sys is %s, want ro", got)
	}
	if got := sh.run(t, "masked", `wc -c </proc/timer_list`); strings.TrimSpace(got) != "0" {
		t.Errorf("/proc/timer_list has %q bytes, want it masked (0)", got)
	}
	if got := sh.run(t, "ping", `ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 && echo raw || echo noraw`); got != "noraw" {
		t.Errorf("ping (raw socket) = %s, want noraw", got)
	}
	cg, err := r.CgroupPath(context.Background(), sh.id)
	if err != nil {
		t.Fatal(err)
	}
	if got := pidsMax(t, cg); got != strconv.Itoa(DefaultPidsLimit) {
		t.Errorf("pids.max = %s, want the default %d", got, DefaultPidsLimit)
	}
}

// TestPidsLimit: a fork bomb stops at the server's pids limit.
func TestPidsLimit(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	const limit = 16
	// The bomb runs in a child shell (a shell ends when it cannot fork); the count uses
	// builtins only (nothing can fork any more).
	sh := startRoot(t, r, image, runtime.Limits{Pids: limit},
		`sh -c 'i=0; while [ $i -lt 50 ]; do sleep 1000 & i=$((i+1)); done' 2>/dev/null; `+
			`n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo "procs:$n"`)
	procs, err := strconv.Atoi(sh.line(t, "procs:"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d processes under a limit of %d", procs, limit)
	if procs > limit || procs < limit/2 {
		t.Fatalf("%d processes in the container, want at most the limit %d (and some)", procs, limit)
	}
}

// pidsMax reads pids.max of cgroup path cg (v1 or v2).
func pidsMax(t *testing.T, cg string) string {
	t.Helper()
	path := filepath.Join("/sys/fs/cgroup/pids", cg, "pids.max")
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join("/sys/fs/cgroup", cg, "pids.max")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
