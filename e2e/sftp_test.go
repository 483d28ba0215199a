package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/e2e/internal/opensftp"
)

// sftpFileSize is the size of the round-trip file (200 MiB).
const sftpFileSize = 200 << 20

// TestSFTP drives the local node's SFTP server of a real `skypanel serve` with OpenSSH's own
// client (`sftp -b`): a tenant with its panel password (sshpass) and the administrator with a
// key registered through POST /api/self/ssh-keys each round-trip a 200 MiB file (put, rename,
// ls, get with an equal sha256, rm, rmdir); the files belong to the server's uid and show in
// the files API. A read-only user (no server.files.edit) reads but every write is refused;
// links planted in the server folder and hostile paths reach nothing outside it (sftpHostile);
// another user's server and unknown servers are refused; five wrong passwords lock the login
// out (the right one is then refused too, the panel answering 429); a suspended server
// refuses logins and its open session is cut, and so is the session of a deleted server. The
// host key (<data>/sftp_host_ed25519_key, 0600) is the same after a restart.
func TestSFTP(t *testing.T) {
	opensftp.Require(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root: standard servers run as their own uids only then")
	}
	t.Parallel()
	addr := freeAddr(t)
	p := startPanel(t, "/nonexistent.sock", "--sftp-listen", addr, "--sftp-check-interval", "1s")
	e := environments[0]
	tenantID, token := p.tenant(t, "sftptenant", "server.view", "server.files.view", "server.files.edit")
	readerID := p.user(t, "sftpreader", "reader-pass-1", "server.view", "server.files.view")
	own := p.ownedBy(t, serverID("sftp", e), tenantID)
	read := p.ownedBy(t, serverID("sftpro", e), readerID)
	tenant := sftpLogin{addr: addr, user: "sftptenant." + own.id, password: "tenant-pass-1"}
	reader := sftpLogin{addr: addr, user: "sftpreader." + read.id, password: "reader-pass-1"}
	src, sum := opensftp.RandomFile(t, t.TempDir(), sftpFileSize)

	t.Run("tenant password round trip", func(t *testing.T) {
		sftpRoundTrip(t, tenant, own, p.clientOf(t, token), src, sum)
	})
	t.Run("administrator key round trip", func(t *testing.T) { sftpAdminKey(t, p, addr, own, read, src, sum) })
	t.Run("read-only user", func(t *testing.T) { sftpReadOnly(t, reader, read) })
	t.Run("planted symlinks and hostile paths", func(t *testing.T) { sftpHostile(t, tenant, own) })
	t.Run("other servers refused", func(t *testing.T) {
		for _, l := range []sftpLogin{
			{addr: addr, user: "sftptenant." + read.id, password: tenant.password},   // the reader's server
			{addr: addr, user: "sftpreader." + own.id, password: reader.password},    // the tenant's server
			{addr: addr, user: "sftptenant.nosuchserver", password: tenant.password}, // no such server
			{addr: addr, user: "sftptenant", password: tenant.password},              // no server at all
		} {
			l.refused(t, "login "+l.user, "ls")
		}
	})
	t.Run("lockout", func(t *testing.T) { sftpLockout(t, p, reader) })
	t.Run("suspension", func(t *testing.T) { sftpSuspension(t, p, tenant, own) })
	t.Run("deletion", func(t *testing.T) { sftpDeletion(t, p, tenant, tenantID) })
	t.Run("host key kept across restarts", func(t *testing.T) {
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		p.launch(t)
		keys := hostKeyLine.FindAllStringSubmatch(p.output(), -1)
		if len(keys) != 2 || keys[0][1] != keys[1][1] {
			t.Errorf("host keys logged by the two runs: %q, want the same twice", keys)
		}
		fi, err := os.Stat(filepath.Join(p.dir, "sftp_host_ed25519_key"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("host key file: %v %v, want 0600", fi, err)
		}
		tenant.mustRun(t, "ls")
	})
}

// sftpAdminKey: the administrator registers a key (POST /api/self/ssh-keys) and round-trips
// src on s with it; the same key logs it in to another server (other) too.
func sftpAdminKey(t *testing.T, p *panel, addr string, s, other *server, src, sum string) {
	t.Helper()
	admin := p.client(t)
	key, pub := opensftp.NewKey(t, t.TempDir())
	r, err := admin.CreateSelfSshKeyWithResponse(context.Background(), api.SshKeyCreate{Name: "e2e", PublicKey: pub})
	if err != nil || r.JSON201 == nil {
		t.Fatalf("POST /api/self/ssh-keys: %v %s", err, body(r))
	}
	self, err := admin.GetSelfWithResponse(context.Background())
	if err != nil || self.JSON200 == nil || self.JSON200.User == nil {
		t.Fatalf("GET /api/self: %v %s", err, body(self))
	}
	login := sftpLogin{addr: addr, user: self.JSON200.User.Username + "." + s.id, key: key}
	sftpRoundTrip(t, login, s, admin, src, sum)
	// the same key on another login name is still this user: any server of the panel
	sftpLogin{addr: addr, user: self.JSON200.User.Username + "." + other.id, key: key}.mustRun(t, "ls")
}

// sftpSuspension: suspending the server cuts l's open session and refuses new logins;
// unsuspending lets l in again.
func sftpSuspension(t *testing.T, p *panel, l sftpLogin, s *server) {
	t.Helper()
	c := p.client(t)
	ctx := context.Background()
	session := l.open(t)
	if r, err := c.SuspendServerWithResponse(ctx, s.id); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("suspend: %v %s", err, body(r))
	}
	session.waitClosed(t, "server suspended")
	l.refused(t, "login to a suspended server", "ls")
	if r, err := c.UnsuspendServerWithResponse(ctx, s.id); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("unsuspend: %v %s", err, body(r))
	}
	l.mustRun(t, "ls")
}

// sftpDeletion: deleting a new server of owner (tenant's user, with tenant's password) cuts
// the open session to it and refuses new logins.
func sftpDeletion(t *testing.T, p *panel, tenant sftpLogin, owner int64) {
	t.Helper()
	gone := p.ownedBy(t, serverID("sftpdel", environments[0]), owner)
	login := tenant
	login.user = tenant.user[:strings.LastIndexByte(tenant.user, '.')+1] + gone.id
	session := login.open(t)
	if r, err := p.client(t).DeleteServerWithResponse(context.Background(), gone.id, nil); err != nil || r.StatusCode() >= 300 {
		t.Fatalf("delete: %v %s", err, body(r))
	}
	session.waitClosed(t, "server deleted")
	login.refused(t, "login to a deleted server", "ls")
}

// hostKeyLine is the node's "SFTP serving" log line with its host key fingerprint.
var hostKeyLine = regexp.MustCompile(`msg="SFTP serving".* hostKey=(SHA256:\S+)`)

// sftpRoundTrip puts src (sha256 sum) into a new folder of s, renames and lists it, gets it
// back (same sha256), checks it belongs to the server's uid and shows in the files API (c),
// then removes it.
func sftpRoundTrip(t *testing.T, l sftpLogin, s *server, c *api.ClientWithResponses, src, sum string) {
	t.Helper()
	back := filepath.Join(t.TempDir(), "back.bin")
	out := l.mustRun(t, "mkdir up", "put "+src+" up/big.bin", "rename up/big.bin up/moved.bin", "ls -l up", "get up/moved.bin "+back)
	listed := ""
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "sftp>") {
			listed += line + "\n"
		}
	}
	if !strings.Contains(listed, " moved.bin\n") || strings.Contains(listed, "big.bin") {
		t.Errorf("ls after the rename:\n%s", out)
	}
	if got := opensftp.SHA256(t, back); got != sum {
		t.Fatalf("got back sha256 %s, put %s", got, sum)
	}
	_ = os.Remove(back)
	vol := s.p.volumeDir(s.id)
	for _, path := range []string{filepath.Join(vol, "up"), filepath.Join(vol, "up", "moved.bin")} {
		assertOwner(t, path, vol)
	}
	r, err := c.GetServerFileWithResponse(context.Background(), s.id, "up", nil)
	if err != nil || r.JSON200 == nil {
		t.Fatalf("files API, folder up: %v %s", err, body(r))
	}
	if !slices.ContainsFunc(r.JSON200.Files, func(f api.FileEntry) bool {
		return f.Name == "moved.bin" && f.IsFile && f.Size == sftpFileSize
	}) {
		t.Errorf("files API lists %+v, want moved.bin of %d bytes", r.JSON200.Files, sftpFileSize)
	}
	l.mustRun(t, "rm up/moved.bin", "rmdir up")
	if _, err := os.Stat(filepath.Join(vol, "up")); !os.IsNotExist(err) {
		t.Errorf("up still there after rm and rmdir: %v", err)
	}
}

// assertOwner checks that path belongs to the uid and gid of the server folder vol (not root).
func assertOwner(t *testing.T, path, vol string) {
	t.Helper()
	want, err := os.Stat(vol)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	w, g := want.Sys().(*syscall.Stat_t), fi.Sys().(*syscall.Stat_t)
	if g.Uid != w.Uid || g.Gid != w.Gid || w.Uid == 0 {
		t.Errorf("%s belongs to %d:%d, want the server's %d:%d", path, g.Uid, g.Gid, w.Uid, w.Gid)
	}
}

// sftpReadOnly: the reader gets a file the administrator put, and every write is refused
// with nothing changed.
func sftpReadOnly(t *testing.T, reader sftpLogin, s *server) {
	t.Helper()
	put, err := s.c.PutServerFileWithBodyWithResponse(context.Background(), s.id, "readme.txt", nil,
		"application/octet-stream", strings.NewReader("hello reader"))
	if err != nil || put.StatusCode() >= 300 {
		t.Fatalf("upload through the API: %v %s", err, body(put))
	}
	local := filepath.Join(t.TempDir(), "readme.txt")
	reader.mustRun(t, "ls", "get readme.txt "+local)
	if b, err := os.ReadFile(local); err != nil || string(b) != "hello reader" {
		t.Errorf("got %q, %v", b, err)
	}
	small := filepath.Join(t.TempDir(), "small.txt")
	if err := os.WriteFile(small, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"put " + small + " new.txt", "put " + small + " readme.txt", "mkdir newdir",
		"rm readme.txt", "rename readme.txt other.txt"} {
		reader.refused(t, "read-only: "+cmd, cmd)
	}
	entries, err := os.ReadDir(s.p.volumeDir(s.id))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	b, _ := os.ReadFile(filepath.Join(s.p.volumeDir(s.id), "readme.txt"))
	if !slices.Equal(names, []string{"readme.txt"}) || string(b) != "hello reader" {
		t.Errorf("after the refused writes: %v, readme.txt %q", names, b)
	}
}

// ownedBy creates a standard server (never started) owned by user owner.
func (p *panel) ownedBy(t *testing.T, id string, owner int64) *server {
	t.Helper()
	e := environments[0]
	b := p.body(e, echoLoop)
	b.OwnerId = owner
	return p.create(t, id, e, b)
}

// user creates a non-admin user with a password and scopes and returns its id.
func (p *panel) user(t *testing.T, name, password string, scopes ...string) int64 {
	t.Helper()
	ctx := context.Background()
	c := p.client(t)
	u, err := c.CreateUserWithResponse(ctx, api.UserCreate{Username: name, Email: openapi_types.Email(name + "@example.com"), Password: &password})
	if err != nil || u.JSON201 == nil {
		t.Fatalf("create user: %v %s", err, body(u))
	}
	grants := make([]api.GrantScope, len(scopes))
	for i, s := range scopes {
		grants[i] = api.GrantScope(s)
	}
	if r, err := c.SetUserPermsWithResponse(ctx, u.JSON201.Id, api.UserPermsUpdate{Scopes: grants}); err != nil ||
		r.StatusCode() != http.StatusNoContent {
		t.Fatalf("set perms: %v %s", err, body(r))
	}
	return u.JSON201.Id
}
