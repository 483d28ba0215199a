package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"

	"github.com/skypanel/skypanel/daemon/nodeapi"
)

// TestDaemonBinary: the real `skypanel daemon` binary, started with the deployment
// credentials a panel (started by the test, on loopback) gives for a new node, checks in,
// serves the node API to a token signed with the panel's key, refuses requests without one
// (or replayed, for another node, forged), and stops on SIGTERM.
func TestDaemonBinary(t *testing.T) {
	bin := buildBinary(t)
	n := newRemoteNode(t)
	dir := t.TempDir()
	d := startDaemon(t, bin, n.secret, n.args(dir, "--standard-servers", "off"))
	if !strings.Contains(d.out.String(), "UNSAFE") {
		t.Errorf("--insecure-http was not warned about:\n%s", d.out.String())
	}
	client := n.httpClient(t, false)
	get := func(auth string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, n.url()+"/v1/health", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	tok, err := n.signer.Token(n.id)
	if err != nil {
		t.Fatal(err)
	}
	status, body := get("Bearer " + tok)
	var h struct {
		NodeID int    `json:"nodeId"`
		BootID string `json:"bootId"`
	}
	_ = json.Unmarshal(body, &h)
	if status != http.StatusOK || h.NodeID != n.id || h.BootID == "" {
		t.Fatalf("health with the panel's token: %d %s", status, body)
	}
	other, _ := n.signer.Token(n.id + 1)
	for name, auth := range map[string]string{"no token": "", "replayed token": "Bearer " + tok,
		"token for another node": "Bearer " + other, "forged token": "Bearer " + forgedToken(t, n.env.URL, n.id)} {
		status, body := get(auth)
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if status != http.StatusUnauthorized || e.Error.Code != "ErrUnauthorized" {
			t.Errorf("%s: %d %s, want 401 ErrUnauthorized", name, status, body)
		}
	}
	d.stop(t)
}

// forgedToken is a well-formed node token for nodeID under the kid the panel publishes, but
// signed with a key of the test's own.
func forgedToken(t *testing.T, panelURL string, nodeID int) string {
	t.Helper()
	resp, err := http.Get(panelURL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("panel JWKS: %v %+v", err, set)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), set.Keys[0].KeyID))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: nodeapi.TokenIssuer, Audience: jwt.Audience{nodeapi.Audience(nodeID)},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)),
		ID: "forged-1"}).CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
