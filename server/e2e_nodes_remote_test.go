package server_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

// TestJWKSVerifiesPanelTokens: the public key set the panel serves lets a node's real
// Verifier accept tokens the panel's signer (loaded from the same database) mints.
func TestJWKSVerifiesPanelTokens(t *testing.T) {
	env := apitest.Start(t)
	r := env.Do(t, http.MethodGet, "/.well-known/jwks.json", "", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("jwks: %d %s", r.Status, r.Body)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	r.JSON(t, &set)
	if len(set.Keys) != 1 || set.Keys[0]["kty"] != "OKP" || set.Keys[0]["crv"] != "Ed25519" || set.Keys[0]["d"] != "" {
		t.Fatalf("key set %v", set.Keys)
	}
	sealer, err := store.NewSealer(env.Store.Keys.Seal)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := node.LoadSigner(context.Background(), env.Store.Client, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if signer.KeyID() != set.Keys[0]["kid"] {
		t.Fatalf("served kid %q, signer's %q", set.Keys[0]["kid"], signer.KeyID())
	}
	v, err := nodeapi.NewVerifier(nodeapi.VerifierOptions{JWKSURL: env.URL + "/.well-known/jwks.json", NodeID: 4})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := signer.Token(4)
	if err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("a panel token was refused with the served key set: %v", err)
	}
	other, _ := signer.Token(5)
	if err := v.Verify(context.Background(), other); !errors.Is(err, nodeapi.ErrUnauthorized) {
		t.Fatalf("node 5's token on node 4: %v", err)
	}
}

// checkins records the check-ins the handler passes on.
type checkins struct {
	node.LocalOnly
	got []string
}

func (c *checkins) CheckIn(_ context.Context, nodeID int, bootID string) {
	c.got = append(c.got, strconv.Itoa(nodeID)+"/"+bootID)
}

func TestNodeCheckinOnlyByTheNodesOwnClient(t *testing.T) {
	rec := &checkins{}
	env := apitest.Start(t, apitest.WithNodes(rec))
	admin := env.AdminToken(t)
	ids := make([]int64, 2)
	toks := make([]string, 2)
	for i := range ids {
		r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{
			"name": "remote-" + strconv.Itoa(i), "publicHost": "127.0.0.1", "privateHost": "127.0.0.1"})
		var n api.Node
		r.JSON(t, &n)
		if r.Status != http.StatusCreated {
			t.Fatalf("create node: %d %s", r.Status, r.Body)
		}
		ids[i] = n.Id
		var d api.NodeDeployment
		env.Do(t, http.MethodGet, "/api/nodes/"+strconv.FormatInt(n.Id, 10)+"/deployment", admin, nil, nil).JSON(t, &d)
		toks[i] = env.Token(t, d.ClientId, d.ClientSecret)
	}
	path := func(i int) string { return "/api/nodes/" + strconv.FormatInt(ids[i], 10) + "/checkin" }
	body := map[string]any{"bootId": "boot-a", "version": "test"}

	if r := env.DoJSON(t, http.MethodPost, path(0), toks[0], body); r.Status != http.StatusNoContent {
		t.Fatalf("own check-in: %d %s", r.Status, r.Body)
	}
	env.DoJSON(t, http.MethodPost, path(1), toks[0], body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.DoJSON(t, http.MethodPost, path(0), admin, body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.DoJSON(t, http.MethodPost, path(0), toks[0], map[string]any{"bootId": ""}).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	want := strconv.FormatInt(ids[0], 10) + "/boot-a"
	if len(rec.got) != 1 || rec.got[0] != want {
		t.Fatalf("check-ins passed on: %v, want [%s]", rec.got, want)
	}
}
