package sftp_test

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/daemon/sftp/sftptest"
)

// login opens a session and returns the SSH client (Wait returns when the server closes it).
func login(t *testing.T, f *sftptest.Fixture, user, pw string) *ssh.Client {
	t.Helper()
	c, sc, err := f.Dial(user, ssh.Password(pw))
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	t.Cleanup(func() { _ = sc.Close(); _ = c.Close() })
	if _, err := sc.Getwd(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSessionClosedOnDeleteAndSuspend(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	f.AddServer(t, "srv2", 0)
	f.Auth.SetUser("alice", sftptest.User{ID: 1, Password: "secret", Servers: map[string]bool{"srv1": false, "srv2": false}})
	c1 := login(t, f, "alice.srv1", "secret")
	c2 := login(t, f, "alice.srv2", "secret")
	other := login(t, f, "alice.srv1", "secret")

	// a change that leaves the server usable closes nothing
	f.Server.ServerChanged("srv1")
	if n := f.Server.Sessions("srv1"); n != 2 {
		t.Fatalf("srv1 has %d sessions after a harmless change", n)
	}
	f.Servers.Delete("srv1")
	f.Server.ServerChanged("srv1")
	_ = c1.Wait() // returns once the server closed the connection
	_ = other.Wait()

	tg, _ := f.Servers.SFTPTarget("srv2")
	tg.Suspended = true
	f.Servers.Set("srv2", tg)
	f.Server.ServerChanged("srv2")
	_ = c2.Wait()
	waitFor(t, "sessions to be unregistered", func() bool { return f.Server.Sessions("srv1")+f.Server.Sessions("srv2") == 0 })
}

func TestSessionClosedWhenPanelDenies(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{CheckInterval: 20 * time.Millisecond})
	c := login(t, f, "alice.srv1", "secret")
	f.Auth.SetUser("alice", sftptest.User{ID: 1, Password: "secret", Servers: map[string]bool{}})
	_ = c.Wait()
	if f.Auth.Checks() == 0 {
		t.Fatal("closed without a check")
	}
}

func TestSessionToleratesPanelOutage(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{CheckInterval: 20 * time.Millisecond, CheckFailures: 4})
	c := login(t, f, "alice.srv1", "secret")
	f.Auth.FailChecks(errors.New("panel unreachable"))
	_ = c.Wait()
	if n := f.Auth.Checks(); n < 4 {
		t.Fatalf("closed after %d failed checks, want 4", n)
	}
}

func TestCheckUpdatesReadOnly(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{CheckInterval: 20 * time.Millisecond})
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	if err := c.Mkdir("a"); err != nil {
		t.Fatal(err)
	}
	f.Auth.SetUser("alice", sftptest.User{ID: 1, Password: "secret", Servers: map[string]bool{"srv1": true}})
	n := f.Auth.Checks()
	waitFor(t, "two more checks", func() bool { return f.Auth.Checks() >= n+2 })
	if err := c.Mkdir("b"); statusCode(err) != codeDenied {
		t.Fatalf("mkdir after losing edit: %v", err)
	}
}

// TestLosingEditDropsOpenUploads: an upload written while the user could edit is not
// committed at close once the panel took the edit permission away.
func TestLosingEditDropsOpenUploads(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{CheckInterval: 20 * time.Millisecond})
	must(t, os.WriteFile(filepath.Join(f.Dir, "world.dat"), []byte("old"), 0o644))
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	w, err := c.Create("world.dat")
	must(t, err)
	_, err = w.Write([]byte("new"))
	must(t, err)
	f.Auth.SetUser("alice", sftptest.User{ID: 1, Password: "secret", Servers: map[string]bool{"srv1": true}})
	n := f.Auth.Checks()
	waitFor(t, "two more checks", func() bool { return f.Auth.Checks() >= n+2 })
	if err := w.Close(); statusCode(err) != codeDenied {
		t.Errorf("close after losing edit: %v, want permission denied", err)
	}
	if data, _ := os.ReadFile(filepath.Join(f.Dir, "world.dat")); string(data) != "old" {
		t.Fatalf("world.dat = %q after losing edit, want the old content", data)
	}
}

func TestMaxSessions(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{MaxSessionsPerServer: 2})
	c1 := login(t, f, "alice.srv1", "secret")
	login(t, f, "alice.srv1", "secret")
	b, err := banner(f, "alice.srv1", "secret")
	if err == nil {
		t.Fatal("a third session was accepted")
	}
	if !strings.Contains(b, "too many SFTP sessions") {
		t.Errorf("the refused client was told %q", b)
	}
	c1.Close()
	waitFor(t, "the closed session to be released", func() bool { return f.Server.Sessions("srv1") == 1 })
	login(t, f, "alice.srv1", "secret")
}

func TestIdleTimeout(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{IdleTimeout: 100 * time.Millisecond})
	c := login(t, f, "alice.srv1", "secret")
	_ = c.Wait()
	waitFor(t, "the idle session to be released", func() bool { return f.Server.Sessions("srv1") == 0 })
	// a client that logs in and then sends nothing at all
	quiet, err := ssh.Dial("tcp", f.Addr, &ssh.ClientConfig{User: "alice.srv1",
		Auth: []ssh.AuthMethod{ssh.Password("secret")}, HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	_ = quiet.Wait()
}

// banner tries a password login and returns the error and the banners the client was shown.
func banner(f *sftptest.Fixture, user, pw string) (string, error) {
	var mu sync.Mutex
	var b string
	c, err := ssh.Dial("tcp", f.Addr, &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.Password(pw)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		BannerCallback:  func(m string) error { mu.Lock(); b += m; mu.Unlock(); return nil }})
	if err == nil {
		c.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	return b, err
}

func TestLoginLockedAndPanelDown(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	f.Auth.FailLogins(&sftp.LockedError{RetryAfter: 42 * time.Second})
	b, err := banner(f, "alice.srv1", "secret")
	if err == nil || !strings.Contains(b, "Too many failed logins: try again in 42s") {
		t.Fatalf("locked login: %v, banner %q", err, b)
	}
	f.Auth.FailLogins(errors.New("connection refused"))
	b, err = banner(f, "alice.srv1", "secret")
	if err == nil || !strings.Contains(b, "The panel cannot be reached") {
		t.Fatalf("panel down: %v, banner %q", err, b)
	}
	f.Auth.FailLogins(nil)
	if _, err := banner(f, "alice.srv1", "secret"); err != nil {
		t.Fatalf("login once the panel answers: %v", err)
	}
}

func TestLoginTimeout(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{LoginTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", f.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// send nothing: the server hangs up once the login timeout passes
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("read until the server hangs up: %v", err)
	}
}

func TestCloseDuringHandshake(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{LoginTimeout: time.Hour})
	c, err := net.Dial("tcp", f.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Read(make([]byte, 8)); err != nil { // the server's version line: it is serving
		t.Fatal(err)
	}
	_ = f.Server.Close() // returns without waiting for the hour-long login timeout
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("read until the server hangs up: %v", err)
	}
}

// TestMaxStartups: connections still in their handshake and login are bounded (a flood of
// silent connections would hold a descriptor and a goroutine each for the login timeout);
// one over the bound is closed at once, and the room comes back once a handshake ends.
func TestMaxStartups(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{LoginTimeout: time.Hour, MaxStartups: 2})
	version := func() (net.Conn, error) {
		c, err := net.Dial("tcp", f.Addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 8)) // the server's version line, or EOF when refused
		return c, err
	}
	var held []net.Conn
	for range 2 {
		c, err := version()
		if err != nil {
			t.Fatalf("connection within the bound: %v", err)
		}
		held = append(held, c)
	}
	c, err := version()
	c.Close()
	if !errors.Is(err, io.EOF) {
		t.Fatalf("a third silent connection: %v, want it closed at once (EOF)", err)
	}
	held[0].Close()
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := version()
		c.Close()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no room once a handshake ended: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	held[1].Close()
}
