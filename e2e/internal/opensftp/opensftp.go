// Package opensftp drives OpenSSH's own SFTP client for the end-to-end tests of the nodes'
// SFTP servers (e2e with the embedded node, e2e/multinode with remote daemons): sftp command
// lines for a password (through sshpass) or a key, key pairs, random files and their sha256.
package opensftp

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Login is one way into a node's SFTP server: a password or a private key file.
type Login struct {
	Addr     string // the node's SFTP address, host:port
	User     string // "<panel username>.<server id>"
	Password string // "" for a key login
	Key      string // private key file
	Banners  bool   // show the server's banners and notices (LogLevel INFO, not ERROR)
}

// Command is the sftp command line (sshpass first for a password login) for a batch read from
// batch ("-" = stdin); the password goes through $SSHPASS, never the command line.
func (l Login) Command(t testing.TB, batch string) *exec.Cmd {
	t.Helper()
	host, port, err := net.SplitHostPort(l.Addr)
	if err != nil {
		t.Fatal(err)
	}
	level := "ERROR"
	if l.Banners {
		level = "INFO"
	}
	args := []string{"-b", batch, "-P", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=" + level, "-o", "ConnectTimeout=30", "-o", "IdentityAgent=none"}
	if l.Password != "" {
		// -b implies BatchMode=yes (never a password prompt for sshpass to answer) unless an
		// earlier -o says otherwise: ssh keeps the first value of an option
		args = append([]string{"-o", "BatchMode=no"}, args...)
		args = append(args, "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
			"-o", "NumberOfPasswordPrompts=1", l.User+"@"+host)
		cmd := exec.Command("sshpass", append([]string{"-e", "sftp"}, args...)...)
		cmd.Env = append(os.Environ(), "SSHPASS="+l.Password)
		return cmd
	}
	args = append(args, "-i", l.Key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "PreferredAuthentications=publickey", l.User+"@"+host)
	return exec.Command("sftp", args...)
}

// Batch writes commands to a new batch file (one a line) and returns its path.
func Batch(t testing.TB, commands ...string) string {
	t.Helper()
	batch := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(batch, []byte(strings.Join(commands, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return batch
}

// Require fails t without OpenSSH's sftp, ssh-keygen and sshpass (scripts/install-deps.sh).
func Require(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"sftp", "ssh-keygen", "sshpass"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not installed (Debian packages openssh-client, sshpass: scripts/install-deps.sh)", bin)
		}
	}
}

// NewKey makes an ed25519 key pair in dir and returns the private key file and the
// authorized_keys line.
func NewKey(t testing.TB, dir string) (key, authorized string) {
	t.Helper()
	key = filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return key, strings.TrimSpace(string(pub))
}

// RandomFile writes n pseudo-random bytes to a new file in dir and returns its path and sha256.
func RandomFile(t testing.TB, dir string, n int64) (path, sum string) {
	t.Helper()
	path = filepath.Join(dir, "random.bin")
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

// SHA256 is the hex sha256 of a file.
func SHA256(t testing.TB, path string) string {
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
