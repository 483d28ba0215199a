// Package sftptest starts a node SFTP server (daemon/sftp) on a temporary folder with a fake
// panel: for the tests and benchmarks of the SFTP server and of what wires it in.
package sftptest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/daemon/sftp"
)

// User is a panel user as the fake panel knows it.
type User struct {
	ID       int64
	Password string
	Keys     []string        // authorized_keys lines
	Servers  map[string]bool // server id → read-only
}

// Auth is a fake panel: it grants the servers listed in each User.
type Auth struct {
	mu       sync.Mutex
	users    map[string]User
	loginErr error
	checkErr error
	logins   []sftp.Login
	checks   int
}

// SetUser adds or replaces a user.
func (a *Auth) SetUser(name string, u User) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.users == nil {
		a.users = map[string]User{}
	}
	a.users[name] = u
}

// FailChecks makes Check return err (nil: answer normally).
func (a *Auth) FailChecks(err error) {
	a.mu.Lock()
	a.checkErr = err
	a.mu.Unlock()
}

// FailLogins makes Authenticate return err (nil: answer normally), e.g. a *sftp.LockedError.
func (a *Auth) FailLogins(err error) {
	a.mu.Lock()
	a.loginErr = err
	a.mu.Unlock()
}

// Logins returns the logins asked so far.
func (a *Auth) Logins() []sftp.Login {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]sftp.Login(nil), a.logins...)
}

// Checks returns how many session checks were asked.
func (a *Auth) Checks() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.checks
}

// Authenticate implements sftp.Authenticator.
func (a *Auth) Authenticate(_ context.Context, l sftp.Login) (sftp.Grant, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.logins = append(a.logins, l)
	if a.loginErr != nil {
		return sftp.Grant{}, a.loginErr
	}
	i := strings.LastIndexByte(l.Username, '.')
	if i < 0 {
		return sftp.Grant{}, sftp.ErrDenied
	}
	name, server := l.Username[:i], l.Username[i+1:]
	u, ok := a.users[name]
	ro, allowed := u.Servers[server]
	if !ok || !allowed || !u.matches(l) {
		return sftp.Grant{}, sftp.ErrDenied
	}
	return sftp.Grant{UserID: u.ID, Username: name, ServerID: server, ReadOnly: ro, KeyID: u.keyID(l.PublicKey)}, nil
}

func (u User) matches(l sftp.Login) bool {
	if l.PublicKey == "" {
		return l.Password != "" && l.Password == u.Password
	}
	return u.keyID(l.PublicKey) > 0
}

// keyID is 1 + the index of the key, 0 when none matches (keys compare by type and data).
func (u User) keyID(line string) int64 {
	if line == "" {
		return 0
	}
	f := strings.Fields(line)
	for i, k := range u.Keys {
		if kf := strings.Fields(k); len(kf) >= 2 && len(f) >= 2 && kf[0] == f[0] && kf[1] == f[1] {
			return int64(i + 1)
		}
	}
	return 0
}

// Check implements sftp.Authenticator: the grant as the users stand now.
func (a *Auth) Check(_ context.Context, g sftp.Grant) (sftp.Grant, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checks++
	if a.checkErr != nil {
		return sftp.Grant{}, a.checkErr
	}
	u, ok := a.users[g.Username]
	ro, allowed := u.Servers[g.ServerID]
	if !ok || u.ID != g.UserID || !allowed || (g.KeyID > 0 && int(g.KeyID) > len(u.Keys)) {
		return sftp.Grant{}, sftp.ErrDenied
	}
	g.ReadOnly = ro
	return g, nil
}

// Servers is a fake node: its servers and their volumes.
type Servers struct {
	mu sync.Mutex
	m  map[string]sftp.Target
}

// SFTPTarget implements sftp.Servers.
func (s *Servers) SFTPTarget(id string) (sftp.Target, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[id]
	return t, ok
}

// Set adds or replaces a server.
func (s *Servers) Set(id string, t sftp.Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]sftp.Target{}
	}
	s.m[id] = t
}

// Delete removes a server.
func (s *Servers) Delete(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

// Fixture is a running SFTP server on 127.0.0.1 with one server "srv1" (volume Dir) and one
// user "alice" (password "secret", read-write on srv1).
type Fixture struct {
	Server      *sftp.Server
	Addr        string // host:port
	Port        int
	Root        string // temporary folder: volumes and the host key
	Dir         string // srv1's volume
	Auth        *Auth
	Servers     *Servers
	Files       *files.Service
	HostKeyPath string
}

// Start runs a Server with opts until the test ends. HostKeyPath and Auth are the fixture's;
// Files and Servers too unless set (a real daemon.Manager, say).
func Start(tb testing.TB, opts sftp.Options) *Fixture {
	tb.Helper()
	f := &Fixture{Root: tb.TempDir(), Auth: &Auth{}, Servers: &Servers{}, Files: files.New(files.Options{})}
	f.HostKeyPath = filepath.Join(f.Root, "sftp_host_ed25519_key")
	f.Dir = f.AddServer(tb, "srv1", 0)
	f.Auth.SetUser("alice", User{ID: 1, Password: "secret", Servers: map[string]bool{"srv1": false}})
	opts.HostKeyPath, opts.Auth = f.HostKeyPath, f.Auth
	if opts.Files == nil {
		opts.Files = f.Files
	}
	if opts.Servers == nil {
		opts.Servers = f.Servers
	}
	srv, err := sftp.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	f.Server, f.Addr, f.Port = srv, ln.Addr().String(), ln.Addr().(*net.TCPAddr).Port
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, sftp.ErrClosed) {
			tb.Errorf("Serve: %v", err)
		}
		f.Files.Close()
	})
	return f
}

// AddServer creates a volume folder for server id with a disk limit (0: none).
func (f *Fixture) AddServer(tb testing.TB, id string, limit int64) string {
	tb.Helper()
	dir := filepath.Join(f.Root, "volumes", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	f.Servers.Set(id, sftp.Target{Volume: files.Volume{ID: id, Dir: dir, LimitBytes: limit}})
	return dir
}

// NewKey returns a fresh ed25519 key: its signer and its authorized_keys line.
func NewKey(tb testing.TB) (ssh.Signer, string) {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return signer, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
}

// Dial logs in with the in-process client (x/crypto/ssh + pkg/sftp). Close the SFTP client,
// then the SSH client.
func (f *Fixture) Dial(user string, auth ...ssh.AuthMethod) (*ssh.Client, *pkgsftp.Client, error) {
	c, err := ssh.Dial("tcp", f.Addr, &ssh.ClientConfig{User: user, Auth: auth,
		HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		return nil, nil, err
	}
	sc, err := pkgsftp.NewClient(c, pkgsftp.UseConcurrentWrites(true), pkgsftp.MaxConcurrentRequestsPerFile(64))
	if err != nil {
		_ = c.Close()
		return nil, nil, err
	}
	return c, sc, nil
}
