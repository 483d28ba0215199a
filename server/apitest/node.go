package apitest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
	"github.com/skypanel/skypanel/server/node"
)

// Node is a real local node for integration tests: a daemon Manager running "standard"
// servers as host processes (runtime/host, as nobody when the tests run as root, without
// cgroup limits).
type Node struct {
	Dir     string // the node's data folder (traversable by the servers' user)
	Manager *daemon.Manager
	Local   *nodeapi.Service
}

// StartNode builds a Node in a fresh folder. opts.DataDir, Runtimes and Logger are filled
// in; the other options (StatsInterval, StopTimeout, ...) are the caller's. On cleanup every
// server is deleted (its process killed) and the Manager closed.
func StartNode(t testing.TB, opts daemon.Options) *Node {
	t.Helper()
	dir := t.TempDir()
	// t.TempDir's folders are 0700: the servers' unprivileged user must traverse to its volume.
	for d := dir; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("chmod %s: %v", d, err)
		}
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	hr, err := host.New(host.Options{StateDir: filepath.Join(dir, "host"), Mode: host.ModeUnisolated, UID: 65534, GID: 65534,
		CgroupParent: host.NoCgroups, Logger: log})
	if err != nil {
		t.Fatalf("host runtime: %v", err)
	}
	runtimes := map[string]rt.Runtime{rt.EnvStandard: hr}
	opts.DataDir, opts.Runtimes, opts.Logger = filepath.Join(dir, "node"), runtimes, log
	m, err := daemon.New(opts)
	if err != nil {
		t.Fatalf("daemon: %v", err)
	}
	local, err := nodeapi.New(nodeapi.Options{DataDir: dir, Runtimes: runtimes, Manager: m, Logger: log, NodeID: 1})
	if err != nil {
		t.Fatalf("node service: %v", err)
	}
	n := &Node{Dir: dir, Manager: m, Local: local}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		n.Local.Close() // background power actions, backups, file manager
		for _, def := range m.List() {
			if err := m.Delete(ctx, def.ID); err != nil {
				t.Errorf("delete server %s: %v", def.ID, err)
			}
		}
		m.Close()
	})
	return n
}

// Registry is the node finder serving this node as the local node (for WithNodes).
func (n *Node) Registry() node.Finder { return node.LocalOnly{Local: n.Local} }
