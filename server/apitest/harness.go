package apitest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// Env is a running panel for one test: a real SQLite store in a temporary data folder, the
// OAuth2 provider, the App served over loopback, and the bootstrap administrator.
type Env struct {
	URL               string // http://127.0.0.1:port, no trailing slash
	DataDir           string
	Config            server.Config
	Store             *store.Store
	OAuth             *oauth.Provider
	App               *server.App
	Panel             *server.Panel // what server.Open opened
	LocalNode         *ent.Node     // created by Bootstrap
	AdminID           int           // the bootstrap administrator
	AdminClientID     string        // its admin OAuth2 client
	AdminClientSecret string
	BootstrapOutput   string // what Bootstrap printed (empty when the data folder was not fresh)
}

// Option changes how Start builds the Env.
type Option func(*settings)

type settings struct {
	cfg        server.Config
	dataDir    string
	revalidate time.Duration
	nodes      node.Finder
	logLevel   slog.Level
}

// WithConfig edits the server configuration (rate limits, body limit, token TTL, ...).
// Config.TokenTTL is passed to the OAuth2 provider as its token lifetime.
func WithConfig(fn func(*server.Config)) Option { return func(s *settings) { fn(&s.cfg) } }

// WithRateLimits sets the per-client and per-IP limits (requests per window).
func WithRateLimits(client, ip int, window time.Duration) Option {
	return func(s *settings) {
		s.cfg.ClientLimit = server.RateLimit{Limit: client, Window: window}
		s.cfg.IPLimit = server.RateLimit{Limit: ip, Window: window}
	}
}

// WithDataDir uses an existing data folder instead of a fresh temporary one (a second App on
// the same data, or the CLI and a running App side by side). The caller owns the folder.
func WithDataDir(dir string) Option { return func(s *settings) { s.dataDir = dir } }

// WithCacheRevalidate sets oauth.Options.CacheRevalidate: how long the App trusts a cached
// token before re-reading it (bounds how late it sees a revocation made by another process).
func WithCacheRevalidate(d time.Duration) Option { return func(s *settings) { s.revalidate = d } }

// WithNodes replaces the node registry (default: the embedded local node, no container runtime).
func WithNodes(n node.Finder) Option { return func(s *settings) { s.nodes = n } }

// WithLogLevel sets the level of the App's log, which goes to the test's output.
func WithLogLevel(l slog.Level) Option { return func(s *settings) { s.logLevel = l } }

// LoopbackOnly is an HTTP client that connects only to loopback IP literals and "localhost"
// (without resolving any other name) and never follows redirects: the webhook client of
// every test panel, whose webhook URLs may be made up (spec fuzzing).
func LoopbackOnly() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if host == "localhost" {
			host = "127.0.0.1"
		}
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("apitest: no connection to %s: tests talk to loopback only", addr)
		}
		return d.DialContext(ctx, network, net.JoinHostPort(host, port))
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Start opens the panel (server.Open: a real store, bootstrap, the local node or the
// WithNodes finder, the App) and serves it on a loopback listener. Everything is closed in
// t.Cleanup. Rate limits default to values no test reaches.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	s := settings{cfg: server.Default(), logLevel: slog.LevelWarn}
	s.cfg.ClientLimit = server.RateLimit{Limit: 1 << 30, Window: time.Hour}
	s.cfg.IPLimit = server.RateLimit{Limit: 1 << 30, Window: time.Hour}
	s.cfg.Webhooks.Client = LoopbackOnly() // tests never send webhooks (or DNS queries) elsewhere
	for _, o := range opts {
		o(&s)
	}
	if s.dataDir == "" {
		s.dataDir = t.TempDir()
	}
	s.cfg.DataDir = s.dataDir
	s.cfg.TokenRevalidate = s.revalidate
	s.cfg.Node.Finder = s.nodes
	s.cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: s.logLevel}))
	var out bytes.Buffer
	s.cfg.BootstrapOutput = &out
	srv := httptest.NewUnstartedServer(nil)
	s.cfg.Listener = srv.Listener
	p, err := server.Open(context.Background(), s.cfg)
	if err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	t.Cleanup(p.Close)
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close) // registered last: runs first, before the panel closes

	e := &Env{URL: srv.URL, DataDir: s.dataDir, Config: s.cfg, Store: p.Store, OAuth: p.OAuth, App: p.App,
		Panel: p, LocalNode: p.LocalNode, BootstrapOutput: out.String()}
	e.findAdmin(t)
	return e
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// findAdmin reads the admin client from the bootstrap output, or (data folder not fresh)
// creates a new admin client for the first administrator.
func (e *Env) findAdmin(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	admin, err := e.Store.Client.User.Query().Where(user.Admin(true)).Order(ent.Asc(user.FieldID)).First(ctx)
	if err != nil {
		t.Fatalf("find the administrator: %v", err)
	}
	e.AdminID = admin.ID
	id, sec := clientIDLine.FindStringSubmatch(e.BootstrapOutput), secretLine.FindStringSubmatch(e.BootstrapOutput)
	if id != nil && sec != nil {
		e.AdminClientID, e.AdminClientSecret = id[1], sec[1]
		return
	}
	e.AdminClientID, e.AdminClientSecret = e.NewClient(t, admin.ID, "admin")
}
