package main

import (
	"context"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/server"
)

type serveOptions struct {
	cfg  server.Config
	node nodeOptions
	sftp sftpOptions // sftpflags.go
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
	f.StringVar(&o.cfg.MetricsListen, "metrics-listen", os.Getenv("SKYPANEL_METRICS_LISTEN"),
		`address of the Prometheus /metrics listener, e.g. "127.0.0.1:9464" ("" = off); no authentication: bind it to loopback or a private network [$SKYPANEL_METRICS_LISTEN]`)
	addNodeFlags(cmd, &o.node) // nodeflags.go: shared with `daemon`
	addSFTPFlags(cmd, &o.sftp, "0.0.0.0", "SFTP server of the local node: host:port, or a host alone for the local node's sftpPort (5657 unless changed)")
	return cmd
}

func runServe(ctx context.Context, cmd *cobra.Command, o serveOptions) error {
	log := newLogger(cmd)
	ver, _ := buildVersion(debug.ReadBuildInfo())
	o.cfg.Logger, o.cfg.BootstrapOutput = log, cmd.OutOrStdout()
	sftpOpts, err := o.sftp.options()
	if err != nil {
		return err
	}
	o.cfg.Node = server.NodeConfig{Start: o.node.startNode, Install: o.node.install, Version: ver, SFTP: sftpOpts}
	p, err := server.Open(ctx, o.cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	log.Info("SkyPanel serving", "url", p.URL(), "data", o.cfg.DataDir)
	err = p.Serve(ctx)
	log.Info("SkyPanel stopped")
	return err
}
