package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

// buildBinary builds cmd/skypanel into dir and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "skypanel")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// waitOutput waits until out contains s, or the process ends (a failure).
func waitOutput(t *testing.T, out *syncBuffer, exited <-chan error, s string) {
	t.Helper()
	deadline := time.After(60 * time.Second) // only turns a hang into a failure
	for !strings.Contains(out.String(), s) {
		select {
		case err := <-exited:
			t.Fatalf("daemon exited (%v) before %q:\n%s", err, s, out.String())
		case <-deadline:
			t.Fatalf("daemon never logged %q:\n%s", s, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestDaemonBinary: the real `skypanel daemon` binary, started with the deployment
// credentials a panel (started by the test, on loopback) gives for a new node, checks in,
// serves the node API to a token signed with the panel's key, refuses requests without one
// (or replayed, for another node, forged), and stops on SIGTERM.
func TestDaemonBinary(t *testing.T) {
	bin := buildBinary(t)
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	port := freePort(t)
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{
		"name": "remote-1", "publicHost": "127.0.0.1", "privateHost": "127.0.0.1", "privatePort": port})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("create node: %d %s", r.Status, r.Body)
	}
	var nodeRow struct {
		ID int `json:"id"`
	}
	r.JSON(t, &nodeRow)
	r = env.Do(t, http.MethodGet, fmt.Sprintf("/api/nodes/%d/deployment", nodeRow.ID), admin, nil, nil)
	var dep struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	r.JSON(t, &dep)
	if r.Status != http.StatusOK || dep.ClientID != fmt.Sprintf(".node_%d", nodeRow.ID) {
		t.Fatalf("deployment: %d %s", r.Status, r.Body)
	}

	dir := t.TempDir()
	cmd := exec.Command(bin, "--log-level", "info", "--data", filepath.Join(dir, "data"), "daemon",
		"--panel", env.URL, "--client-id", dep.ClientID, "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--insecure-http", "--containerd", "/nonexistent/skypanel-test.sock", "--standard-servers", "off",
		"--volumes", filepath.Join(dir, "volumes"), "--cni-state-dir", filepath.Join(dir, "cni"))
	cmd.Env = append(os.Environ(), "SKYPANEL_CLIENT_SECRET="+dep.ClientSecret) // the secret from the environment
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	waitOutput(t, &out, exited, "checked in with the panel")
	if !strings.Contains(out.String(), "UNSAFE") {
		t.Errorf("--insecure-http was not warned about:\n%s", out.String())
	}

	// Direct requests to the node API, every response checked against daemon.yaml.
	spec, err := apispec.Load(t.Context(), skypanel.DaemonAPI, apispec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: apispec.NewTransport(spec, nil, func(err error) { t.Errorf("daemon.yaml: %v", err) })}
	get := func(auth string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/v1/health", port), nil)
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
	// A token the panel signs (its key, loaded from its database as the panel does) is served.
	sealer, err := store.NewSealer(env.Store.Keys.Seal)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := node.LoadSigner(t.Context(), env.Store.Client, sealer)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signer.Token(nodeRow.ID)
	if err != nil {
		t.Fatal(err)
	}
	status, body := get("Bearer " + tok)
	var h struct {
		NodeID int    `json:"nodeId"`
		BootID string `json:"bootId"`
	}
	_ = json.Unmarshal(body, &h)
	if status != http.StatusOK || h.NodeID != nodeRow.ID || h.BootID == "" {
		t.Fatalf("health with the panel's token: %d %s", status, body)
	}
	// Anyone else is refused: no token, the same token again (replay), the panel's token for
	// another node, a token signed with another key under the panel's kid.
	other, _ := signer.Token(nodeRow.ID + 1)
	for name, auth := range map[string]string{"no token": "", "replayed token": "Bearer " + tok,
		"token for another node": "Bearer " + other, "forged token": "Bearer " + forgedToken(t, env.URL, nodeRow.ID)} {
		status, body := get(auth)
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if status != http.StatusUnauthorized || e.Error.Code != "ErrUnauthorized" {
			t.Errorf("%s: %d %s, want 401 ErrUnauthorized", name, status, body)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "SkyPanel node stopped") {
		t.Errorf("no stop line:\n%s", out.String())
	}
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
