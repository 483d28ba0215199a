package sftp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/files"
)

// Target is one server of this node as the SFTP server sees it.
type Target struct {
	Volume    files.Volume // its folder and disk limit; new files get the folder's owner
	Suspended bool
}

// Servers tells the SFTP server about the servers of this node (daemon.Manager implements it).
type Servers interface {
	// SFTPTarget returns the server with this id; false when it is not on this node.
	SFTPTarget(id string) (Target, bool)
}

// Options configure a Server. Zero values take the documented defaults.
type Options struct {
	Listen      string // ListenAndServe's address (default 0.0.0.0:5657)
	HostKeyPath string // required: the ed25519 host key, created (0600) when missing
	Auth        Authenticator
	Files       *files.Service
	Servers     Servers

	IdleTimeout          time.Duration // a session without traffic is closed (10 min)
	MaxSessionsPerServer int           // concurrent sessions per server (8)
	CheckInterval        time.Duration // re-check of open sessions with the panel (30 s)
	// CheckFailures: consecutive checks the panel could not answer before a session is closed (3).
	CheckFailures int
	LoginTimeout  time.Duration // the SSH handshake and the login must finish within (30 s)
	// MaxStartups bounds the connections in their handshake and login at once; one more is
	// closed at once (100, OpenSSH's MaxStartups).
	MaxStartups int
	// Ciphers are the SSH ciphers offered (default DefaultCiphers).
	Ciphers []string
	Logger  *slog.Logger
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.IdleTimeout, 10*time.Minute)
	def(&o.CheckInterval, 30*time.Second)
	def(&o.LoginTimeout, 30*time.Second)
	if o.MaxSessionsPerServer <= 0 {
		o.MaxSessionsPerServer = 8
	}
	if o.CheckFailures <= 0 {
		o.CheckFailures = 3
	}
	if o.MaxStartups <= 0 {
		o.MaxStartups = 100
	}
	if o.Listen == "" {
		o.Listen = "0.0.0.0:5657"
	}
	if len(o.Ciphers) == 0 {
		o.Ciphers = DefaultCiphers
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// DefaultCiphers are the ciphers offered unless Options.Ciphers says otherwise: AES-GCM and
// AES-CTR, which every SFTP client has (OpenSSH, PuTTY/WinSCP, FileZilla). chacha20-poly1305
// is left out: OpenSSH clients pick it first when it is offered, and x/crypto/ssh runs it
// without assembly on amd64, at about 60 % of AES-CTR's throughput here (make bench).
var DefaultCiphers = []string{"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr"}

// Server is the node's SFTP server. Safe for concurrent use.
type Server struct {
	opts   Options
	log    *slog.Logger
	cfg    *ssh.ServerConfig
	hostFP string
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// startups counts the connections in their handshake and login (Options.MaxStartups).
	startups atomic.Int32

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}            // connections being served
	sessions  map[string]map[*session]struct{} // by server id
	closed    bool
}

// New returns a Server with its host key loaded from (or created at) Options.HostKeyPath.
func New(opts Options) (*Server, error) {
	opts.defaults()
	switch {
	case opts.HostKeyPath == "":
		return nil, errors.New("sftp: Options.HostKeyPath is required")
	case opts.Auth == nil, opts.Files == nil, opts.Servers == nil:
		return nil, errors.New("sftp: Options.Auth, Files and Servers are required")
	}
	signer, err := LoadHostKey(opts.HostKeyPath)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{opts: opts, log: opts.Logger.With("component", "sftp"), ctx: ctx, cancel: cancel,
		hostFP:    ssh.FingerprintSHA256(signer.PublicKey()),
		listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{},
		sessions: map[string]map[*session]struct{}{}}
	s.cfg = s.serverConfig(signer)
	return s, nil
}

// HostKeyFingerprint is the SHA256 fingerprint of the host key, as ssh-keygen -l prints it.
func (s *Server) HostKeyFingerprint() string { return s.hostFP }

// ListenAndServe listens on Options.Listen and serves until Close.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("sftp: listen on %s: %w", s.opts.Listen, err)
	}
	return s.Serve(ln)
}

// Serve accepts SFTP connections on ln until Close (then it returns ErrClosed). It closes ln.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		_ = ln.Close()
	}()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("sftp: accept: %w", err)
		}
		delay = 0
		if s.startups.Add(1) > int32(s.opts.MaxStartups) {
			s.startups.Add(-1)
			s.log.Debug("too many connections logging in: one refused", "remote", nc.RemoteAddr().String())
			_ = nc.Close()
			continue
		}
		if !s.track(nc) {
			_ = nc.Close()
			return ErrClosed
		}
		go func() {
			defer s.untrack(nc)
			s.serveConn(nc)
		}()
	}
}

// track records a connection and counts its goroutine; false once closed.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
	s.wg.Done()
}

// Close stops the listeners, closes every connection and waits for their goroutines.
func (s *Server) Close() error {
	s.cancel()
	s.mu.Lock()
	s.closed = true
	for ln := range s.listeners {
		_ = ln.Close()
	}
	for nc := range s.conns { // also the ones still in their handshake
		_ = nc.Close()
	}
	var all []*session
	for _, m := range s.sessions {
		for ss := range m {
			all = append(all, ss)
		}
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.close("the SFTP server is shutting down")
	}
	s.wg.Wait()
	return nil
}
