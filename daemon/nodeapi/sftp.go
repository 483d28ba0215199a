package nodeapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/daemon/sftp"
)

// HostKeyFile is the SFTP server's host key in the node's data folder (created at first start).
const HostKeyFile = "sftp_host_ed25519_key"

// DefaultSFTPPort is the SFTP port of a node without one configured (the spec's default sftpPort).
const DefaultSFTPPort = 5657

// SFTPOptions configure the node's SFTP server (StartSFTP). Zero durations and counts take
// daemon/sftp's defaults (re-check 30 s, idle 10 min, 8 sessions per server).
type SFTPOptions struct {
	// Listen is the address: "host:port", or a host alone for the node's sftpPort (SFTPAddr).
	Listen string
	// Auth asks the panel: over HTTP for `skypanel daemon`, in process for serve's local node.
	Auth          sftp.Authenticator
	CheckInterval time.Duration
	IdleTimeout   time.Duration
	MaxSessions   int
}

// SFTPAddr resolves listen into a "host:port" address: a host without a port gets port;
// "" stays "" (no SFTP server).
func SFTPAddr(listen string, port int) (string, error) {
	if listen == "" {
		return "", nil
	}
	if _, p, err := net.SplitHostPort(listen); err == nil {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
			return "", fmt.Errorf("%w: %q: bad port", ErrSFTPConfig, listen)
		}
		return listen, nil
	}
	host := listen
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	if net.ParseIP(host) == nil && !validHostname(host) {
		return "", fmt.Errorf("%w: %q: want host:port or a host", ErrSFTPConfig, listen)
	}
	if port <= 0 {
		port = DefaultSFTPPort
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// validHostname: letters, digits, dots and dashes (e.g. "localhost").
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// StartSFTP starts the node's SFTP server on o.Listen (a "host:port"; SFTPAddr resolves a
// bare host) over the Service's file manager and servers, its host key in the node's data
// folder; the Manager's deletions and suspensions close the server's sessions at once (the
// panel's re-check, every CheckInterval, catches the rest). It returns the address it listens
// on and a stop that closes the server and every session; call stop before the Service's
// close. The Service needs its daemon.
func (s *Service) StartSFTP(_ context.Context, o SFTPOptions) (net.Addr, func(), error) {
	m, svc, err := s.services()
	if err != nil {
		return nil, nil, err
	}
	if o.Auth == nil {
		return nil, nil, fmt.Errorf("%w: no Authenticator", ErrSFTPConfig)
	}
	srv, err := sftp.New(sftp.Options{Listen: o.Listen, HostKeyPath: filepath.Join(s.opts.DataDir, HostKeyFile),
		Auth: o.Auth, Files: svc.files, Servers: m, IdleTimeout: o.IdleTimeout,
		MaxSessionsPerServer: o.MaxSessions, CheckInterval: o.CheckInterval, Logger: s.opts.Logger})
	if err != nil {
		return nil, nil, fmt.Errorf("sftp server: %w", err)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		_ = srv.Close()
		return nil, nil, fmt.Errorf("%w: listen on %s: %w", ErrSFTPConfig, o.Listen, err)
	}
	m.OnAccessLost(srv.ServerChanged) // a deleted or suspended server's sessions close at once
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, sftp.ErrClosed) {
			s.log.Error("SFTP server stopped", "err", err)
		}
	}()
	s.log.Info("SFTP serving", "addr", ln.Addr().String(), "node", s.opts.NodeID,
		"hostKey", srv.HostKeyFingerprint())
	return ln.Addr(), func() {
		m.OnAccessLost(nil)
		_ = srv.Close()
		<-done
	}, nil
}
