// Package hostnode builds the node the benchmarks run their panel with: a daemon Manager on
// the host runtime (processes as nobody, unisolated, no cgroups), for server.NodeConfig.Start.
package hostnode

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
)

// Start returns a server.NodeConfig.Start that builds the node in dir (0711: the servers'
// user must traverse to its volumes, as cmd/skypanel does); nodeapi.Start loads its servers.
func Start(dir string) nodeapi.StartFunc {
	return func(_ context.Context, log *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error) {
		if err := os.MkdirAll(dir, 0o711); err != nil {
			return nil, nil, err
		}
		if err := os.Chmod(dir, 0o711); err != nil {
			return nil, nil, err
		}
		hr, err := host.New(host.Options{StateDir: filepath.Join(dir, "host"), Mode: host.ModeUnisolated,
			UID: 65534, GID: 65534, CgroupParent: host.NoCgroups, Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("host runtime: %w", err)
		}
		runtimes := map[string]rt.Runtime{rt.EnvStandard: hr}
		m, err := daemon.New(daemon.Options{DataDir: dir, Runtimes: runtimes, Logger: log})
		return m, runtimes, err
	}
}
