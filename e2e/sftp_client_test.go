package e2e

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skypanel/skypanel/e2e/internal/opensftp"
)

// sftpLogin is one way into a node's SFTP server with OpenSSH's client: a password (through
// sshpass) or a key file.
type sftpLogin struct {
	addr     string // the node's SFTP address, host:port
	user     string // "<panel username>.<server id>"
	password string // "" for a key login
	key      string // private key file
}

// command is the sftp command line for a batch read from batch ("-" = stdin).
func (l sftpLogin) command(t *testing.T, batch string) *exec.Cmd {
	t.Helper()
	return opensftp.Login{Addr: l.addr, User: l.user, Password: l.password, Key: l.key}.Command(t, batch)
}

// run runs the batch commands in one session and returns the output; err when a command
// failed or the login was refused (sftp -b stops at the first failure).
func (l sftpLogin) run(t *testing.T, commands ...string) (string, error) {
	t.Helper()
	out, err := l.command(t, opensftp.Batch(t, commands...)).CombinedOutput()
	return string(out), err
}

// mustRun is run that fails t on an error.
func (l sftpLogin) mustRun(t *testing.T, commands ...string) string {
	t.Helper()
	out, err := l.run(t, commands...)
	if err != nil {
		t.Fatalf("sftp %s %q: %v\n%s", l.user, commands, err, out)
	}
	return out
}

// refused runs commands and fails t unless sftp failed (the login or a command refused).
func (l sftpLogin) refused(t *testing.T, what string, commands ...string) string {
	t.Helper()
	out, err := l.run(t, commands...)
	if err == nil {
		t.Errorf("%s: sftp %s %q succeeded, want refused\n%s", what, l.user, commands, out)
	}
	return out
}

// openSession is an interactive sftp session (commands on stdin) that stays open.
type openSession struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
	mu    sync.Mutex
	out   strings.Builder
}

// open starts a session and waits until it runs commands (the login succeeded).
func (l sftpLogin) open(t *testing.T) *openSession {
	t.Helper()
	s := &openSession{cmd: l.command(t, "-"), done: make(chan struct{})}
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			s.mu.Lock()
			s.out.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if strings.HasPrefix(sc.Text(), "sftp> pwd") { // echoed once the session runs commands
				once.Do(func() { close(ready) })
			}
		}
	}()
	go func() {
		_ = s.cmd.Wait()
		_ = pw.Close()
		close(s.done)
	}()
	t.Cleanup(func() { _ = s.stdin.Close(); _ = s.cmd.Process.Kill(); <-s.done })
	_, _ = io.WriteString(s.stdin, "pwd\n")
	select {
	case <-ready:
	case <-s.done:
		t.Fatalf("sftp %s: the session ended at once:\n%s", l.user, s.output())
	case <-time.After(waitTimeout):
		t.Fatalf("sftp %s: no session within %s:\n%s", l.user, waitTimeout, s.output())
	}
	return s
}

func (s *openSession) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// waitClosed waits until the server closed the session: sftp notices at its next remote
// command (pwd is answered locally), so an ls is sent every 200 ms until sftp exits with a
// failure.
func (s *openSession) waitClosed(t *testing.T, why string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			if s.cmd.ProcessState.Success() {
				t.Errorf("%s: sftp exited successfully, want the session cut:\n%s", why, s.output())
			}
			return
		case <-deadline:
			t.Fatalf("%s: the SFTP session is still open after %s:\n%s", why, waitTimeout, s.output())
		case <-tick.C:
			_, _ = io.WriteString(s.stdin, "ls\n")
		}
	}
}
