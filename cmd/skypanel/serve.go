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

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/node"
)

type serveOptions struct {
	cfg  server.Config
	node nodeOptions
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
	f.StringVar(&o.cfg.NodeCA, "node-ca", os.Getenv("SKYPANEL_NODE_CA"), "PEM file of the CAs that sign remote nodes' certificates (default: system roots) [$SKYPANEL_NODE_CA]")
	f.BoolVar(&o.cfg.NodeInsecureHTTP, "node-insecure-http", false, "UNSAFE: talk plain HTTP to remote nodes (tokens and files in the clear; loopback tests only)")
	f.DurationVar(&o.cfg.TokenTTL, "token-ttl", o.cfg.TokenTTL, "access token lifetime")
	addNodeFlags(cmd, &o.node) // nodeflags.go: shared with `daemon`
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
	ver, _ := buildVersion(debug.ReadBuildInfo())
	local, closeNode, err := openNode(ctx, log, o.node, localNode.ID, ver)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeNode() // cancels backups, installs and background power actions; detaches from running servers
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
