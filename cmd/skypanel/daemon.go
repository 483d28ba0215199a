package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/daemon/panel"
)

// daemonOptions are the flags of `skypanel daemon` besides the node's (nodeflags.go).
type daemonOptions struct {
	panelURL     string
	clientID     string
	clientSecret string
	listen       string
	tlsCert      string
	tlsKey       string
	insecureHTTP bool
	panelCA      string
	node         nodeOptions
	sftp         sftpOptions // sftpflags.go
}

// errDaemonFlags: the daemon's flags are incomplete or inconsistent.
var errDaemonFlags = errors.New("invalid daemon flags")

func newDaemonCmd() *cobra.Command {
	var o daemonOptions
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run a remote node: the node API for the panel, with the node's deployment credentials",
		Long: "Runs the game servers of one node and serves the node API (daemon.yaml) to the panel, which\n" +
			"reaches it at the node's privateHost:privatePort. Every request needs a token the panel signed for\n" +
			"this node (checked against the panel's JWKS). The daemon checks in with the panel at start and\n" +
			"every 30 s using the node's deployment client (GET /api/nodes/{id}/deployment prints the command).",
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.node.dataDir = dataDir(cmd)
			return runDaemon(cmd.Context(), cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.panelURL, "panel", os.Getenv("SKYPANEL_PANEL"), "the panel's URL, e.g. https://panel.example.com [$SKYPANEL_PANEL]")
	f.StringVar(&o.clientID, "client-id", os.Getenv("SKYPANEL_CLIENT_ID"), "the node's deployment client id, .node_<id> [$SKYPANEL_CLIENT_ID]")
	f.StringVar(&o.clientSecret, "client-secret", os.Getenv("SKYPANEL_CLIENT_SECRET"), "the node's deployment client secret [$SKYPANEL_CLIENT_SECRET]")
	f.StringVar(&o.listen, "listen", os.Getenv("SKYPANEL_LISTEN"), "address of the node API: the node's privateHost:privatePort [$SKYPANEL_LISTEN]")
	f.StringVar(&o.tlsCert, "tls-cert", os.Getenv("SKYPANEL_TLS_CERT"), "TLS certificate (PEM) of the node API; with --tls-key [$SKYPANEL_TLS_CERT]")
	f.StringVar(&o.tlsKey, "tls-key", os.Getenv("SKYPANEL_TLS_KEY"), "TLS private key (PEM) [$SKYPANEL_TLS_KEY]")
	f.BoolVar(&o.insecureHTTP, "insecure-http", false,
		"serve the node API over plain HTTP (UNSAFE: tokens and files cross the network in clear; loopback tests only)")
	f.StringVar(&o.panelCA, "panel-ca", os.Getenv("SKYPANEL_PANEL_CA"), "CA certificates (PEM) that verify the panel's TLS certificate instead of the system's [$SKYPANEL_PANEL_CA]")
	addNodeFlags(cmd, &o.node)
	addSFTPFlags(cmd, &o.sftp, "0.0.0.0:5657", "SFTP server of the node (logins are checked with the panel): host:port, the node's sftpPort; a host alone listens on 5657")
	return cmd
}

// check validates the flags.
func (o daemonOptions) check() error {
	switch {
	case o.panelURL == "":
		return fmt.Errorf("%w: --panel is required", errDaemonFlags)
	case o.clientSecret == "":
		return fmt.Errorf("%w: --client-secret is required", errDaemonFlags)
	case o.listen == "":
		return fmt.Errorf("%w: --listen is required (the node's privateHost:privatePort)", errDaemonFlags)
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return fmt.Errorf("%w: --tls-cert and --tls-key go together", errDaemonFlags)
	case o.tlsCert == "" && !o.insecureHTTP:
		return fmt.Errorf("%w: give --tls-cert and --tls-key, or --insecure-http for plain HTTP (loopback tests only)", errDaemonFlags)
	case o.tlsCert != "" && o.insecureHTTP:
		return fmt.Errorf("%w: --insecure-http contradicts --tls-cert", errDaemonFlags)
	}
	if _, err := panel.NodeIDOf(o.clientID); err != nil {
		return fmt.Errorf("%w: --client-id: %w", errDaemonFlags, err)
	}
	if _, err := o.sftp.options(); err != nil {
		return fmt.Errorf("%w: %w", errDaemonFlags, err)
	}
	return nil
}

func runDaemon(ctx context.Context, cmd *cobra.Command, o daemonOptions) error {
	log := newLogger(cmd)
	if err := o.check(); err != nil {
		return err
	}
	httpClient, err := panelHTTPClient(o.panelCA)
	if err != nil {
		return err
	}
	var tlsConf *tls.Config
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	} else {
		log.Warn("UNSAFE: the node API is served over plain HTTP (--insecure-http); use it only on loopback or in tests")
	}
	nodeID, _ := panel.NodeIDOf(o.clientID)
	ver, _ := buildVersion(debug.ReadBuildInfo())
	svc, closeNode, err := nodeapi.Start(ctx, o.node.startNode, nodeapi.Options{DataDir: o.node.dataDir,
		Logger: log, Install: o.node.install, NodeID: nodeID, Version: ver})
	if err != nil {
		return err
	}
	defer closeNode() // the Manager detaches: game servers keep running
	health, err := svc.Health(ctx)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	pc, err := panel.New(panel.Options{PanelURL: o.panelURL, ClientID: o.clientID, ClientSecret: o.clientSecret,
		HTTPClient: httpClient, BootID: health.BootId, Version: ver, Logger: log, OnCheckIn: firstCheckIn(log, o.panelURL, nodeID)})
	if err != nil {
		return err
	}
	closeSFTP, err := startDaemonSFTP(ctx, svc, o.sftp, pc)
	if err != nil {
		return err
	}
	defer closeSFTP() // before closeNode: sessions end, then the node's files close
	verifier, err := nodeapi.NewVerifier(nodeapi.VerifierOptions{JWKSURL: pc.JWKSURL(), NodeID: nodeID,
		Client: httpClient, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	var wg sync.WaitGroup
	loopCtx, stopLoop := context.WithCancel(ctx)
	defer wg.Wait()
	defer stopLoop()
	wg.Go(func() { pc.Run(loopCtx) })
	scheme := map[bool]string{true: "https", false: "http"}[tlsConf != nil]
	log.Info("SkyPanel node serving", "url", scheme+"://"+ln.Addr().String(), "node", nodeID,
		"panel", o.panelURL, "data", o.node.dataDir, "bootId", health.BootId)
	err = serveNodeAPI(ctx, ln, nodeapi.Handler(svc, nodeapi.HandlerOptions{Verifier: verifier, Logger: log}))
	log.Info("SkyPanel node stopped (game servers keep running)")
	return err
}

// startDaemonSFTP starts the node's SFTP server (unless --sftp-listen off), asking the panel
// over HTTP with the node's deployment token; a bare host listens on port 5657.
func startDaemonSFTP(ctx context.Context, svc *nodeapi.Service, f sftpOptions, pc *panel.Client) (func(), error) {
	o, err := f.options()
	if err != nil || o.Listen == "" {
		return func() {}, err
	}
	if o.Listen, err = nodeapi.SFTPAddr(o.Listen, nodeapi.DefaultSFTPPort); err != nil {
		return nil, err
	}
	o.Auth = pc.SFTP()
	_, stop, err := svc.StartSFTP(ctx, o)
	return stop, err
}

// serveNodeAPI serves h on ln until ctx ends, then shuts down: request contexts are cancelled
// (event streams end), in-flight requests get a few seconds to finish.
func serveNodeAPI(ctx context.Context, ln net.Listener, h http.Handler) error {
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return base }}
	srv.RegisterOnShutdown(cancelBase)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return srv.Close()
	}
	return err
}

// panelHTTPClient is the client for the panel (token, check-in, JWKS): certificates verified
// with the CAs of caFile when given, the system's otherwise; bounded timeouts.
func panelHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 10 * time.Second
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--panel-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: --panel-ca %s holds no PEM certificate", errDaemonFlags, caFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}, nil
}

// firstCheckIn logs the first successful check-in (operators and tests look for it).
func firstCheckIn(log *slog.Logger, panelURL string, nodeID int) func(error) {
	var once sync.Once
	return func(err error) {
		if err == nil {
			once.Do(func() { log.Info("checked in with the panel", "panel", panelURL, "node", nodeID) })
		}
	}
}
