package nodetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server/node"
)

// EchoPrefix is what servers of Def print before an echoed stdin line.
const EchoPrefix = "echo:"

// Def is a standard-environment definition the fake runtime runs: it prints "ready", echoes
// stdin lines and stops on "stop"; 10 MiB of disk.
func Def(id string) daemonapi.Definition {
	return daemonapi.Definition{Id: id, Name: "test " + id, Environment: daemonapi.EnvironmentStandard,
		Startup: "echo ready; read line", StopCommand: ptr("stop"),
		Limits: daemonapi.Limits{MemoryMiB: ptr(int64(256)), DiskMiB: ptr(int64(10))}}
}

// logWriter sends a component's logs to t.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// Logger logs to t at level.
func Logger(t testing.TB, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: level}))
}

// NewService returns a node in process: a *nodeapi.Service over a real daemon.Manager (data
// in a temporary folder) with the fake runtime as the standard environment.
func NewService(t testing.TB, nodeID int) *nodeapi.Service {
	t.Helper()
	dir := t.TempDir()
	log := Logger(t, slog.LevelWarn)
	runtimes := map[string]rt.Runtime{rt.EnvStandard: fake.New(fake.Options{Environment: rt.EnvStandard, ExitOnLine: "stop"})}
	m, err := daemon.New(daemon.Options{DataDir: dir, Runtimes: runtimes, Logger: log,
		StopTimeout: 2 * time.Second, TermTimeout: time.Second, StatsInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, err := nodeapi.New(nodeapi.Options{DataDir: dir, Runtimes: runtimes, Manager: m, Logger: log, NodeID: nodeID, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return s
}

// LocalEnv is the contract's environment for the in-process Service.
func LocalEnv(t *testing.T) Env {
	return Env{Node: NewService(t, 7), NodeID: 7, Def: Def, EchoPrefix: EchoPrefix}
}

// RemoteEnv is the contract's environment for Remote → HTTP → Handler(Service).
func RemoteEnv(t *testing.T) Env {
	d := Serve(t, NewService(t, 7), 7, NewSigner(t))
	return Env{Node: d.Remote(t, nil), NodeID: 7, Def: Def, EchoPrefix: EchoPrefix}
}

// NewSigner returns a panel Signer with a fresh key.
func NewSigner(t testing.TB) *node.Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := node.NewSigner("test-key", key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Daemon is a node served on loopback as `skypanel daemon` serves it: nodeapi.Handler with the
// real Verifier, checking tokens against the panel's JWKS. Every response it sends, to any
// client, is checked against daemon.yaml.
type Daemon struct {
	NodeID int
	Signer *node.Signer
	Server *httptest.Server
	// Blackhole, while set, makes the node accept requests and never answer (a hung or
	// partitioned node).
	Blackhole atomic.Bool
	// Held counts the requests the blackhole has swallowed.
	Held atomic.Int32
	// Checked checks every response the Remotes receive against daemon.yaml.
	Checked *apispec.Transport

	jwksURL string
	handler atomic.Pointer[http.Handler]
}

// Serve serves n for node nodeID with tokens of signer, its key set served by a stand-in panel.
func Serve(t testing.TB, n nodeapi.Node, nodeID int, signer *node.Signer) *Daemon {
	t.Helper()
	panel := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(signer.JWKS())
	}))
	t.Cleanup(panel.Close)
	return ServePanel(t, n, nodeID, signer, panel.URL+"/.well-known/jwks.json")
}

// ServePanel serves n for node nodeID, verifying tokens with the key set at jwksURL (a real
// panel's); signer signs the tokens of the Remotes the Daemon makes.
func ServePanel(t testing.TB, n nodeapi.Node, nodeID int, signer *node.Signer, jwksURL string) *Daemon {
	t.Helper()
	d := &Daemon{NodeID: nodeID, Signer: signer, jwksURL: jwksURL}
	d.Replace(t, n)
	closing := make(chan struct{})
	spec, err := apispec.Load(context.Background(), skypanel.DaemonAPI, apispec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checked := checkResponses(t, spec, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*d.handler.Load()).ServeHTTP(w, r)
	}))
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Blackhole.Load() {
			d.Held.Add(1)
			_, _ = io.Copy(io.Discard, r.Body) // then a client that gives up cancels r's context
			select {
			case <-r.Context().Done():
			case <-closing:
			}
			return
		}
		checked.ServeHTTP(w, r)
	}))
	t.Cleanup(d.Server.Close)
	t.Cleanup(func() { close(closing) }) // first: held requests end

	base, err := node.NewTransport(node.TransportOptions{InsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(base.CloseIdleConnections)
	d.Checked = apispec.NewTransport(spec, base, func(err error) { t.Errorf("daemon.yaml: %v", err) })
	return d
}

// Replace serves n from now on with a new Verifier, as a restarted daemon on the same address.
func (d *Daemon) Replace(t testing.TB, n nodeapi.Node) {
	t.Helper()
	v, err := nodeapi.NewVerifier(nodeapi.VerifierOptions{JWKSURL: d.jwksURL, NodeID: d.NodeID})
	if err != nil {
		t.Fatal(err)
	}
	h := nodeapi.Handler(n, nodeapi.HandlerOptions{Verifier: v, Logger: Logger(t, slog.LevelWarn)})
	d.handler.Store(&h)
}

// HostPort is the node's address.
func (d *Daemon) HostPort() (string, int) {
	host, port, _ := net.SplitHostPort(d.Server.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	return host, p
}

// Remote returns the panel's client of the node (responses checked against daemon.yaml);
// onFailure (may be nil) hears about calls that found the node unavailable.
func (d *Daemon) Remote(t testing.TB, onFailure func(error)) *node.Remote {
	t.Helper()
	host, port := d.HostPort()
	r, err := node.NewRemote(node.RemoteOptions{NodeID: d.NodeID, Host: host, Port: port, Scheme: "http",
		Tokens: d.Signer, Transport: d.Checked, OnFailure: onFailure, Logger: Logger(t, slog.LevelWarn)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
