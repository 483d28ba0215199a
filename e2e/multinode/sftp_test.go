package multinode

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/e2e/internal/opensftp"
)

// remoteSFTPSize is the size of the round-trip file (64 MiB).
const remoteSFTPSize = 64 << 20

// TestRemoteSFTP: node a's daemon serves SFTP with its defaults (0.0.0.0:5657 inside its
// namespace), reached from the root namespace at its veth address, every login decided by the
// panel over HTTP with the daemon's deployment token. A tenant's password login puts a file
// and gets it back (equal sha256); it lands in node a's server folder, owned by the server's
// uid, and shows in the files API. The administrator's key (registered through POST
// /api/self/ssh-keys) lists it; a wrong password and another user's server are refused; after
// five wrong passwords the right one is refused with the lockout's banner.
func TestRemoteSFTP(t *testing.T) {
	opensftp.Require(t)
	cl := newCluster(t)
	a := cl.nodes[0]
	ctx := context.Background()
	wctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	if err := a.WaitOutput(wctx, 0, "SFTP serving"); err != nil {
		t.Fatalf("node a: %v\n%s", err, a.Tail(40))
	}
	addr := net.JoinHostPort(a.Node.Addr.String(), "5657")
	tenantID := cl.user(t, "sftpremote", "remote-pass-1", "server.view", "server.files.view", "server.files.edit")
	b := cl.createBody(a, echoLoop)
	b.OwnerId = tenantID
	s := &server{cl: cl, id: "sftp-" + cl.run, node: a}
	if r, err := cl.c.CreateServerWithResponse(ctx, s.id, b); err != nil || r.StatusCode() != http.StatusCreated {
		t.Fatalf("PUT /api/servers/%s: %v %s", s.id, err, body(r))
	}
	other := cl.create(t, "sftpother", a) // the administrator's

	dir := t.TempDir()
	src, sum := opensftp.RandomFile(t, dir, remoteSFTPSize)
	back := filepath.Join(dir, "back.bin")
	tenant := remoteLogin{addr: addr, user: "sftpremote." + s.id, password: "remote-pass-1"}
	tenant.run(t, true, "mkdir maps", "put "+src+" maps/world.bin", "ls -l maps", "get maps/world.bin "+back)
	if got := opensftp.SHA256(t, back); got != sum {
		t.Fatalf("got back sha256 %s, put %s", got, sum)
	}
	vol := filepath.Join(a.Dir, "volumes", s.id)
	onNode := filepath.Join(vol, "maps", "world.bin")
	if opensftp.SHA256(t, onNode) != sum {
		t.Errorf("%s on node a differs from what was put", onNode)
	}
	want, _ := os.Stat(vol)
	if fi, err := os.Stat(onNode); err != nil || want == nil ||
		fi.Sys().(*syscall.Stat_t).Uid != want.Sys().(*syscall.Stat_t).Uid || want.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Errorf("%s: %v; want the owner of the server folder (not root)", onNode, err)
	}
	resp, list := cl.panelRequest(t, http.MethodGet, "/api/servers/"+s.id+"/file/maps", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(list), `"world.bin"`) {
		t.Errorf("files API: %d %s", resp.StatusCode, list)
	}

	admin := cl.adminKeyLogin(t, addr, s.id)
	if out := admin.run(t, true, "ls -l maps"); !strings.Contains(out, "world.bin") {
		t.Errorf("the administrator's listing:\n%s", out)
	}
	tenant.run(t, true, "rm maps/world.bin", "rmdir maps")

	remoteRefusals(t, tenant, other.id)
	s.remove(t)
	other.remove(t)
}

// adminKeyLogin registers a new key for the administrator (POST /api/self/ssh-keys) and
// returns its key login to server id.
func (cl *cluster) adminKeyLogin(t *testing.T, addr, id string) remoteLogin {
	t.Helper()
	ctx := context.Background()
	key, pub := opensftp.NewKey(t, t.TempDir())
	if r, err := cl.c.CreateSelfSshKeyWithResponse(ctx, api.SshKeyCreate{Name: "e2e", PublicKey: pub}); err != nil || r.JSON201 == nil {
		t.Fatalf("POST /api/self/ssh-keys: %v %s", err, body(r))
	}
	self, err := cl.c.GetSelfWithResponse(ctx)
	if err != nil || self.JSON200 == nil || self.JSON200.User == nil {
		t.Fatalf("GET /api/self: %v %s", err, body(self))
	}
	return remoteLogin{addr: addr, user: self.JSON200.User.Username + "." + id, key: key}
}

// remoteRefusals: a wrong password and another user's server (otherID) are refused; after
// five wrong passwords the right one is refused too, and the daemon tells the client how
// long (the panel's 429 Retry-After, over HTTP).
func remoteRefusals(t *testing.T, tenant remoteLogin, otherID string) {
	t.Helper()
	wrong := tenant
	wrong.password = "not-the-password"
	wrong.run(t, false, "ls")
	foreign := tenant
	foreign.user = tenant.user[:strings.LastIndexByte(tenant.user, '.')+1] + otherID
	foreign.run(t, false, "ls")
	for range 4 {
		wrong.run(t, false, "ls")
	}
	tenant.banners = true
	if out := tenant.run(t, false, "ls"); !strings.Contains(out, "Too many failed logins: try again in") {
		t.Errorf("the right password after five failures:\n%s", out)
	}
}

// user creates a non-admin user with a password and scopes and returns its id.
func (cl *cluster) user(t *testing.T, name, password string, scopes ...string) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := cl.c.CreateUserWithResponse(ctx, api.UserCreate{Username: name,
		Email: openapi_types.Email(name + "@example.com"), Password: &password})
	if err != nil || u.JSON201 == nil {
		t.Fatalf("create user: %v %s", err, body(u))
	}
	grants := make([]api.GrantScope, len(scopes))
	for i, s := range scopes {
		grants[i] = api.GrantScope(s)
	}
	if r, err := cl.c.SetUserPermsWithResponse(ctx, u.JSON201.Id, api.UserPermsUpdate{Scopes: grants}); err != nil ||
		r.StatusCode() != http.StatusNoContent {
		t.Fatalf("set perms: %v %s", err, body(r))
	}
	return u.JSON201.Id
}

// remoteLogin runs OpenSSH's `sftp -b` against a node: a password (sshpass, $SSHPASS) or a key.
type remoteLogin struct {
	addr, user, password, key string
	banners                   bool // show the server's banners (LogLevel INFO)
}

// run runs commands in one session; ok says whether they must succeed or the session be refused.
func (l remoteLogin) run(t *testing.T, ok bool, commands ...string) string {
	t.Helper()
	login := opensftp.Login{Addr: l.addr, User: l.user, Password: l.password, Key: l.key, Banners: l.banners}
	out, err := login.Command(t, opensftp.Batch(t, commands...)).CombinedOutput()
	if ok && err != nil {
		t.Fatalf("sftp %s %q: %v\n%s", l.user, commands, err, out)
	}
	if !ok && err == nil {
		t.Errorf("sftp %s %q succeeded, want refused\n%s", l.user, commands, out)
	}
	return string(out)
}
