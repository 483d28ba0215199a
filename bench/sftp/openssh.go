package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// sshd is a private OpenSSH sshd on a loopback port (the baseline): its own config, host key
// and authorized key in dir, sftp-server as its SFTP subsystem, never a system service.
type sshd struct {
	addr string
	cmd  *exec.Cmd
	log  bytes.Buffer
	done chan struct{}
}

// sftpServerPaths are where Debian (and others) put OpenSSH's sftp-server.
var sftpServerPaths = []string{"/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/libexec/sftp-server"}

// startSSHD starts sshd -D in dir, accepting clientPub for the current user.
func startSSHD(ctx context.Context, dir, clientPub string) (*sshd, error) {
	bin, err := exec.LookPath("sshd")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/sshd"); err != nil {
			return nil, fmt.Errorf("OpenSSH's sshd (Debian package openssh-server) is needed for the baseline: %w", err)
		}
	}
	subsystem := ""
	for _, p := range sftpServerPaths {
		if _, err := os.Stat(p); err == nil {
			subsystem = p
			break
		}
	}
	if subsystem == "" {
		return nil, errors.New("OpenSSH's sftp-server not found (Debian package openssh-server)")
	}
	hostKey := filepath.Join(dir, "ssh_host_ed25519_key")
	if err := run(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey); err != nil {
		return nil, err
	}
	auth := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(auth, []byte(clientPub), 0o600); err != nil {
		return nil, err
	}
	s := &sshd{addr: freeAddr(), done: make(chan struct{})}
	conf := strings.Join([]string{
		"ListenAddress " + s.addr, "HostKey " + hostKey, "PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + auth, "PubkeyAuthentication yes", "PasswordAuthentication no",
		"KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no",
		"Subsystem sftp " + subsystem, ""}, "\n")
	confPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	_ = os.MkdirAll("/run/sshd", 0o755) // the privilege separation folder sshd insists on
	s.cmd = exec.Command(bin, "-D", "-e", "-f", confPath)
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sshd: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := waitListening(s.addr, s.done); err != nil {
		s.Close()
		return nil, fmt.Errorf("sshd: %w\n%s", err, s.log.String())
	}
	return s, nil
}

// Close stops sshd (SIGTERM) and waits for it.
func (s *sshd) Close() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.done
}

// waitListening waits until addr accepts connections (or done closes: the process exited).
func waitListening(addr string, done <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return errors.New("exited before listening")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not listening after 10 s", addr)
}

// freeAddr is a loopback address whose port was free a moment ago.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// run runs a command, its output in the error.
func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
