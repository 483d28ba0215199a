package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

// buildBinary builds cmd/skypanel into a temporary folder and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "skypanel")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// remoteNode is a node registered in a panel the test started (in process, on loopback),
// with its deployment credentials and the panel's token signer.
type remoteNode struct {
	env      *apitest.Env
	id       int
	clientID string
	secret   string
	port     int // privatePort: where the daemon listens
	signer   *node.Signer
}

func newRemoteNode(t *testing.T) *remoteNode {
	t.Helper()
	env := apitest.Start(t, apitest.WithConfig(func(c *server.Config) { c.NodeInsecureHTTP = true }))
	admin := env.AdminToken(t)
	n := &remoteNode{env: env, port: freePort(t)}
	r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{
		"name": "remote-1", "publicHost": "127.0.0.1", "privateHost": "127.0.0.1", "privatePort": n.port})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("create node: %d %s", r.Status, r.Body)
	}
	var row struct {
		ID int `json:"id"`
	}
	r.JSON(t, &row)
	n.id = row.ID
	r = env.Do(t, http.MethodGet, fmt.Sprintf("/api/nodes/%d/deployment", n.id), admin, nil, nil)
	var dep struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	r.JSON(t, &dep)
	if r.Status != http.StatusOK || dep.ClientID != fmt.Sprintf(".node_%d", n.id) {
		t.Fatalf("deployment: %d %s", r.Status, r.Body)
	}
	n.clientID, n.secret = dep.ClientID, dep.ClientSecret
	// The panel's key, loaded from its database as the panel does.
	sealer, err := store.NewSealer(env.Store.Keys.Seal)
	if err != nil {
		t.Fatal(err)
	}
	if n.signer, err = node.LoadSigner(t.Context(), env.Store.Client, sealer); err != nil {
		t.Fatal(err)
	}
	return n
}

// args are the daemon's command line for this node, data and volumes under dir.
func (n *remoteNode) args(dir string, extra ...string) []string {
	return append([]string{"--log-level", "info", "--data", filepath.Join(dir, "data"), "daemon",
		"--panel", n.env.URL, "--client-id", n.clientID, "--listen", fmt.Sprintf("127.0.0.1:%d", n.port),
		"--insecure-http", "--containerd", "/nonexistent/skypanel-test.sock", "--sftp-listen", "127.0.0.1:0",
		"--volumes", filepath.Join(dir, "volumes"), "--cni-state-dir", filepath.Join(dir, "cni")}, extra...)
}

// url is the node API's base URL.
func (n *remoteNode) url() string { return fmt.Sprintf("http://127.0.0.1:%d", n.port) }

// httpClient checks every response against daemon.yaml; with signed, each request carries a
// fresh token from the panel's signer.
func (n *remoteNode) httpClient(t *testing.T, signed bool) *http.Client {
	t.Helper()
	spec, err := apispec.Load(t.Context(), skypanel.DaemonAPI, apispec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var base http.RoundTripper = apispec.NewTransport(spec, nil, func(err error) { t.Errorf("daemon.yaml: %v", err) })
	if signed {
		base = signingTransport{base: base, sign: func() (string, error) { return n.signer.Token(n.id) }}
	}
	return &http.Client{Transport: base}
}

// api is the generated daemon client with panel tokens.
func (n *remoteNode) api(t *testing.T) *daemonapi.ClientWithResponses {
	t.Helper()
	c, err := daemonapi.NewClientWithResponses(n.url(), daemonapi.WithHTTPClient(n.httpClient(t, true)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type signingTransport struct {
	base http.RoundTripper
	sign func() (string, error)
}

func (s signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := s.sign()
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+tok)
	return s.base.RoundTrip(req)
}

// daemonProc is a running `skypanel daemon`.
type daemonProc struct {
	cmd     *exec.Cmd
	out     *syncBuffer
	exited  chan error
	stopped bool // stop waited for the exit
}

// startDaemon starts the binary with args and the client secret in the environment, and
// waits until it checked in with the panel.
func startDaemon(t *testing.T, bin, secret string, args []string) *daemonProc {
	t.Helper()
	d := &daemonProc{cmd: exec.Command(bin, args...), out: &syncBuffer{}, exited: make(chan error, 1)}
	d.cmd.Env = append(os.Environ(), "SKYPANEL_CLIENT_SECRET="+secret) // the secret from the environment
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(func() {
		if !d.stopped {
			_ = d.cmd.Process.Kill()
			t.Logf("daemon killed at cleanup: %v", <-d.exited)
		}
	})
	d.waitOutput(t, "checked in with the panel")
	return d
}

// waitOutput waits until the daemon logged s; its exit first is a failure.
func (d *daemonProc) waitOutput(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(60 * time.Second) // only turns a hang into a failure
	for !strings.Contains(d.out.String(), s) {
		select {
		case err := <-d.exited:
			d.exited <- err
			t.Fatalf("daemon exited (%v) before %q:\n%s", err, s, d.out.String())
		case <-deadline:
			t.Fatalf("daemon never logged %q:\n%s", s, d.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and requires a clean exit.
func (d *daemonProc) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := <-d.exited
	d.stopped = true
	if err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, d.out.String())
	}
	if !strings.Contains(d.out.String(), "SkyPanel node stopped") {
		t.Errorf("no stop line:\n%s", d.out.String())
	}
}
