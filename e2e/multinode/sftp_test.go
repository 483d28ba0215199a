package multinode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/skypanel/skypanel/api"
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
	for _, bin := range []string{"sftp", "sshpass", "ssh-keygen"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not installed (Debian packages openssh-client, sshpass: scripts/install-deps.sh)", bin)
		}
	}
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
	src, sum := filepath.Join(dir, "src.bin"), writeRandom(t, filepath.Join(dir, "src.bin"))
	back := filepath.Join(dir, "back.bin")
	tenant := remoteLogin{addr: addr, user: "sftpremote." + s.id, password: "remote-pass-1"}
	tenant.run(t, true, "mkdir maps", "put "+src+" maps/world.bin", "ls -l maps", "get maps/world.bin "+back)
	if got := sha256Of(t, back); got != sum {
		t.Fatalf("got back sha256 %s, put %s", got, sum)
	}
	vol := filepath.Join(a.Dir, "volumes", s.id)
	onNode := filepath.Join(vol, "maps", "world.bin")
	if sha256Of(t, onNode) != sum {
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

	key := filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, _ := os.ReadFile(key + ".pub")
	if r, err := cl.c.CreateSelfSshKeyWithResponse(ctx, api.SshKeyCreate{Name: "e2e", PublicKey: strings.TrimSpace(string(pub))}); err != nil || r.JSON201 == nil {
		t.Fatalf("POST /api/self/ssh-keys: %v %s", err, body(r))
	}
	self, err := cl.c.GetSelfWithResponse(ctx)
	if err != nil || self.JSON200 == nil || self.JSON200.User == nil {
		t.Fatalf("GET /api/self: %v %s", err, body(self))
	}
	admin := remoteLogin{addr: addr, user: self.JSON200.User.Username + "." + s.id, key: key}
	if out := admin.run(t, true, "ls -l maps"); !strings.Contains(out, "world.bin") {
		t.Errorf("the administrator's listing:\n%s", out)
	}
	tenant.run(t, true, "rm maps/world.bin", "rmdir maps")

	wrong := tenant
	wrong.password = "not-the-password"
	wrong.run(t, false, "ls")
	foreign := tenant
	foreign.user = "sftpremote." + other.id
	foreign.run(t, false, "ls")
	// four more wrong passwords lock the login out: the right one is refused too, and the
	// daemon tells the client how long (the panel's 429 Retry-After, over HTTP)
	for range 4 {
		wrong.run(t, false, "ls")
	}
	tenant.banners = true
	if out := tenant.run(t, false, "ls"); !strings.Contains(out, "Too many failed logins: try again in") {
		t.Errorf("the right password after five failures:\n%s", out)
	}
	s.remove(t)
	other.remove(t)
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
	host, port, _ := net.SplitHostPort(l.addr)
	batch := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(batch, []byte(strings.Join(commands, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	level := map[bool]string{false: "ERROR", true: "INFO"}[l.banners]
	args := []string{"-b", batch, "-P", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=" + level, "-o", "ConnectTimeout=30", "-o", "IdentityAgent=none"}
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
		args = append(args, "-i", l.key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", l.user+"@"+host)
		cmd = exec.Command("sftp", args...)
	}
	out, err := cmd.CombinedOutput()
	if ok && err != nil {
		t.Fatalf("sftp %s %q: %v\n%s", l.user, commands, err, out)
	}
	if !ok && err == nil {
		t.Errorf("sftp %s %q succeeded, want refused\n%s", l.user, commands, out)
	}
	return string(out)
}

// writeRandom writes remoteSFTPSize pseudo-random bytes to path and returns their sha256.
func writeRandom(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.NewChaCha8([32]byte{byte(rand.Uint32())}), remoteSFTPSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Of(t *testing.T, path string) string {
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
