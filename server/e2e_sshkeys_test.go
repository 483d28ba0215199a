package server_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

func authorizedKey(t *testing.T, pub any) string {
	t.Helper()
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatalf("ssh key: %v", err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

func rsaKey(t *testing.T, bits int) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return authorizedKey(t, &k.PublicKey)
}

func ecdsaKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return authorizedKey(t, &k.PublicKey)
}

// dsaKey is an ssh-dss key in wire form (x/crypto no longer builds them; its numbers are not
// a real group: the panel must refuse the type, not the maths).
func dsaKey(t *testing.T) string {
	t.Helper()
	n := func(bits int) *big.Int { v, _ := rand.Prime(rand.Reader, bits); return v }
	wire := ssh.Marshal(struct {
		Name       string
		P, Q, G, Y *big.Int
	}{"ssh-dss", n(1024), n(160), big.NewInt(2), n(1000)})
	return "ssh-dss " + base64.StdEncoding.EncodeToString(wire)
}

// certKey is an ed25519 user certificate signed by a fresh CA.
func certKey(t *testing.T) string {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	_, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	pk, _ := ssh.NewPublicKey(pub)
	signer, err := ssh.NewSignerFromKey(caPriv)
	if err != nil {
		t.Fatal(err)
	}
	cert := &ssh.Certificate{Key: pk, CertType: ssh.UserCert, ValidPrincipals: []string{"owner"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, signer); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(cert)))
}

func addKey(t *testing.T, env *apitest.Env, tok, name, key string) *apitest.Response {
	t.Helper()
	return env.DoJSON(t, http.MethodPost, "/api/self/ssh-keys", tok, map[string]any{"name": name, "publicKey": key})
}

func listKeys(t *testing.T, env *apitest.Env, tok, query string) api.SshKeyList {
	t.Helper()
	var l api.SshKeyList
	r := env.Do(t, http.MethodGet, "/api/self/ssh-keys"+query, tok, nil, nil)
	if r.JSON(t, &l); r.Status != http.StatusOK {
		t.Fatalf("list keys: %d %s", r.Status, r.Body)
	}
	return l
}

// TestSSHKeysCRUD: add (normalised, fingerprinted, options and comment dropped), list, delete.
func TestSSHKeysCRUD(t *testing.T) {
	env := apitest.Start(t)
	tok, _ := env.UserToken(t, "keyowner", false, "server.files.view", "server.files.edit")
	ed := newSSHKey(t)
	r := addKey(t, env, tok, "laptop", `no-pty,command="/bin/true" `+ed+" me@laptop")
	var k api.SshKey
	if r.JSON(t, &k); r.Status != http.StatusCreated {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(ed))
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "laptop" || k.PublicKey != ed || k.Fingerprint != ssh.FingerprintSHA256(pk) || k.Id < 1 || k.Created.IsZero() {
		t.Fatalf("created = %+v, want key %q fingerprint %s", k, ed, ssh.FingerprintSHA256(pk))
	}
	for _, key := range []string{ecdsaKey(t), rsaKey(t, 2048)} {
		if r := addKey(t, env, tok, "more", key); r.Status != http.StatusCreated {
			t.Fatalf("add %s: %d %s", key[:20], r.Status, r.Body)
		}
	}
	l := listKeys(t, env, tok, "")
	if len(l.SshKeys) != 3 || l.Metadata.Paging.Total != 3 || l.SshKeys[0].Id != k.Id || !strings.HasPrefix(l.SshKeys[1].PublicKey, "ecdsa-sha2-nistp256 ") ||
		!strings.HasPrefix(l.SshKeys[2].PublicKey, "ssh-rsa ") {
		t.Fatalf("list = %+v", l)
	}
	if p := listKeys(t, env, tok, "?page=2&limit=2"); len(p.SshKeys) != 1 || p.SshKeys[0].Id != l.SshKeys[2].Id {
		t.Fatalf("page 2 = %+v", p)
	}
	del := env.Do(t, http.MethodDelete, "/api/self/ssh-keys/"+strconv.FormatInt(k.Id, 10), tok, nil, nil)
	if del.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", del.Status, del.Body)
	}
	env.Do(t, http.MethodDelete, "/api/self/ssh-keys/"+strconv.FormatInt(k.Id, 10), tok, nil, nil).
		ExpectError(t, http.StatusNotFound, server.CodeNotFound)
	if l := listKeys(t, env, tok, ""); len(l.SshKeys) != 2 {
		t.Fatalf("after delete: %+v", l)
	}
}

// TestSSHKeysRefused: unparsable, weak and unsupported keys are 400 on publicKey; a
// duplicate (even with another comment) is 409; the 21st key is 409.
func TestSSHKeysRefused(t *testing.T) {
	env := apitest.Start(t)
	tok, _ := env.UserToken(t, "keyowner", false, "server.files.view", "server.files.edit")
	bad := map[string]string{
		"garbage":       "this is not an ssh key at all",
		"truncated":     newSSHKey(t)[:40],
		"rsa 1024":      rsaKey(t, 1024),
		"dsa":           dsaKey(t),
		"certificate":   certKey(t),
		"two keys":      newSSHKey(t) + "\n" + newSSHKey(t),
		"private bytes": "-----BEGIN OPENSSH PRIVATE KEY-----",
	}
	for name, key := range bad {
		t.Run(name, func(t *testing.T) {
			d := addKey(t, env, tok, name, key).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
			if d.Metadata == nil || (*d.Metadata)["field"] != "publicKey" {
				t.Fatalf("metadata = %v, want field publicKey", d.Metadata)
			}
		})
	}
	key := newSSHKey(t)
	if r := addKey(t, env, tok, "one", key+" first"); r.Status != http.StatusCreated {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	addKey(t, env, tok, "again", key+" second").ExpectError(t, http.StatusConflict, server.CodeConflict)
	for i := 2; i <= 20; i++ {
		if r := addKey(t, env, tok, "k"+strconv.Itoa(i), newSSHKey(t)); r.Status != http.StatusCreated {
			t.Fatalf("key %d: %d %s", i, r.Status, r.Body)
		}
	}
	addKey(t, env, tok, "k21", newSSHKey(t)).ExpectError(t, http.StatusConflict, server.CodeConflict)
	if l := listKeys(t, env, tok, "?limit=100"); l.Metadata.Paging.Total != 20 {
		t.Fatalf("total = %d, want 20", l.Metadata.Paging.Total)
	}
}

// TestSSHKeysPerUser: a key belongs to its user: another user neither lists nor deletes it
// (404), may register the same key for itself, and deleting the user deletes its keys.
func TestSSHKeysPerUser(t *testing.T) {
	env := apitest.Start(t)
	aTok, aID := env.UserToken(t, "alice", false, "server.files.view", "server.files.edit")
	bTok, _ := env.UserToken(t, "bob", false, "server.files.view", "server.files.edit")
	viewTok, _ := env.UserToken(t, "viewer", false, "server.files.view")
	key := newSSHKey(t)
	var k api.SshKey
	addKey(t, env, aTok, "a", key).JSON(t, &k)
	if l := listKeys(t, env, bTok, ""); len(l.SshKeys) != 0 || l.Metadata.Paging.Total != 0 {
		t.Fatalf("bob sees %+v", l)
	}
	env.Do(t, http.MethodDelete, "/api/self/ssh-keys/"+strconv.FormatInt(k.Id, 10), bTok, nil, nil).
		ExpectError(t, http.StatusNotFound, server.CodeNotFound)
	if r := addKey(t, env, bTok, "b", key); r.Status != http.StatusCreated {
		t.Fatalf("bob adds the same key: %d %s", r.Status, r.Body)
	}
	addKey(t, env, viewTok, "v", newSSHKey(t)).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	if l := listKeys(t, env, viewTok, ""); len(l.SshKeys) != 0 {
		t.Fatalf("viewer sees %+v", l)
	}
	if r := env.Do(t, http.MethodDelete, "/api/users/"+strconv.Itoa(aID), env.AdminToken(t), nil, nil); r.Status/100 != 2 {
		t.Fatalf("delete alice: %d %s", r.Status, r.Body)
	}
	if n := env.Store.Client.SSHKey.Query().CountX(t.Context()); n != 1 {
		t.Fatalf("keys left after deleting alice: %d, want bob's 1", n)
	}
}
