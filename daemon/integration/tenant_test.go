package integration

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
)

// tenantNode is a daemon with the real host runtime giving standard servers their own uids.
type tenantNode struct {
	stateDir, dataDir, volumes string
	uids                       daemon.UIDRange
}

func newTenantNode(t *testing.T) tenantNode {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (per-server uids and cgroups)")
	}
	first := 1_970_000 + rand.Uint32N(20_000) // away from the default range other tests use
	return tenantNode{stateDir: openDir(t), dataDir: openDir(t), volumes: filepath.Join(openDir(t), "volumes"),
		uids: daemon.UIDRange{First: first, Last: first + 100}}
}

// start opens the runtime and the manager (a daemon start) and loads the servers.
func (n tenantNode) start(t *testing.T, mode host.Mode) *daemon.Manager {
	t.Helper()
	rt, err := host.New(host.Options{StateDir: n.stateDir, Mode: mode, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := daemon.New(daemon.Options{DataDir: n.dataDir, VolumesDir: n.volumes, StandardUIDs: n.uids,
		Runtimes: map[string]runtime.Runtime{runtime.EnvStandard: rt}, Logger: logger(t),
		StopTimeout: 5 * time.Second, TermTimeout: 2 * time.Second, DrainTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	must(t, m.Load(context.Background()))
	return m
}

// TestStandardServerUID: a standard server runs as its own uid with no_new_privs, owns its 0700
// folder, keeps its uid across a daemon restart (re-attached, not restarted), and a daemon with
// standard servers off refuses to start it or to create another.
func TestStandardServerUID(t *testing.T) {
	n := newTenantNode(t)
	ctx := context.Background()
	m := n.start(t, host.ModeAdmin)
	def := daemon.Definition{ID: "tenant1", Name: "t", Environment: runtime.EnvStandard,
		Startup: `echo "uid:$(id -u)"; grep NoNewPrivs /proc/self/status; exec sleep 1000`}
	must(t, m.Create(ctx, def))
	t.Cleanup(func() { cleanup(n, t) })
	got, err := m.Get("tenant1")
	if err != nil || got.UID != n.uids.First {
		t.Fatalf("uid %d (%v), want %d", got.UID, err, n.uids.First)
	}
	uid := strconv.Itoa(int(got.UID))
	vol, _ := m.VolumeDir("tenant1")
	fi, err := os.Stat(vol)
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != got.UID || fi.Mode().Perm() != 0o700 {
		t.Fatalf("volume %s: %v (%v), want owned by %s, 0700", vol, fi.Mode(), err, uid)
	}
	must(t, m.Start(ctx, "tenant1"))
	waitLine(t, m, "tenant1", "uid:"+uid)
	waitLine(t, m, "tenant1", "NoNewPrivs:\t1")
	m.Close() // the daemon goes away; the server keeps running

	m = n.start(t, host.ModeAdmin)
	if got, err := m.Get("tenant1"); err != nil || got.UID != n.uids.First {
		t.Fatalf("uid after restart %d (%v), want %d", got.UID, err, n.uids.First)
	}
	waitState(t, m, "tenant1", daemon.StateRunning)
	waitLine(t, m, "tenant1", "console re-attached")
	must(t, m.Kill(ctx, "tenant1"))
	m.Close()

	m = n.start(t, host.ModeOff)
	defer m.Close()
	if err := m.Start(ctx, "tenant1"); !errors.Is(err, host.ErrDisabled) || !errors.Is(err, daemon.ErrInvalidState) {
		t.Fatalf("start with standard servers off = %v, want ErrInvalidState and ErrDisabled", err)
	}
	def.ID = "tenant2"
	err = m.Create(ctx, def)
	if !errors.Is(err, host.ErrDisabled) || !errors.Is(err, daemon.ErrInvalidDefinition) {
		t.Fatalf("create with standard servers off = %v, want ErrInvalidDefinition and ErrDisabled", err)
	}
}

// cleanup deletes what the test left with a fresh daemon.
func cleanup(n tenantNode, t *testing.T) {
	m := n.start(t, host.ModeAdmin)
	defer m.Close()
	for _, d := range m.List() {
		_ = m.Delete(context.Background(), d.ID)
	}
}
