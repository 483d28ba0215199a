package nodeapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/daemon/sysinfo"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
)

// Options configure a Service.
type Options struct {
	DataDir  string                // the node's data folder (its disk is what System reports)
	Runtimes map[string]rt.Runtime // by environment
	// Manager runs the servers; nil means the node's daemon is not running: every server
	// operation is an UnavailableError naming NodeID (Features and System still answer).
	Manager *daemon.Manager
	Logger  *slog.Logger   // default: discard
	Install install.Config // the installer's configuration (no base URLs: install.Default())
	NodeID  int            // reported by Health, named by UnavailableErrors
	Version string         // reported by Health
}

// Service is a node in process: nodeapi.Node over a daemon.Manager, its file manager and
// backups and the template installer.
type Service struct {
	opts   Options
	log    *slog.Logger
	bootID string

	wg     sync.WaitGroup     // background power actions and installs
	bg     context.Context    // their context, cancelled by Close
	cancel context.CancelFunc // cancels bg

	svcMu sync.Mutex
	svc   *services // files and backups (service_files.go)

	instMu  sync.Mutex
	install install.Config // Options.Install, or SetInstallConfig's
}

var _ Node = (*Service)(nil)

// backgroundTimeout bounds a stop/restart running after the API answered.
const backgroundTimeout = 10 * time.Minute

// New returns a Service; Open starts its files and backups.
func New(o Options) (*Service, error) {
	if o.DataDir == "" {
		return nil, errors.New("nodeapi: Options.DataDir is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Install.MojangManifestURL == "" && o.Install.PaperAPIURL == "" {
		o.Install = install.Default()
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("boot id: %w", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	return &Service{opts: o, log: o.Logger.With("component", "node"), bootID: hex.EncodeToString(b[:]),
		bg: bg, cancel: cancel, install: o.Install}, nil
}

func (s *Service) manager() (*daemon.Manager, error) {
	if s.opts.Manager == nil {
		return nil, Unavailable(s.opts.NodeID, errNoDaemon)
	}
	return s.opts.Manager, nil
}

// definition returns the Manager and def converted for it.
func (s *Service) definition(def daemonapi.Definition) (*daemon.Manager, daemon.Definition, error) {
	m, err := s.manager()
	if err != nil {
		return nil, daemon.Definition{}, err
	}
	d, err := DefinitionFromAPI(def)
	return m, d, err
}

// Health says who the node is.
func (s *Service) Health(context.Context) (daemonapi.Health, error) {
	m, err := s.manager()
	if err != nil {
		return daemonapi.Health{}, err
	}
	return daemonapi.Health{NodeId: s.opts.NodeID, BootId: s.bootID, Time: time.Now().UnixMilli(),
		Version: s.opts.Version, Servers: len(m.List())}, nil
}

// System reads the machine.
func (s *Service) System(ctx context.Context) (daemonapi.System, error) {
	sys, err := sysinfo.Read(ctx, s.opts.DataDir)
	if err != nil {
		return daemonapi.System{}, Unavailable(s.opts.NodeID, err)
	}
	return SystemToAPI(sys), nil
}

// Features reports the environments whose runtime answers right now.
func (s *Service) Features(ctx context.Context) (daemonapi.Features, error) {
	f := daemonapi.Features{Environments: []daemonapi.Environment{}}
	if f.StandardReason = s.unavailable(ctx, rt.EnvStandard, "standard servers are not configured on this node"); f.StandardReason == nil {
		f.Standard = true
		f.Environments = append(f.Environments, daemonapi.EnvironmentStandard)
	}
	if f.DockerReason = s.unavailable(ctx, rt.EnvDocker, "containerd is not configured on this node"); f.DockerReason == nil {
		f.Docker = true
		f.Environments = append(f.Environments, daemonapi.EnvironmentDocker)
	}
	return f, nil
}

// unavailable returns why the runtime of env does not answer right now (missing when the node
// has none), or nil when it does.
func (s *Service) unavailable(ctx context.Context, env, missing string) *string {
	r, ok := s.opts.Runtimes[env]
	if !ok {
		return &missing
	}
	if err := r.Available(ctx); err != nil {
		reason := err.Error()
		return &reason
	}
	return nil
}

// ListServers returns every server with its state, ordered by id.
func (s *Service) ListServers(context.Context) ([]daemonapi.ServerSummary, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	defs := m.List()
	out := make([]daemonapi.ServerSummary, 0, len(defs))
	for _, d := range defs {
		st, err := m.Status(d.ID)
		if errors.Is(err, daemon.ErrNotFound) {
			continue // deleted meanwhile
		} else if err != nil {
			return nil, err
		}
		out = append(out, daemonapi.ServerSummary{Id: d.ID, State: daemonapi.State(st.State)})
	}
	return out, nil
}

// CreateServer creates the instance and stores its backup commands.
func (s *Service) CreateServer(ctx context.Context, def daemonapi.Definition) error {
	m, d, err := s.definition(def)
	if err != nil {
		return err
	}
	if err := m.Create(ctx, d); err != nil {
		return err
	}
	if def.BackupCommands == nil {
		return nil
	}
	if err := s.SetBackupCommands(ctx, def.Id, *def.BackupCommands); err != nil {
		// nothing is left on error
		if derr := s.DeleteServer(context.WithoutCancel(ctx), def.Id); derr != nil {
			s.log.Warn("undo create", "server", def.Id, "err", derr)
		}
		return err
	}
	return nil
}

// UpdateServer replaces the definition and, when given, the backup commands.
func (s *Service) UpdateServer(ctx context.Context, def daemonapi.Definition) (daemonapi.UpdateResult, error) {
	m, d, err := s.definition(def)
	if err != nil {
		return daemonapi.UpdateResult{}, err
	}
	applied, err := m.Update(ctx, d)
	if err != nil {
		return daemonapi.UpdateResult{}, err
	}
	res := daemonapi.UpdateResult{Applied: daemonapi.UpdateResultApplied(applied)}
	if def.BackupCommands == nil {
		return res, nil
	}
	return res, s.SetBackupCommands(ctx, def.Id, *def.BackupCommands)
}

// DeleteServer removes the server from the node; an unknown id is not an error.
func (s *Service) DeleteServer(ctx context.Context, id string) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	if err := m.Delete(ctx, id); err != nil && !errors.Is(err, daemon.ErrNotFound) {
		return err
	}
	return s.forgetServer(id) // its backups and cached disk usage
}
