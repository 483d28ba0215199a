package nodeapi

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/sftp/sftptest"
)

func TestSFTPAddr(t *testing.T) {
	for _, c := range []struct {
		listen string
		port   int
		want   string
	}{
		{"", 2022, ""},
		{"0.0.0.0", 2022, "0.0.0.0:2022"},
		{"0.0.0.0", 0, "0.0.0.0:5657"},
		{"127.0.0.1:0", 2022, "127.0.0.1:0"},
		{"10.0.0.5:2222", 2022, "10.0.0.5:2222"},
		{"::", 2022, "[::]:2022"},
		{"[::1]", 2022, "[::1]:2022"},
		{"[::1]:2200", 2022, "[::1]:2200"},
		{"localhost", 2022, "localhost:2022"},
		{":2200", 2022, ":2200"},
	} {
		if got, err := SFTPAddr(c.listen, c.port); err != nil || got != c.want {
			t.Errorf("SFTPAddr(%q, %d) = %q, %v; want %q", c.listen, c.port, got, err, c.want)
		}
	}
	for _, bad := range []string{"0.0.0.0:x", "1.2.3.4:70000", "a b", "host:1:2", "[::1", "-:-"} {
		if got, err := SFTPAddr(bad, 2022); !errors.Is(err, ErrSFTPConfig) {
			t.Errorf("SFTPAddr(%q) = %q, %v; want ErrSFTPConfig", bad, got, err)
		}
	}
}

// TestStartSFTP: a started node serves SFTP over its own Manager and file manager (a file put
// lands in the server's volume); its host key is created 0600 in the data folder and is the
// same after a restart; deleting the server closes its open session at once (the Manager's
// hook, not the periodic re-check); stop closes the listener.
func TestStartSFTP(t *testing.T) {
	dir := t.TempDir()
	var m *daemon.Manager
	s, closeNode, err := Start(t.Context(), fakeStart(filepath.Join(dir, "node"), &m), Options{DataDir: dir, NodeID: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer closeNode()
	if err := s.CreateServer(t.Context(), testDef("srv1")); err != nil {
		t.Fatal(err)
	}
	auth := &sftptest.Auth{}
	auth.SetUser("alice", sftptest.User{ID: 7, Password: "pw", Servers: map[string]bool{"srv1": false}})
	o := SFTPOptions{Listen: "127.0.0.1:0", Auth: auth, CheckInterval: time.Hour}
	addr, stop, err := s.StartSFTP(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, HostKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v, want 0600", fi, err)
	}
	var hostKeys []string
	dial := func(a net.Addr) (*ssh.Client, *pkgsftp.Client) {
		c, err := ssh.Dial("tcp", a.String(), &ssh.ClientConfig{User: "alice.srv1", Auth: []ssh.AuthMethod{ssh.Password("pw")},
			HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
				hostKeys = append(hostKeys, ssh.FingerprintSHA256(k))
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := pkgsftp.NewClient(c)
		if err != nil {
			t.Fatal(err)
		}
		return c, sc
	}
	c, sc := dial(addr)
	f, err := sc.Create("hello.txt")
	if err == nil {
		_, err = f.Write([]byte("hello"))
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	vol, _ := m.VolumeDir("srv1")
	if b, err := os.ReadFile(filepath.Join(vol, "hello.txt")); err != nil || string(b) != "hello" {
		t.Errorf("in the volume: %q, %v", b, err)
	}
	sc.Close()
	c.Close()
	stop()
	if conn, err := net.Dial("tcp", addr.String()); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after stop", addr)
	}

	addr, stop, err = s.StartSFTP(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, sc = dial(addr)
	defer c.Close()
	if len(hostKeys) != 2 || hostKeys[0] != hostKeys[1] {
		t.Errorf("host keys of the two runs: %v, want the same", hostKeys)
	}
	if err := s.DeleteServer(t.Context(), "srv1"); err != nil {
		t.Fatal(err)
	}
	_ = c.Wait() // returns once the node closed the connection (hangs otherwise)
	if _, err := sc.Stat("."); err == nil {
		t.Error("the session of a deleted server still answers")
	}
}
