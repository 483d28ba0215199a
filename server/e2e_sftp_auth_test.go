package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// sftpEnv is a panel with the local node and one more node, each with its deployment token,
// and users in every role the grant rule distinguishes.
type sftpEnv struct {
	*apitest.Env
	admin               string // bootstrap admin token
	local, other        int64  // node ids
	localTok, otherTok  string // their deployment clients' tokens
	owner, reader, none int    // owner: view+edit; reader: view only; none: no file scope
	adminUser, stranger int    // an administrator; another tenant with view+edit
	srv, readerSrv      string // owner's and reader's servers on the local node
	noneSrv, otherSrv   string // none's server on local; owner's server on the other node
}

func startSFTPEnv(t *testing.T) *sftpEnv {
	t.Helper()
	e := &sftpEnv{Env: apitest.Start(t)}
	e.admin = e.AdminToken(t)
	e.local = int64(e.LocalNode.ID)
	r := e.DoJSON(t, http.MethodPost, "/api/nodes", e.admin, map[string]any{
		"name": "other", "publicHost": "127.0.0.1", "privateHost": "127.0.0.1"})
	var n api.Node
	if r.JSON(t, &n); r.Status != http.StatusCreated {
		t.Fatalf("create node: %d %s", r.Status, r.Body)
	}
	e.other = n.Id
	e.localTok, e.otherTok = e.nodeToken(t, e.local), e.nodeToken(t, e.other)
	rw := []string{"server.view", "server.files.view", "server.files.edit"}
	e.owner = e.NewUser(t, "owner", false, rw)
	e.reader = e.NewUser(t, "reader", false, []string{"server.files.view"})
	e.none = e.NewUser(t, "none", false, []string{"server.view"})
	e.adminUser = e.NewUser(t, "boss", true, []string{"admin"})
	e.stranger = e.NewUser(t, "stranger", false, rw)
	e.srv = e.NewServerRow(t, e.owner, int(e.local), "owned")
	e.readerSrv = e.NewServerRow(t, e.reader, int(e.local), "read")
	e.noneSrv = e.NewServerRow(t, e.none, int(e.local), "nofiles")
	e.otherSrv = e.NewServerRow(t, e.owner, int(e.other), "elsewhere")
	return e
}

// deployment returns the node's deployment credentials.
func (e *sftpEnv) deployment(t *testing.T, id int64) api.NodeDeployment {
	t.Helper()
	var d api.NodeDeployment
	r := e.Do(t, http.MethodGet, "/api/nodes/"+strconv.FormatInt(id, 10)+"/deployment", e.admin, nil, nil)
	if r.JSON(t, &d); r.Status != http.StatusOK {
		t.Fatalf("deployment of node %d: %d %s", id, r.Status, r.Body)
	}
	return d
}

func (e *sftpEnv) nodeToken(t *testing.T, id int64) string {
	d := e.deployment(t, id)
	return e.Token(t, d.ClientId, d.ClientSecret)
}

func sftpPath(node int64, op string) string {
	return "/api/nodes/" + strconv.FormatInt(node, 10) + "/sftp/" + op
}

// auth asks as the local node.
func (e *sftpEnv) auth(t *testing.T, body map[string]any) *apitest.Response {
	t.Helper()
	return e.DoJSON(t, http.MethodPost, sftpPath(e.local, "auth"), e.localTok, body)
}

func (e *sftpEnv) check(t *testing.T, body map[string]any) *apitest.Response {
	t.Helper()
	return e.DoJSON(t, http.MethodPost, sftpPath(e.local, "check"), e.localTok, body)
}

func pw(login, ip string) map[string]any {
	return map[string]any{"username": login, "password": apitest.TestPassword, "remoteIp": ip}
}

func grantOf(t *testing.T, r *apitest.Response) api.SftpGrant {
	t.Helper()
	var g api.SftpGrant
	if r.JSON(t, &g); r.Status != http.StatusOK {
		t.Fatalf("want a grant: %d %s", r.Status, r.Body)
	}
	return g
}

// newSSHKey returns a fresh ed25519 public key in authorized_keys form ("type base64").
func newSSHKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

// TestSFTPAuthRules: every rule of the grant, one client address per case (no lockout).
func TestSFTPAuthRules(t *testing.T) {
	e := startSFTPEnv(t)
	granted := []struct {
		name, login string
		userID      int
		readOnly    bool
	}{
		{"owner read-write", "owner." + e.srv, e.owner, false},
		{"view-only user read-only", "reader." + e.readerSrv, e.reader, true},
		{"admin on another's server", "boss." + e.srv, e.adminUser, false},
	}
	for i, c := range granted {
		t.Run(c.name, func(t *testing.T) {
			g := grantOf(t, e.auth(t, pw(c.login, "10.0.0."+strconv.Itoa(i+1))))
			want := api.SftpGrant{UserId: int64(c.userID), Username: c.login[:strings.LastIndexByte(c.login, '.')],
				ServerId: c.login[strings.LastIndexByte(c.login, '.')+1:], ReadOnly: c.readOnly}
			if g.UserId != want.UserId || g.Username != want.Username || g.ServerId != want.ServerId ||
				g.ReadOnly != want.ReadOnly || g.KeyId != nil {
				t.Fatalf("grant = %+v, want %+v", g, want)
			}
		})
	}
	denied := []struct{ name, login, password string }{
		{"wrong password", "owner." + e.srv, "wrong-password-1"},
		{"unknown user", "nobody." + e.srv, apitest.TestPassword},
		{"unknown server", "owner.NOSUCH01", apitest.TestPassword},
		{"no dot", "owner", apitest.TestPassword},
		{"empty server id", "owner.", apitest.TestPassword},
		{"another user's server", "stranger." + e.srv, apitest.TestPassword},
		{"server on another node", "owner." + e.otherSrv, apitest.TestPassword},
		{"no server.files.view", "none." + e.noneSrv, apitest.TestPassword},
		{"case matters in the username", "OWNER." + e.srv, apitest.TestPassword},
	}
	var first []byte
	for i, c := range denied {
		t.Run(c.name, func(t *testing.T) {
			r := e.auth(t, map[string]any{"username": c.login, "password": c.password, "remoteIp": "10.0.1." + strconv.Itoa(i+1)})
			r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
			if first == nil {
				first = r.Body
			}
			if !bytes.Equal(r.Body, first) {
				t.Fatalf("refusal %s differs from the first one %s: an oracle", r.Body, first)
			}
		})
	}
	t.Run("suspended server", func(t *testing.T) {
		id := e.NewServerRow(t, e.owner, int(e.local), "susp")
		if err := e.Store.Client.Server.UpdateOneID(id).SetSuspended(true).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.auth(t, pw("owner."+id, "10.0.2.1")).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("bad bodies", func(t *testing.T) {
		both := pw("owner."+e.srv, "10.0.2.2")
		both["publicKey"] = newSSHKey(t)
		e.auth(t, both).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		e.auth(t, map[string]any{"username": "owner." + e.srv, "remoteIp": "10.0.2.2"}).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		e.auth(t, pw("owner."+e.srv, "not-an-ip")).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	})
}

// TestSFTPAuthOnlyOwnNode: only the node's own deployment client may ask for that node.
func TestSFTPAuthOnlyOwnNode(t *testing.T) {
	e := startSFTPEnv(t)
	body := pw("owner."+e.otherSrv, "10.0.3.1")
	e.DoJSON(t, http.MethodPost, sftpPath(e.other, "auth"), e.localTok, body).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	e.DoJSON(t, http.MethodPost, sftpPath(e.other, "check"), e.localTok,
		map[string]any{"userId": e.owner, "serverId": e.otherSrv}).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	e.DoJSON(t, http.MethodPost, sftpPath(e.local, "auth"), e.admin, pw("owner."+e.srv, "10.0.3.2")).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	userTok, _ := e.UserToken(t, "tenant", false, "server.files.view")
	e.DoJSON(t, http.MethodPost, sftpPath(e.local, "auth"), userTok, pw("owner."+e.srv, "10.0.3.3")).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	// the other node's own client is granted its own server
	g := grantOf(t, e.DoJSON(t, http.MethodPost, sftpPath(e.other, "auth"), e.otherTok, body))
	if g.ServerId != e.otherSrv || g.ReadOnly {
		t.Fatalf("grant = %+v", g)
	}
}

// TestSFTPAuthKeyLogin: a registered key logs in (the grant names it); an unregistered key,
// another user's key and a removed key do not.
func TestSFTPAuthKeyLogin(t *testing.T) {
	e := startSFTPEnv(t)
	ownerTok := e.userTok(t, e.owner, "server.files.view", "server.files.edit")
	key, strangerKey := newSSHKey(t), newSSHKey(t)
	var k api.SshKey
	r := e.DoJSON(t, http.MethodPost, "/api/self/ssh-keys", ownerTok, map[string]any{"name": "laptop", "publicKey": key + " me@laptop"})
	if r.JSON(t, &k); r.Status != http.StatusCreated {
		t.Fatalf("add key: %d %s", r.Status, r.Body)
	}
	strangerTok := e.userTok(t, e.stranger, "server.files.edit")
	if r := e.DoJSON(t, http.MethodPost, "/api/self/ssh-keys", strangerTok, map[string]any{"name": "s", "publicKey": strangerKey}); r.Status != http.StatusCreated {
		t.Fatalf("add stranger key: %d %s", r.Status, r.Body)
	}
	login := func(user, pub, ip string) *apitest.Response {
		return e.auth(t, map[string]any{"username": user + "." + e.srv, "publicKey": pub, "remoteIp": ip})
	}
	g := grantOf(t, login("owner", key, "10.0.4.1"))
	if g.KeyId == nil || *g.KeyId != k.Id || g.UserId != int64(e.owner) || g.ReadOnly {
		t.Fatalf("key grant = %+v, want key %d", g, k.Id)
	}
	login("owner", newSSHKey(t), "10.0.4.2").ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	login("owner", strangerKey, "10.0.4.3").ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	login("owner", "not a key", "10.0.4.4").ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	login("stranger", strangerKey, "10.0.4.5").ExpectError(t, http.StatusForbidden, server.CodePermissionDenied) // not its server

	check := map[string]any{"userId": e.owner, "serverId": e.srv, "keyId": k.Id}
	grantOf(t, e.check(t, check))
	if r := e.Do(t, http.MethodDelete, "/api/self/ssh-keys/"+strconv.FormatInt(k.Id, 10), ownerTok, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete key: %d %s", r.Status, r.Body)
	}
	e.check(t, check).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	login("owner", key, "10.0.4.6").ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
}

// userTok is a token of an existing user's new client holding scopes.
func (e *sftpEnv) userTok(t *testing.T, userID int, scopes ...string) string {
	t.Helper()
	id, secret := e.NewClient(t, userID, scopes...)
	return e.Token(t, id, secret)
}

// TestSFTPCheck: the re-check follows permission changes, suspension, moves and deletions.
func TestSFTPCheck(t *testing.T) {
	e := startSFTPEnv(t)
	ctx := context.Background()
	body := map[string]any{"userId": e.owner, "serverId": e.srv}
	if g := grantOf(t, e.check(t, body)); g.ReadOnly || g.Username != "owner" || g.KeyId != nil {
		t.Fatalf("check = %+v", g)
	}
	setPerms := func(scopes ...string) {
		r := e.DoJSON(t, http.MethodPut, "/api/users/"+strconv.Itoa(e.owner)+"/perms", e.admin, map[string]any{"scopes": scopes})
		if r.Status/100 != 2 {
			t.Fatalf("set perms: %d %s", r.Status, r.Body)
		}
	}
	setPerms("server.files.view")
	if g := grantOf(t, e.check(t, body)); !g.ReadOnly {
		t.Fatalf("after losing server.files.edit: %+v, want readOnly", g)
	}
	setPerms("server.view")
	e.check(t, body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	setPerms("server.files.view", "server.files.edit")
	grantOf(t, e.check(t, body))

	db := e.Store.Client
	steps := []struct {
		name        string
		do, restore func() error
	}{
		{"suspended", func() error { return db.Server.UpdateOneID(e.srv).SetSuspended(true).Exec(ctx) },
			func() error { return db.Server.UpdateOneID(e.srv).SetSuspended(false).Exec(ctx) }},
		{"moved to another node", func() error { return db.Server.UpdateOneID(e.srv).SetNodeID(int(e.other)).Exec(ctx) },
			func() error { return db.Server.UpdateOneID(e.srv).SetNodeID(int(e.local)).Exec(ctx) }},
		{"given to another user", func() error { return db.Server.UpdateOneID(e.srv).SetOwnerID(e.stranger).Exec(ctx) },
			func() error { return db.Server.UpdateOneID(e.srv).SetOwnerID(e.owner).Exec(ctx) }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			e.check(t, body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
			if err := s.restore(); err != nil {
				t.Fatal(err)
			}
			grantOf(t, e.check(t, body))
		})
	}
	t.Run("server deleted", func(t *testing.T) {
		if err := db.Server.DeleteOneID(e.srv).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		e.check(t, body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("user deleted", func(t *testing.T) {
		// an administrator owns no server (a user with servers cannot be deleted) and is
		// granted any server: only its deletion can refuse it
		id := e.NewUser(t, "gone", true, []string{"admin"})
		gone := map[string]any{"userId": id, "serverId": e.noneSrv}
		grantOf(t, e.check(t, gone))
		if r := e.Do(t, http.MethodDelete, "/api/users/"+strconv.Itoa(id), e.admin, nil, nil); r.Status/100 != 2 {
			t.Fatalf("delete user: %d %s", r.Status, r.Body)
		}
		e.check(t, gone).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("admin on any server", func(t *testing.T) {
		g := grantOf(t, e.check(t, map[string]any{"userId": e.adminUser, "serverId": e.noneSrv}))
		if g.ReadOnly || g.Username != "boss" {
			t.Fatalf("admin check = %+v", g)
		}
	})
}
