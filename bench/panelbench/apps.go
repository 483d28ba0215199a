package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// unlimited is a rate limit no benchmark reaches.
var unlimited = server.RateLimit{Limit: 1e9, Window: time.Hour}

// panel is the real App (server.New) on the seeded data folder, served on loopback, with the
// embedded local node backed by a real daemon.Manager (host runtime, no instances).
type panel struct {
	URL   string
	Store *store.Store
	OAuth *oauth.Provider
	mgr   *daemon.Manager
	stop  context.CancelFunc
	done  chan error
}

// openStore opens the store and the OAuth2 provider of dir (creating the database).
func openStore(ctx context.Context, dir string) (*store.Store, *oauth.Provider, error) {
	st, err := store.Open(ctx, dir, nil)
	if err != nil {
		return nil, nil, err
	}
	op, err := oauth.New(ctx, oauth.Options{Client: st.Client, GlobalSecret: st.Keys.OAuth2, SecretKey: st.Keys.SecretHash})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, op, nil
}

// startPanel builds and serves the App. withNode=false passes nil Nodes (status "unknown"
// without asking a node).
func startPanel(ctx context.Context, dir string, st *store.Store, op *oauth.Provider, withNode bool, log *slog.Logger) (*panel, error) {
	p := &panel{Store: st, OAuth: op, done: make(chan error, 1)}
	var nodes node.Finder
	if withNode {
		nodeDir := filepath.Join(dir, "node")
		hr, err := host.New(host.Options{StateDir: filepath.Join(nodeDir, "host"), Mode: host.ModeUnisolated, UID: 65534, GID: 65534,
			CgroupParent: host.NoCgroups, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("host runtime: %w", err)
		}
		runtimes := map[string]rt.Runtime{rt.EnvStandard: hr}
		if p.mgr, err = daemon.New(daemon.Options{DataDir: nodeDir, Runtimes: runtimes, Logger: log}); err != nil {
			return nil, err
		}
		local, err := nodeapi.New(nodeapi.Options{DataDir: dir, Runtimes: runtimes, Manager: p.mgr, Logger: log})
		if err != nil {
			return nil, err
		}
		nodes = node.LocalOnly{Local: local}
	}
	cfg := server.Default()
	cfg.DataDir, cfg.ClientLimit, cfg.IPLimit = dir, unlimited, unlimited
	app, err := server.New(ctx, server.Deps{Config: cfg, Logger: log, Store: st, OAuth: op, Nodes: nodes})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.URL = "http://" + ln.Addr().String()
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p.stop = stop
	go func() { p.done <- app.Serve(sctx, ln) }()
	return p, nil
}

// Close shuts the App down and closes the daemon manager and the store.
func (p *panel) Close() error {
	p.stop()
	err := <-p.done
	if p.mgr != nil {
		p.mgr.Close()
	}
	return errors.Join(err, p.Store.Close())
}

// bare is a gin engine with one route answering fixed bytes: the baseline.
type bare struct {
	URL string
	srv *http.Server
}

// startBare serves body on method path with a bare gin engine (gin.New, one route).
func startBare(method, path, contentType string, body []byte) (*bare, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Handle(method, path, func(c *gin.Context) {
		if c.Request.Body != nil {
			_, _ = io.Copy(io.Discard, c.Request.Body)
		}
		c.Data(http.StatusOK, contentType, body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &bare{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

func (b *bare) Close() { _ = b.srv.Close() }

// capture is one real response: status, content type and body.
type capture struct {
	Status      int
	ContentType string
	Body        []byte
}

func fetch(req *http.Request) (capture, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return capture{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return capture{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}, err
}

// getAPI GETs base+path with the bearer token.
func getAPI(base, token, path string) (capture, error) {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return capture{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return fetch(req)
}

// tokenForm is the client credentials request body.
func tokenForm(id, secret string) string {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
}

func postToken(base, form string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader(form))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// issueToken gets an access token over HTTP and returns it with the captured response.
func issueToken(base, form string) (string, capture, error) {
	req, err := postToken(base, form)
	if err != nil {
		return "", capture{}, err
	}
	c, err := fetch(req)
	if err != nil {
		return "", c, err
	}
	if c.Status != http.StatusOK {
		return "", c, fmt.Errorf("POST /oauth2/token: %d %s", c.Status, c.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(c.Body, &tok); err != nil || tok.AccessToken == "" {
		return "", c, fmt.Errorf("POST /oauth2/token: no access_token in %s", c.Body)
	}
	return tok.AccessToken, c, nil
}

// errorLogger logs errors only (a 5xx during a run would show on stderr).
func errorLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
