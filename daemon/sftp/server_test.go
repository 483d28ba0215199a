package sftp_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/daemon/sftp/sftptest"
)

// dial logs in or fails the test; the clients are closed at the end of the test.
func dial(t *testing.T, f *sftptest.Fixture, user string, auth ...ssh.AuthMethod) *pkgsftp.Client {
	t.Helper()
	c, sc, err := f.Dial(user, auth...)
	if err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	t.Cleanup(func() { _ = sc.Close(); _ = c.Close() })
	return sc
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// statusCode returns the SFTP status code of err (0 when it is none); pkg/sftp's client turns
// "no such file" and "permission denied" into os errors.
func statusCode(err error) uint32 {
	var se *pkgsftp.StatusError
	switch {
	case errors.As(err, &se):
		return se.Code
	case errors.Is(err, os.ErrNotExist):
		return codeNoSuchFile
	case errors.Is(err, os.ErrPermission):
		return codeDenied
	}
	return 0
}

const (
	codeNoSuchFile = 2
	codeDenied     = 3
	codeFailure    = 4
	codeUnsupp     = 8
)

func TestRoundTripPassword(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	data := randomBytes(t, 20<<20)
	want := sha256.Sum256(data)

	if err := c.MkdirAll("world/region"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Create("world/region/r.0.0.mca")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ReadFrom(bytes.NewReader(data)); err != nil { // concurrent, out-of-order writes
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	disk, err := os.ReadFile(filepath.Join(f.Dir, "world/region/r.0.0.mca"))
	if err != nil || sha256.Sum256(disk) != want {
		t.Fatalf("file on disk: %d bytes, err %v; differs from the upload", len(disk), err)
	}
	r, err := c.Open("/world/region/r.0.0.mca")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := r.WriteTo(h); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("download differs from the upload")
	}
}

func TestRenameAndList(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	must(t, os.MkdirAll(filepath.Join(f.Dir, "world/region"), 0o755))
	must(t, os.WriteFile(filepath.Join(f.Dir, "world/region/r.0.0.mca"), []byte("region"), 0o644))
	if err := c.Rename("world/region/r.0.0.mca", "world/moved.mca"); err != nil {
		t.Fatal(err)
	}
	fi, err := c.Stat("world/moved.mca")
	if err != nil || fi.Size() != int64(len("region")) || fi.IsDir() {
		t.Fatalf("stat after rename: %v, %v", fi, err)
	}
	if _, err := c.Stat("world/region/r.0.0.mca"); statusCode(err) != codeNoSuchFile && !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old name after rename: %v", err)
	}
	entries, err := c.ReadDir("/world")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "moved.mca" || names[1] != "region" {
		t.Fatalf("ls /world = %v", names)
	}
}

func TestResumeAndExcl(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	must(t, c.Mkdir("world"))
	a, err := c.OpenFile("world/log.txt", os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("part1,")); err != nil {
		t.Fatal(err)
	}
	a.Close()
	// resume: an open without truncation keeps the content and writes at the end
	if a, err = c.OpenFile("world/log.txt", os.O_WRONLY); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WriteAt([]byte("part2"), 6); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(f.Dir, "world/log.txt")); string(got) != "part1,part2" {
		t.Fatalf("resumed file = %q", got)
	}
	if _, err := c.OpenFile("world/missing.txt", os.O_WRONLY); statusCode(err) != codeNoSuchFile {
		t.Fatalf("open a missing file without O_CREATE: %v", err)
	}
	if _, err := c.OpenFile("world/log.txt", os.O_WRONLY|os.O_CREATE|os.O_EXCL); err == nil {
		t.Fatal("O_EXCL over an existing file succeeded")
	}
}

func TestRemove(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	must(t, os.MkdirAll(filepath.Join(f.Dir, "world/region"), 0o755))
	must(t, os.WriteFile(filepath.Join(f.Dir, "world/log.txt"), []byte("log"), 0o644))
	must(t, c.Remove("world/log.txt"))
	if _, err := os.Stat(filepath.Join(f.Dir, "world/log.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("remove left the file: %v", err)
	}
	if err := c.RemoveDirectory("world/region"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.Dir, "world/region")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("rmdir left the folder: %v", err)
	}
	if err := c.RemoveDirectory("world/region"); err == nil {
		t.Fatal("rmdir of a missing folder succeeded")
	}
}

func TestKeyLogin(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	signer, line := sftptest.NewKey(t)
	other, _ := sftptest.NewKey(t)
	f.Auth.SetUser("bob", sftptest.User{ID: 2, Keys: []string{line}, Servers: map[string]bool{"srv1": false}})

	c := dial(t, f, "bob.srv1", ssh.PublicKeys(signer))
	if err := c.Mkdir("bobs"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Dial("bob.srv1", ssh.PublicKeys(other)); err == nil {
		t.Fatal("an unknown key logged in")
	}
	var sawKey bool
	for _, l := range f.Auth.Logins() {
		if l.Username == "bob.srv1" && l.PublicKey == line && l.Password == "" && l.RemoteIP == "127.0.0.1" {
			sawKey = true
		}
	}
	if !sawKey {
		t.Fatalf("the panel was not asked with the key's authorized_keys line: %+v", f.Auth.Logins())
	}
}

func TestLoginRefused(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	f.AddServer(t, "other", 0)
	for _, tc := range []struct{ user, pw string }{
		{"alice.srv1", "wrong"},
		{"alice.srv1", ""},
		{"alice.other", "secret"},   // not granted
		{"alice.missing", "secret"}, // not on this node
		{"alice", "secret"},         // no server
		{"mallory.srv1", "secret"},
	} {
		if _, _, err := f.Dial(tc.user, ssh.Password(tc.pw)); err == nil {
			t.Errorf("%s/%q logged in", tc.user, tc.pw)
		}
	}
	// a grant for a server that is not on this node is refused here too
	f.Auth.SetUser("alice", sftptest.User{ID: 1, Password: "secret", Servers: map[string]bool{"srv1": false, "gone": false}})
	if _, _, err := f.Dial("alice.gone", ssh.Password("secret")); err == nil {
		t.Error("a server missing on this node accepted a login")
	}
	// suspended
	tg, _ := f.Servers.SFTPTarget("srv1")
	tg.Suspended = true
	f.Servers.Set("srv1", tg)
	if _, _, err := f.Dial("alice.srv1", ssh.Password("secret")); err == nil {
		t.Error("a suspended server accepted a login")
	}
}

func TestNoShellExecOrForwarding(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := login(t, f, "alice.srv1", "secret") // the SFTP client holds one channel
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run("id"); err == nil {
		t.Error("exec ran")
	}
	s.Close()
	if s, err = c.NewSession(); err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err == nil {
		t.Error("a shell started")
	}
	s.Close()
	if _, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		t.Error("remote port forwarding accepted")
	}
	if _, err := c.Dial("tcp", f.Addr); err == nil {
		t.Error("local port forwarding (direct-tcpip) accepted")
	}
}

func TestHostKeyPersisted(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	fi, err := os.Stat(f.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v", fi.Mode())
	}
	signer, err := sftp.LoadHostKey(f.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := ssh.FingerprintSHA256(signer.PublicKey()); got != f.Server.HostKeyFingerprint() {
		t.Fatalf("reloaded key %s, server uses %s", got, f.Server.HostKeyFingerprint())
	}
	if signer.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", signer.PublicKey().Type())
	}
	var seen ssh.PublicKey
	c, err := ssh.Dial("tcp", f.Addr, &ssh.ClientConfig{User: "alice.srv1", Auth: []ssh.AuthMethod{ssh.Password("secret")},
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error { seen = k; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if ssh.FingerprintSHA256(seen) != f.Server.HostKeyFingerprint() {
		t.Fatal("the server presented another host key")
	}
}

// TestDefaultCiphers: by default chacha20-poly1305 (slow in x/crypto/ssh) is not offered, so a
// client that prefers it, as OpenSSH's does, negotiates AES; a client with only chacha20 is
// refused.
func TestDefaultCiphers(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	dial := func(ciphers ...string) (*ssh.Client, error) {
		cc := &ssh.ClientConfig{User: "alice.srv1", Auth: []ssh.AuthMethod{ssh.Password("secret")},
			HostKeyCallback: ssh.InsecureIgnoreHostKey()}
		cc.Ciphers = ciphers
		return ssh.Dial("tcp", f.Addr, cc)
	}
	if c, err := dial("chacha20-poly1305@openssh.com"); err == nil {
		c.Close()
		t.Fatal("chacha20-poly1305 was negotiated by default")
	}
	c, err := dial("chacha20-poly1305@openssh.com", "aes128-ctr") // OpenSSH's order
	if err != nil {
		t.Fatalf("a client preferring chacha20 but able to use AES-CTR: %v", err)
	}
	c.Close()
}

func TestCiphers(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{Ciphers: []string{"aes128-gcm@openssh.com"}})
	cfg := func(c string) *ssh.ClientConfig {
		cc := &ssh.ClientConfig{User: "alice.srv1", Auth: []ssh.AuthMethod{ssh.Password("secret")},
			HostKeyCallback: ssh.InsecureIgnoreHostKey()}
		cc.Ciphers = []string{c}
		return cc
	}
	if c, err := ssh.Dial("tcp", f.Addr, cfg("chacha20-poly1305@openssh.com")); err == nil {
		c.Close()
		t.Fatal("a cipher left out was negotiated")
	}
	c, err := ssh.Dial("tcp", f.Addr, cfg("aes128-gcm@openssh.com"))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestChannelsPerConnection(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := login(t, f, "alice.srv1", "secret") // the SFTP client holds one channel
	// at most 10 channels per connection
	var open []*ssh.Session
	for range 9 {
		s, err := c.NewSession()
		if err != nil {
			t.Fatalf("channel %d: %v", len(open)+1, err)
		}
		open = append(open, s)
	}
	if _, err := c.NewSession(); err == nil {
		t.Error("an 11th channel was opened")
	}
}

// TestConcurrentTransfers moves several files at once over one connection (pipelined,
// out-of-order requests on several handles; packet buffers are reused between requests).
func TestConcurrentTransfers(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	const n = 4
	data := make([][]byte, n)
	for i := range data {
		data[i] = randomBytes(t, 4<<20+i*1000)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := c.Create(fmt.Sprintf("f%d.bin", i))
			if err == nil {
				_, err = w.ReadFrom(bytes.NewReader(data[i]))
				err = errors.Join(err, w.Close())
			}
			errs <- err
		}()
	}
	wg.Wait()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Open(fmt.Sprintf("f%d.bin", i))
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			var buf bytes.Buffer
			if _, err := r.WriteTo(&buf); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(buf.Bytes(), data[i]) {
				errs <- fmt.Errorf("f%d.bin came back different", i)
				return
			}
			errs <- nil
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestStatOpenUpload: fstat of a handle being written (pkg/sftp asks for the handle's path)
// describes the upload, not the file it will replace, nor "no such file" for a new one.
func TestStatOpenUpload(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	must(t, os.WriteFile(filepath.Join(f.Dir, "old.txt"), []byte("old content"), 0o644))
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	for _, name := range []string{"new.txt", "old.txt"} {
		w, err := c.Create(name)
		must(t, err)
		_, err = w.Write([]byte("hello"))
		must(t, err)
		fi, err := w.Stat()
		if err != nil || fi.Size() != 5 || !fi.Mode().IsRegular() {
			t.Errorf("fstat of the open upload %s: %v, %v; want 5 bytes", name, fi, err)
		}
		must(t, w.Close())
		if fi, err := c.Stat(name); err != nil || fi.Size() != 5 {
			t.Errorf("stat of %s after close: %v, %v", name, fi, err)
		}
	}
}

// TestMkdirNeedsParent: mkdir makes one folder, like OpenSSH's sftp-server: a missing parent
// is "no such file", not made on the way.
func TestMkdirNeedsParent(t *testing.T) {
	f := sftptest.Start(t, sftp.Options{})
	c := dial(t, f, "alice.srv1", ssh.Password("secret"))
	if err := c.Mkdir("missing/child"); statusCode(err) != codeNoSuchFile {
		t.Errorf("mkdir under a missing folder: %v, want no such file", err)
	}
	if _, err := os.Stat(filepath.Join(f.Dir, "missing")); err == nil {
		t.Error("the missing parent was made")
	}
	must(t, c.Mkdir("missing"))
	must(t, c.Mkdir("missing/child"))
	must(t, os.WriteFile(filepath.Join(f.Dir, "file"), nil, 0o644))
	if err := c.Mkdir("file/child"); err == nil {
		t.Error("mkdir under a file succeeded")
	}
}
