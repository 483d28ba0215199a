package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/runtime/host"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/node"
)

type serveOptions struct {
	cfg     server.Config
	node    nodeOptions
	install install.Config // set by addInstallFlags
}

func newServeCmd() *cobra.Command {
	o := serveOptions{cfg: server.Default()}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the panel with its embedded local node (SQLite in --data)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.cfg.DataDir = dataDir(cmd)
			o.node.dataDir = o.cfg.DataDir
			return runServe(cmd.Context(), cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.cfg.Listen, "listen", envOr("SKYPANEL_LISTEN", o.cfg.Listen), "listen address [$SKYPANEL_LISTEN]")
	f.StringVar(&o.cfg.TLSCert, "tls-cert", os.Getenv("SKYPANEL_TLS_CERT"), "TLS certificate (PEM); serves HTTPS with --tls-key")
	f.StringVar(&o.cfg.TLSKey, "tls-key", os.Getenv("SKYPANEL_TLS_KEY"), "TLS private key (PEM)")
	f.IntVar(&o.cfg.ClientLimit.Limit, "rate-limit-client", o.cfg.ClientLimit.Limit, "requests per hour per OAuth2 client")
	f.IntVar(&o.cfg.IPLimit.Limit, "rate-limit-ip", o.cfg.IPLimit.Limit, "unauthenticated requests per hour per IP")
	f.StringSliceVar(&o.cfg.TrustedProxies, "trusted-proxy", strings.FieldsFunc(os.Getenv("SKYPANEL_TRUSTED_PROXIES"), func(r rune) bool { return r == ',' }),
		"CIDR of a reverse proxy whose X-Forwarded-For is trusted (repeatable) [$SKYPANEL_TRUSTED_PROXIES, comma-separated]")
	f.StringArrayVar(&o.cfg.AllowedOrigins, "allowed-origin", nil, `browser origin allowed to open WebSockets besides the panel's own (repeatable; host pattern like "*.example.com", "https://dash.example.com", or "*" for any)`)
	f.DurationVar(&o.cfg.TokenTTL, "token-ttl", o.cfg.TokenTTL, "access token lifetime")
	f.StringVar(&o.node.containerd, "containerd", envOr("SKYPANEL_CONTAINERD", "/run/containerd/containerd.sock"), "containerd socket [$SKYPANEL_CONTAINERD]")
	f.StringVar(&o.node.containerdNamespace, "containerd-namespace", envOr("SKYPANEL_CONTAINERD_NAMESPACE", "skypanel"), "containerd namespace")
	f.StringVar(&o.node.registryMirror, "registry-mirror", os.Getenv("SKYPANEL_REGISTRY_MIRROR"), "registry host[:port] tried first for image pulls")
	f.BoolVar(&o.node.registryPlainHTTP, "registry-plain-http", false, "use HTTP (not HTTPS) for the registry mirror")
	f.StringVar(&o.node.registryUser, "registry-user", os.Getenv("SKYPANEL_REGISTRY_USER"), "username for the registry mirror (only sent to --registry-mirror)")
	f.StringVar(&o.node.registryPassword, "registry-password", os.Getenv("SKYPANEL_REGISTRY_PASSWORD"), "registry password [$SKYPANEL_REGISTRY_PASSWORD]")
	addContainerFlags(cmd, &o.node)
	f.StringVar(&o.node.hostUser, "host-user", envOr("SKYPANEL_HOST_USER", ""), "as root, the user of standard servers that have no uid of their own yet (created by an older version and still running)")
	f.StringVar(&o.node.containerUser, "container-user", envOr("SKYPANEL_CONTAINER_USER", "988:988"),
		`uid:gid docker servers run as (their folder is given to it; "" keeps each image's own user)`)
	f.DurationVar(&o.node.diskInterval, "disk-interval", 30*time.Second,
		"how often the disk usage of running and installing servers with a disk limit is measured (those over it are stopped)")
	// Standard (host process) servers and volumes (see standard.go).
	f.StringVar(&o.node.standard.mode, "standard-servers", envOr("SKYPANEL_STANDARD_SERVERS", string(host.ModeAdmin)),
		"standard (host process) servers: admin (isolated: own uid, cgroup; needs root), off, or unisolated "+
			"(UNSAFE: when not root they run as this user, next to the panel's data)")
	f.StringVar(&o.node.standard.uidRange, "standard-uid-range", envOr("SKYPANEL_STANDARD_UID_RANGE", daemon.DefaultUIDRange.String()),
		"uids (and gids) given to standard servers, one per server (as root)")
	f.StringVar(&o.node.standard.volumes, "volumes", os.Getenv("SKYPANEL_VOLUMES"),
		"folder of the servers' files (default "+DefaultVolumes+" as root, <data>/node/volumes otherwise)")
	addInstallFlags(cmd, &o.install)
	return cmd
}

func runServe(ctx context.Context, cmd *cobra.Command, o serveOptions) error {
	log := newLogger(cmd)
	if err := os.MkdirAll(o.cfg.DataDir, 0o700); err != nil {
		return err
	}
	st, op, err := openPanel(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", o.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.cfg.Listen, err)
	}
	host, portStr, _ := net.SplitHostPort(ln.Addr().String())
	port, _ := strconv.Atoi(portStr)
	localNode, err := server.Bootstrap(ctx, st, op, host, port, cmd.OutOrStdout())
	if err != nil {
		ln.Close()
		return err
	}
	mgr, runtimes, err := startNode(ctx, log, o.node)
	if err != nil {
		ln.Close()
		return err
	}
	defer mgr.Close() // detaches consoles (game servers keep running)
	ver, _ := buildVersion(debug.ReadBuildInfo())
	local, err := nodeapi.New(nodeapi.Options{DataDir: o.cfg.DataDir, Runtimes: runtimes, Manager: mgr, Logger: log,
		Install: o.install, NodeID: localNode.ID, Version: ver})
	if err == nil {
		err = local.Open()
	}
	if err != nil {
		ln.Close()
		return err
	}
	defer local.Close() // first: cancels running backups (they end failed), installs and background power actions
	app, err := server.New(ctx, server.Deps{Config: o.cfg, Logger: log, Store: st, OAuth: op,
		Nodes: node.LocalOnly{Local: local}})
	if err != nil {
		ln.Close()
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // expired tokens are purged every 10 minutes
		defer wg.Done()
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if n, err := op.Cleanup(ctx); err != nil {
					log.Warn("token cleanup", "err", err)
				} else if n > 0 {
					log.Debug("token cleanup", "deleted", n)
				}
			}
		}
	}()
	scheme := "http"
	if o.cfg.TLSCert != "" {
		scheme = "https"
	}
	log.Info("SkyPanel serving", "url", scheme+"://"+ln.Addr().String(), "data", o.cfg.DataDir)
	err = app.Serve(ctx, ln)
	wg.Wait()
	log.Info("SkyPanel stopped")
	return err
}
