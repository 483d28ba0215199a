package sftp_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/daemon/sftp/sftptest"
)

// openssh runs the real OpenSSH sftp client in batch mode (-b) against the fixture; with
// password set it logs in through sshpass, else with the key file. It returns the combined
// output and whether sftp exited 0.
func openssh(t *testing.T, f *sftptest.Fixture, user, password, key, batch string) (string, bool) {
	t.Helper()
	for _, bin := range []string{"sftp", "sshpass", "ssh-keygen"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (apt-get install openssh-client sshpass)", bin)
		}
	}
	dir := t.TempDir()
	bf := filepath.Join(dir, "batch")
	must(t, os.WriteFile(bf, []byte(batch), 0o600))
	args := []string{"-F", "/dev/null", "-b", bf, "-P", strconv.Itoa(f.Port),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none"}
	var cmd *exec.Cmd
	if password != "" {
		// -b adds BatchMode=yes, which would skip the password prompt: the first value wins
		args = append([]string{"-o", "BatchMode=no"}, args...)
		args = append(args, "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
			"-o", "NumberOfPasswordPrompts=1", user+"@127.0.0.1")
		cmd = exec.Command("sshpass", append([]string{"-p", password, "sftp"}, args...)...)
	} else {
		args = append(args, "-i", key, "-o", "PreferredAuthentications=publickey", "-o", "BatchMode=yes", user+"@127.0.0.1")
		cmd = exec.Command("sftp", args...)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func TestOpenSSHRoundTrip(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	local := t.TempDir()
	data := randomBytes(t, 20<<20)
	want := sha256.Sum256(data)
	src := filepath.Join(local, "big.bin")
	must(t, os.WriteFile(src, data, 0o644))
	back := filepath.Join(local, "back.bin")
	batch := strings.Join([]string{
		"mkdir world", "cd world", "put " + src + " big.bin", "rename big.bin moved.bin", "ls -l",
		"get moved.bin " + back, "mkdir sub", "rmdir sub", "put " + src + " second.bin", "rm second.bin", "pwd",
	}, "\n") + "\n"
	out, ok := openssh(t, f, "alice.srv1", "secret", "", batch)
	if !ok {
		t.Fatalf("sftp failed:\n%s\nlogins %+v", out, f.Auth.Logins())
	}
	got, err := os.ReadFile(back)
	must(t, err)
	if sha256.Sum256(got) != want {
		t.Fatal("downloaded file differs from the uploaded one")
	}
	disk, err := os.ReadFile(filepath.Join(f.Dir, "world/moved.bin"))
	must(t, err)
	if !bytes.Equal(disk, data) {
		t.Fatal("file in the volume differs from the uploaded one")
	}
	entries, err := os.ReadDir(filepath.Join(f.Dir, "world"))
	must(t, err)
	if len(entries) != 1 {
		t.Fatalf("world holds %v, want moved.bin only", entries)
	}
	if !strings.Contains(out, "moved.bin") || !strings.Contains(out, "Remote working directory: /world") {
		t.Fatalf("ls/pwd output:\n%s", out)
	}
}

func TestOpenSSHPreserveTimes(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	src := filepath.Join(t.TempDir(), "old.txt")
	must(t, os.WriteFile(src, []byte("from 2001"), 0o644))
	mt := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	must(t, os.Chtimes(src, mt, mt))
	// put -p sets the times on the open handle (fsetstat) before closing it
	if out, ok := openssh(t, f, "alice.srv1", "secret", "", "put -p "+src+" old.txt\n"); !ok {
		t.Fatalf("put -p failed:\n%s", out)
	}
	fi, err := os.Stat(filepath.Join(f.Dir, "old.txt"))
	must(t, err)
	if !fi.ModTime().Equal(mt) {
		t.Fatalf("mtime %v, want %v", fi.ModTime(), mt)
	}
}

func TestOpenSSHKeyLogin(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	key := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Skipf("ssh-keygen: %v %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	must(t, err)
	f.Auth.SetUser("bob", sftptest.User{ID: 2, Keys: []string{string(pub)}, Servers: map[string]bool{"srv1": false}})
	if out, ok := openssh(t, f, "bob.srv1", "", key, "mkdir bobs\n"); !ok {
		t.Fatalf("key login failed:\n%s", out)
	}
	if fi, err := os.Stat(filepath.Join(f.Dir, "bobs")); err != nil || !fi.IsDir() {
		t.Fatalf("mkdir through a key login: %v", err)
	}
	f.Auth.SetUser("bob", sftptest.User{ID: 2, Servers: map[string]bool{"srv1": false}})
	if out, ok := openssh(t, f, "bob.srv1", "", key, "ls\n"); ok {
		t.Fatalf("a removed key logged in:\n%s", out)
	}
}

func TestOpenSSHRefusals(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	if out, ok := openssh(t, f, "alice.srv1", "wrong", "", "ls\n"); ok {
		t.Fatalf("wrong password logged in:\n%s", out)
	}
	f.Auth.SetUser("viewer", sftptest.User{ID: 3, Password: "pw", Servers: map[string]bool{"srv1": true}})
	must(t, os.WriteFile(filepath.Join(f.Dir, "motd.txt"), []byte("hello"), 0o644))
	local := filepath.Join(t.TempDir(), "motd.txt")
	if out, ok := openssh(t, f, "viewer.srv1", "pw", "", "get motd.txt "+local+"\n"); !ok {
		t.Fatalf("read-only get failed:\n%s", out)
	}
	for _, cmd := range []string{"put " + local + " new.txt", "mkdir d", "rm motd.txt", "rename motd.txt x", "chmod 777 motd.txt", "ln -s motd.txt l"} {
		out, ok := openssh(t, f, "viewer.srv1", "pw", "", cmd+"\n")
		if ok || !strings.Contains(strings.ToLower(out), "permission denied") {
			t.Errorf("%q as read-only: ok=%v\n%s", cmd, ok, out)
		}
	}
	entries, err := os.ReadDir(f.Dir)
	must(t, err)
	if len(entries) != 1 {
		t.Fatalf("read-only sessions changed the volume: %v", entries)
	}
}
