package daemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/daemon/sftp/sftptest"
	"github.com/skypanel/skypanel/runtime"
)

// TestSFTPOnManager runs the SFTP server on a real Manager: files land in the server's volume
// under its disk limit, and suspending or deleting a server closes its sessions at once.
func TestSFTPOnManager(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.Limits.DiskMiB = 1
	mustCreate(t, m, def)
	mustCreate(t, m, testDef("s2", "echo"))
	if _, ok := m.SFTPTarget("nope"); ok {
		t.Fatal("SFTPTarget of a missing server")
	}
	// no periodic check: only the hook can close the sessions
	f := sftptest.Start(t, sftp.Options{Servers: m, Files: m.Files(), CheckInterval: time.Hour})
	m.OnAccessLost(f.Server.ServerChanged)
	f.Auth.SetUser("alice", sftptest.User{ID: 1, Password: "pw", Servers: map[string]bool{"s1": false, "s2": false}})

	c1, s1, err := f.Dial("alice.s1", ssh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	w, err := s1.Create("hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dir, err := m.VolumeDir("s1")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "hello.txt")); err != nil || string(data) != "hi" {
		t.Fatalf("hello.txt in the volume: %q, %v", data, err)
	}
	big := make([]byte, 2<<20)
	_, _ = rand.Read(big)
	if w, err = s1.Create("big.bin"); err == nil {
		_, err = w.ReadFrom(bytes.NewReader(big))
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		t.Fatal("2 MiB passed the server's 1 MiB disk limit")
	}

	c2, s2, err := f.Dial("alice.s2", ssh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	defer s2.Close()

	def.Suspended = true
	if _, err := m.Update(ctx, def); err != nil {
		t.Fatal(err)
	}
	_ = c1.Wait() // closed by the hook
	if _, _, err := f.Dial("alice.s1", ssh.Password("pw")); err == nil {
		t.Fatal("a suspended server accepted a login")
	}
	if err := m.Delete(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	_ = c2.Wait()
	if _, _, err := f.Dial("alice.s2", ssh.Password("pw")); err == nil {
		t.Fatal("a deleted server accepted a login")
	}
}
