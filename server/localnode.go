package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/sysinfo"
	rt "github.com/skypanel/skypanel/runtime"
)

// LocalNode is the NodeClient of the node embedded in `skypanel serve`: it calls the daemon's
// Manager in process.
type LocalNode struct {
	DataDir  string
	Runtimes map[string]rt.Runtime // by environment
	Manager  *daemon.Manager
	Logger   *slog.Logger

	wg sync.WaitGroup // background power actions

	svcMu sync.Mutex
	svc   *localServices // files and backups (files_node.go)
}

var _ NodeClient = (*LocalNode)(nil)

// backgroundTimeout bounds a stop/restart running after the API answered.
const backgroundTimeout = 10 * time.Minute

// Features reports the environments whose runtime answers right now.
func (l *LocalNode) Features(ctx context.Context) (Features, error) {
	f := Features{Environments: []string{}}
	if std, ok := l.Runtimes[rt.EnvStandard]; !ok {
		f.StandardReason = "standard servers are not configured on this node"
	} else if err := std.Available(ctx); err != nil {
		f.StandardReason = err.Error()
	} else {
		f.Standard = true
		f.Environments = append(f.Environments, rt.EnvStandard)
	}
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

func (l *LocalNode) manager() (*daemon.Manager, error) {
	if l.Manager == nil {
		return nil, fmt.Errorf("%w: the local daemon is not running", ErrNodeUnavailable)
	}
	return l.Manager, nil
}

// CreateServer creates the instance.
func (l *LocalNode) CreateServer(ctx context.Context, def daemon.Definition) error {
	m, err := l.manager()
	if err != nil {
		return err
	}
	return m.Create(ctx, def)
}

// UpdateServer replaces the definition.
func (l *LocalNode) UpdateServer(ctx context.Context, def daemon.Definition) error {
	m, err := l.manager()
	if err != nil {
		return err
	}
	return m.Update(ctx, def)
}

// DeleteServer removes the server from the node; an unknown id is not an error.
func (l *LocalNode) DeleteServer(ctx context.Context, id string) error {
	m, err := l.manager()
	if err != nil {
		return err
	}
	if err := m.Delete(ctx, id); err != nil && !errors.Is(err, daemon.ErrNotFound) {
		return err
	}
	return l.forgetServer(id) // its backups and cached disk usage
}

// Power runs start and kill now; stop and restart are checked against the current state and
// then run in the background.
func (l *LocalNode) Power(ctx context.Context, id string, action PowerAction) error {
	m, err := l.manager()
	if err != nil {
		return err
	}
	switch action {
	case PowerStart:
		return m.Start(ctx, id)
	case PowerKill:
		return m.Kill(ctx, id)
	}
	st, err := m.Status(id)
	if err != nil {
		return err
	}
	switch st.State {
	case daemon.StateInstalling:
		return fmt.Errorf("%w: %w: server is installing", daemon.ErrInvalidState, daemon.ErrBusy)
	}
	if action == PowerStop && !st.Running {
		return m.Stop(ctx, id) // idempotent no-op (a crashed server becomes stopped)
	}
	if action == PowerRestart {
		if err := m.CheckDisk(id); err != nil { // refused here: the restart runs in the background
			return err
		}
	}
	run := m.Stop
	if action == PowerRestart {
		run = m.Restart
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		bctx, cancel := context.WithTimeout(context.Background(), backgroundTimeout)
		defer cancel()
		if err := run(bctx, id); err != nil && l.Logger != nil {
			l.Logger.Warn("background power action failed", "server", id, "action", action, "err", err)
		}
	}()
	return nil
}

// Wait waits for background power actions (shutdown and tests).
func (l *LocalNode) Wait() { l.wg.Wait() }

// Status reports the server's state.
func (l *LocalNode) Status(_ context.Context, id string) (daemon.StatusInfo, error) {
	m, err := l.manager()
	if err != nil {
		return daemon.StatusInfo{}, err
	}
	return m.Status(id)
}

// Stats samples the server's resource usage.
func (l *LocalNode) Stats(ctx context.Context, id string) (rt.Stats, error) {
	m, err := l.manager()
	if err != nil {
		return rt.Stats{}, err
	}
	return m.Stats(ctx, id)
}

// Console returns lines after the cursor since.
func (l *LocalNode) Console(_ context.Context, id string, since int64) ([]string, int64, error) {
	m, err := l.manager()
	if err != nil {
		return nil, 0, err
	}
	return m.Console(id, since)
}

// SendCommand writes a line to the server's stdin.
func (l *LocalNode) SendCommand(ctx context.Context, id, command string) error {
	m, err := l.manager()
	if err != nil {
		return err
	}
	return m.SendCommand(ctx, id, command)
}
