package sftp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
)

// grantExt is the Permissions extension that carries a login's Grant to the session.
const grantExt = "skypanel-grant"

func (s *Server) serverConfig(signer ssh.Signer) *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		PasswordCallback:          s.password,
		PublicKeyCallback:         s.publicKey,
		VerifiedPublicKeyCallback: s.verifiedKey,
		ServerVersion:             "SSH-2.0-SkyPanel",
		MaxAuthTries:              6,
	}
	cfg.Ciphers = s.opts.Ciphers
	cfg.AddHostKey(signer)
	return cfg
}

// password decides a password login.
func (s *Server) password(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
	g, err := s.login(c, Login{Password: string(pw)})
	if err != nil {
		return nil, err
	}
	return s.admit(g)
}

// publicKey decides whether a key may log in. x/crypto/ssh calls it for the client's query
// and again before checking the signature; the login only succeeds once the client has
// proved it holds the key (then verifiedKey admits the session).
func (s *Server) publicKey(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	g, err := s.login(c, Login{PublicKey: line})
	if err != nil {
		return nil, err
	}
	return permissions(g)
}

// verifiedKey admits a key login once the client proved it holds the key.
func (s *Server) verifiedKey(_ ssh.ConnMetadata, _ ssh.PublicKey, p *ssh.Permissions, _ string) (*ssh.Permissions, error) {
	g, err := grantOf(p)
	if err != nil {
		return nil, err
	}
	return s.admit(g)
}

// login asks the panel, then checks the server on this node (the panel is asked even when
// the server is missing or suspended here, so that every attempt is audited).
func (s *Server) login(c ssh.ConnMetadata, l Login) (Grant, error) {
	l.Username = c.User()
	l.RemoteIP = c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(l.RemoteIP); err == nil {
		l.RemoteIP = host
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.LoginTimeout)
	defer cancel()
	g, err := s.opts.Auth.Authenticate(ctx, l)
	var locked *LockedError
	switch {
	case errors.As(err, &locked):
		return Grant{}, &ssh.BannerError{Err: err,
			Message: fmt.Sprintf("Too many failed logins: try again in %s.\n", locked.RetryAfter.Round(1e9))}
	case errors.Is(err, ErrLocked):
		return Grant{}, &ssh.BannerError{Err: err, Message: "Too many failed logins: try again later.\n"}
	case errors.Is(err, ErrDenied):
		s.log.Debug("login refused", "user", l.Username, "remote", l.RemoteIP)
		return Grant{}, err
	case err != nil:
		s.log.Warn("login: the panel could not be asked", "user", l.Username, "err", err)
		return Grant{}, &ssh.BannerError{Err: err, Message: "The panel cannot be reached: try again later.\n"}
	}
	i := strings.LastIndexByte(l.Username, '.')
	if i < 0 || g.ServerID != l.Username[i+1:] {
		s.log.Warn("login: the panel granted another server", "user", l.Username, "server", g.ServerID)
		return Grant{}, ErrDenied
	}
	t, ok := s.opts.Servers.SFTPTarget(g.ServerID)
	switch {
	case !ok:
		return Grant{}, ErrDenied
	case t.Suspended:
		return Grant{}, &ssh.BannerError{Err: ErrDenied, Message: "This server is suspended.\n"}
	}
	return g, nil
}

// admit refuses a login when the server has no session left, else passes the grant on.
func (s *Server) admit(g Grant) (*ssh.Permissions, error) {
	if s.count(g.ServerID) >= s.opts.MaxSessionsPerServer {
		return nil, &ssh.BannerError{Err: ErrTooManySessions,
			Message: fmt.Sprintf("%s (at most %d): close one and try again.\n", ErrTooManySessions, s.opts.MaxSessionsPerServer)}
	}
	return permissions(g)
}

func permissions(g Grant) (*ssh.Permissions, error) {
	b, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("encode the grant: %w", err)
	}
	return &ssh.Permissions{Extensions: map[string]string{grantExt: string(b)}}, nil
}

func grantOf(p *ssh.Permissions) (Grant, error) {
	var g Grant
	if p == nil || p.Extensions[grantExt] == "" {
		return g, ErrDenied
	}
	if err := json.Unmarshal([]byte(p.Extensions[grantExt]), &g); err != nil {
		return g, fmt.Errorf("decode the grant: %w", err)
	}
	return g, nil
}
