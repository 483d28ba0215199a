package nodeapi

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/skypanel/skypanel/daemon"
	rt "github.com/skypanel/skypanel/runtime"
)

// StartFunc builds a node's runtimes and its daemon Manager, its servers not loaded yet
// (`skypanel serve` and `skypanel daemon`: from the node flags; benchmarks: the host runtime).
type StartFunc func(ctx context.Context, log *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error)

// Start starts a node: start's runtimes and Manager, which loads its servers (re-attaching to
// those still running), and the Service over them (o with start's Runtimes and Manager),
// opened. Its close closes the Service (cancelling backups, waiting for background actions)
// and then the Manager, which detaches from the servers: games keep running and the next
// Start re-attaches. A nil start gives a Service without a daemon: Features and System
// answer, server operations are UnavailableErrors naming o.NodeID. On error nothing is left
// open.
func Start(ctx context.Context, start StartFunc, o Options) (*Service, func(), error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Manager, o.Runtimes = nil, map[string]rt.Runtime{}
	if start != nil {
		m, runtimes, err := start(ctx, o.Logger)
		if err != nil {
			return nil, nil, err
		}
		if err := m.Load(ctx); err != nil {
			m.Close()
			return nil, nil, fmt.Errorf("load servers: %w", err)
		}
		o.Manager, o.Runtimes = m, runtimes
	}
	closeManager := func() {
		if o.Manager != nil {
			o.Manager.Close()
		}
	}
	svc, err := New(o)
	if err != nil {
		closeManager()
		return nil, nil, err
	}
	if o.Manager != nil {
		if err := svc.Open(); err != nil {
			svc.Close()
			closeManager()
			return nil, nil, fmt.Errorf("node services: %w", err)
		}
	}
	return svc, func() {
		svc.Close()
		closeManager()
	}, nil
}

// Manager is the daemon Manager the Service runs servers with (nil: no daemon).
func (s *Service) Manager() *daemon.Manager { return s.opts.Manager }
