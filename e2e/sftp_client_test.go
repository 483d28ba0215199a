package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sftpLogin is one way into a node's SFTP server with OpenSSH's client: a password (through
// sshpass) or a key file.
type sftpLogin struct {
	addr     string // the node's SFTP address, host:port
	user     string // "<panel username>.<server id>"
	password string // "" for a key login
	key      string // private key file
}

// command is the sftp command line (sshpass first for a password login) for a batch read from
// batch ("-" = stdin); the password goes through $SSHPASS, never the command line.
func (l sftpLogin) command(t *testing.T, batch string) *exec.Cmd {
	t.Helper()
	host, port, err := net.SplitHostPort(l.addr)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-b", batch, "-P", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30", "-o", "IdentityAgent=none"}
	var cmd *exec.Cmd
	if l.password != "" {
		// -b implies BatchMode=yes (never a password prompt for sshpass to answer) unless an
		// earlier -o says otherwise: ssh keeps the first value of an option
		args = append([]string{"-o", "BatchMode=no"}, args...)
		args = append(args, "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
			"-o", "NumberOfPasswordPrompts=1", l.user+"@"+host)
		cmd = exec.Command("sshpass", append([]string{"-e", "sftp"}, args...)...)
		cmd.Env = append(os.Environ(), "SSHPASS="+l.password)
	} else {
		args = append(args, "-i", l.key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
			"-o", "PreferredAuthentications=publickey", l.user+"@"+host)
		cmd = exec.Command("sftp", args...)
	}
	return cmd
}

// run runs the batch commands in one session and returns the output; err when a command
// failed or the login was refused (sftp -b stops at the first failure).
func (l sftpLogin) run(t *testing.T, commands ...string) (string, error) {
	t.Helper()
	batch := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(batch, []byte(strings.Join(commands, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := l.command(t, batch).CombinedOutput()
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

// randomFile writes n pseudo-random bytes to a new file in dir and returns its path and sha256.
func randomFile(t *testing.T, dir string, n int64) (string, string) {
	t.Helper()
	path := filepath.Join(dir, "random.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	seed := [32]byte{byte(rand.Uint32())}
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.NewChaCha8(seed), n); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

// sha256File is the hex sha256 of a file.
func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// newSSHKey makes an ed25519 key pair in dir and returns the private key file and the
// authorized_keys line.
func newSSHKey(t *testing.T, dir string) (string, string) {
	t.Helper()
	key := filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return key, strings.TrimSpace(string(pub))
}

// requireOpenSSH fails t without OpenSSH's sftp, ssh-keygen and sshpass (scripts/install-deps.sh).
func requireOpenSSH(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"sftp", "ssh-keygen", "sshpass"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not installed (Debian packages openssh-client, sshpass: scripts/install-deps.sh)", bin)
		}
	}
}
