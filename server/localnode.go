package server

import (
	"context"
	"errors"

	"github.com/skypanel/skypanel/daemon/sysinfo"
	rt "github.com/skypanel/skypanel/runtime"
)

// LocalNode is the NodeClient of the node embedded in `skypanel serve`: it calls the daemon in
// process.
type LocalNode struct {
	DataDir  string
	Runtimes map[string]rt.Runtime // by environment
}

// Features reports the environments whose runtime answers right now.
func (l *LocalNode) Features(ctx context.Context) (Features, error) {
	f := Features{Environments: []string{rt.EnvStandard}}
	docker, ok := l.Runtimes[rt.EnvDocker]
	if !ok {
		f.DockerReason = "containerd is not configured on this node"
		return f, nil
	}
	if err := docker.Available(ctx); err != nil {
		f.DockerReason = err.Error()
		return f, nil
	}
	f.Docker = true
	f.Environments = append(f.Environments, rt.EnvDocker)
	return f, nil
}

// System reads the machine.
func (l *LocalNode) System(ctx context.Context) (sysinfo.System, error) {
	s, err := sysinfo.Read(ctx, l.DataDir)
	if err != nil {
		return s, errors.Join(ErrNodeUnavailable, err)
	}
	return s, nil
}
