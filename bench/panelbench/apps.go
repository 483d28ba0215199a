package main

import (
	"context"
	"encoding/json"
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

	"github.com/skypanel/skypanel/bench/internal/hostnode"
	"github.com/skypanel/skypanel/server"
)

// unlimited is a rate limit no benchmark reaches.
var unlimited = server.RateLimit{Limit: 1e9, Window: time.Hour}

// panel is the real panel (server.Open) on the seeded data folder, served on loopback, with
// the embedded local node backed by a real daemon.Manager (host runtime, no instances).
type panel struct {
	*server.Panel
	URL  string
	stop context.CancelFunc
	done chan error
}

// openPanel opens the panel of dir (creating and bootstrapping the database) without serving
// it yet. withNode=false: no node at all (status "unknown" without asking a node).
func openPanel(ctx context.Context, dir string, withNode bool, log *slog.Logger) (*panel, error) {
	cfg := server.Default()
	cfg.DataDir, cfg.Listen, cfg.ClientLimit, cfg.IPLimit = dir, "127.0.0.1:0", unlimited, unlimited
	cfg.Logger = log
	cfg.Node.None = !withNode
	cfg.Node.Start = hostnode.Start(filepath.Join(dir, "node"))
	sp, err := server.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &panel{Panel: sp, URL: sp.URL(), done: make(chan error, 1)}, nil
}

// serve serves the API until Close.
func (p *panel) serve(ctx context.Context) {
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p.stop = stop
	go func() { p.done <- p.Serve(sctx) }()
}

// Close shuts the API down (when served) and closes the panel.
func (p *panel) Close() error {
	var err error
	if p.stop != nil {
		p.stop()
		err = <-p.done
	}
	p.Panel.Close()
	return err
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
