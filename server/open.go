package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
	"github.com/skypanel/skypanel/server/webhook"
)

// NodeConfig configures the node embedded in the panel (a nodeapi.Service in process).
type NodeConfig struct {
	// Start builds the node's runtimes and its daemon Manager (cmd: from the node flags;
	// benchmarks: the host runtime); nodeapi.Start loads its servers and opens the Service,
	// the Panel closes both. nil: the node has no daemon — Features and System answer, server
	// operations are 503 with metadata.nodeId.
	Start nodeapi.StartFunc
	// Install configures the template installer (zero: install.Default()).
	Install install.Config
	// Version is what the node's Health reports.
	Version string
	// Finder, when set, replaces the node registry and no local node is built (tests that
	// bring their own node, or none).
	Finder node.Finder
	// None: the panel has no node at all (benchmarks of the API alone).
	None bool
	// SFTP configures the local node's SFTP server, started once the App is open: Listen ""
	// runs none; a host alone listens on the local node's sftpPort. Auth is the App's own
	// (in process), set by Open.
	SFTP nodeapi.SFTPOptions
}

// Panel is everything `skypanel serve` runs, opened by Open: the store, the OAuth2 provider,
// the local node, the node registry and the App, with the listener the API is served on.
type Panel struct {
	App       *App
	Store     *store.Store
	OAuth     *oauth.Provider
	Nodes     node.Finder      // nil with NodeConfig.None
	Local     *nodeapi.Service // nil with NodeConfig.Finder or None
	Manager   *daemon.Manager  // the local node's daemon; nil without NodeConfig.Start
	LocalNode *ent.Node        // the local node's row (Bootstrap)
	Webhooks  *webhook.Engine  // records events and delivers them (started by Open)
	watcher   *webhook.Watcher // server state changes → webhook events
	cfg       Config
	log       *slog.Logger
	ln        net.Listener
	remote    *RemoteNodes // the registry of every node, its token signer and reconciler
	closers   []func()     // in reverse order of opening
	sftpAddr  net.Addr     // the local node's SFTP server (nil: none)
	// metricsAddr is where /metrics is served (nil: none; metrics_serve.go)
	metricsAddr net.Addr
}

// Open opens the panel described by cfg: the data folder and its store, the OAuth2 provider,
// a listener (cfg.Listener, else cfg.Listen), Bootstrap (the local node's row at the
// listener's address; a fresh database's admin credentials printed to cfg.BootstrapOutput),
// the local node, the node registry and the App. On error everything opened is closed.
func Open(ctx context.Context, cfg Config) (p *Panel, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p = &Panel{cfg: cfg, log: cfg.Logger}
	defer func() {
		if err != nil {
			p.Close()
			p = nil
		}
	}()
	if err := p.openStore(ctx); err != nil {
		return p, err
	}
	if err := p.listen(ctx); err != nil {
		return p, err
	}
	if err := p.openWebhooks(); err != nil {
		return p, err
	}
	if err := p.openNode(ctx); err != nil {
		return p, err
	}
	d := Deps{Config: cfg, Logger: cfg.Logger, Store: p.Store, OAuth: p.OAuth, Nodes: p.Nodes, Webhooks: p.Webhooks}
	if p.remote != nil {
		d.Nodes, d.Signer, d.Reconciler = p.remote.Registry, p.remote.Signer, p.remote.Reconciler
	}
	p.watcher = webhook.NewWatcher(p.Webhooks, p.Store.Client, d.Nodes, cfg.Webhooks.Poll, p.log)
	p.watcher.Start()
	p.closers = append(p.closers, p.watcher.Close) // before the node: it holds event streams
	d.HookWatcher = p.watcher
	if p.Manager != nil { // /readyz: the local node's daemon answers
		d.LocalReady = func(ctx context.Context) error { _, err := p.Local.Health(ctx); return err }
	}
	p.App, err = New(ctx, d)
	if err != nil {
		return p, err
	}
	if err := p.openMetrics(); err != nil {
		return p, err
	}
	// first to close: transfers fail back to their source while nodes and store are open
	p.closers = append(p.closers, p.closeTransfers)
	return p, p.openSFTP(ctx)
}

// openSFTP starts the local node's SFTP server (NodeConfig.SFTP) with the App as its
// Authenticator; it closes before the App's transfers, the node and the store.
func (p *Panel) openSFTP(ctx context.Context) error {
	o := p.cfg.Node.SFTP
	if o.Listen == "" || p.Manager == nil {
		return nil
	}
	addr, err := nodeapi.SFTPAddr(o.Listen, p.LocalNode.SftpPort)
	if err != nil {
		return err
	}
	o.Listen, o.Auth = addr, p.App.SFTPAuthenticator(p.LocalNode.ID)
	a, stop, err := p.Local.StartSFTP(ctx, o)
	if err != nil {
		return err
	}
	p.sftpAddr = a
	p.closers = append(p.closers, stop)
	return nil
}

// SFTPAddr is the address the local node's SFTP server listens on (nil: none).
func (p *Panel) SFTPAddr() net.Addr { return p.sftpAddr }

// closeTransfers waits (at most Config.ShutdownWait) for the running transfers, cancelled.
func (p *Panel) closeTransfers() {
	wait := p.cfg.ShutdownWait
	if wait <= 0 {
		wait = Default().ShutdownWait
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := p.App.CloseTransfers(ctx); err != nil {
		p.log.Warn("server transfers still running at shutdown", "err", err)
	}
}

func (p *Panel) openStore(ctx context.Context) error {
	if err := os.MkdirAll(p.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	st, err := store.Open(ctx, p.cfg.DataDir, p.log)
	if err != nil {
		return fmt.Errorf("open database in %s: %w", p.cfg.DataDir, err)
	}
	p.Store = st
	p.closers = append(p.closers, func() { _ = st.Close() })
	p.OAuth, err = oauth.New(ctx, oauth.Options{Client: st.Client, GlobalSecret: st.Keys.OAuth2,
		SecretKey: st.Keys.SecretHash, TokenTTL: p.cfg.TokenTTL, CacheRevalidate: p.cfg.TokenRevalidate,
		Logger: p.log})
	return err
}

// openWebhooks starts the webhook engine: pending deliveries resume now. It closes after
// the node and the App (which record events) and before the store.
func (p *Panel) openWebhooks() error {
	e, err := webhook.New(p.Store.Client, p.Store.Keys.Seal, p.cfg.Webhooks, p.log)
	if err != nil {
		return err
	}
	e.Start()
	p.Webhooks = e
	p.closers = append(p.closers, e.Close)
	return nil
}

// listen takes the configured listener (or listens on cfg.Listen) and bootstraps the store
// with its address.
func (p *Panel) listen(ctx context.Context) error {
	p.ln = p.cfg.Listener
	if p.ln == nil {
		ln, err := net.Listen("tcp", p.cfg.Listen)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", p.cfg.Listen, err)
		}
		p.ln = ln
	}
	p.closers = append(p.closers, func() { _ = p.ln.Close() })
	host, portStr, err := net.SplitHostPort(p.ln.Addr().String())
	if err != nil {
		return fmt.Errorf("listener address: %w", err)
	}
	port, _ := strconv.Atoi(portStr)
	out := p.cfg.BootstrapOutput
	if out == nil {
		out = io.Discard
	}
	p.LocalNode, err = Bootstrap(ctx, p.Store, p.OAuth, host, port, out)
	return err
}

// openNode starts the local node (nodeapi.Start with NodeConfig.Start) and the registry.
func (p *Panel) openNode(ctx context.Context) error {
	nc := p.cfg.Node
	switch {
	case nc.None:
		return p.openRegistry(ctx, nil)
	case nc.Finder != nil:
		p.Nodes = nc.Finder
		return nil
	}
	local, closeLocal, err := nodeapi.Start(ctx, nc.Start, nodeapi.Options{DataDir: p.cfg.DataDir,
		Logger: p.log, Install: nc.Install, NodeID: p.LocalNode.ID, Version: nc.Version})
	if err != nil {
		return err
	}
	p.Local, p.Manager = local, local.Manager()
	// Cancels running backups (they end failed), installs and background power actions, then
	// closes the Manager (detaches consoles: game servers keep running).
	p.closers = append(p.closers, closeLocal)
	return p.openRegistry(ctx, local)
}

// openRegistry starts the node registry: the local node's client (nil: none) and a remote
// client per other node, health polls and reconciles.
func (p *Panel) openRegistry(ctx context.Context, local node.Client) error {
	rn, err := openNodes(ctx, p.Store, p.cfg, local, p.log, p.nodeChanged) // h_webhooks_events.go
	if err != nil {
		return err
	}
	p.remote, p.Nodes = rn, rn.Registry
	p.closers = append(p.closers, rn.Close)
	return nil
}

// Addr is the address the API is served on.
func (p *Panel) Addr() net.Addr { return p.ln.Addr() }

// URL is the API's base URL (http or https by Config.TLSCert), without a trailing slash.
func (p *Panel) URL() string {
	scheme := "http"
	if p.cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + p.ln.Addr().String()
}

// Handler is the API's root handler (for a caller serving it itself).
func (p *Panel) Handler() http.Handler { return p.App.Handler() }

// tokenCleanupInterval is how often Serve purges expired tokens.
const tokenCleanupInterval = 10 * time.Minute

// Serve serves the API on the panel's listener until ctx ends, then shuts down gracefully
// (App.Serve). Meanwhile expired tokens are purged every 10 minutes.
func (p *Panel) Serve(ctx context.Context) error {
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(tokenCleanupInterval)
		defer t.Stop()
		for {
			select {
			case <-cctx.Done():
				return
			case <-t.C:
				if n, err := p.OAuth.Cleanup(cctx); err != nil {
					p.log.Warn("token cleanup", "err", err)
				} else if n > 0 {
					p.log.Debug("token cleanup", "deleted", n)
				}
			}
		}
	}()
	err := p.App.Serve(ctx, p.ln)
	cancel()
	<-done
	return err
}

// Close closes what Open opened, in reverse order: running transfers (cancelled: each server
// stays on its source), the local node's services, its daemon Manager (game servers keep
// running), the listener, the store. Call it after Serve returned.
func (p *Panel) Close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
	p.closers = nil
}
