package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/skypanel/skypanel/bench/internal/hostnode"
	"github.com/skypanel/skypanel/server"
)

// panel is the real panel (server.Open) on a fresh data folder, served on loopback, with the
// embedded local node backed by a real daemon.Manager (host runtime).
type panel struct {
	URL     string
	NodeDir string
	token   string
	p       *server.Panel
	stop    context.CancelFunc
	done    chan error
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// startPanel opens, bootstraps and serves a panel in dir and gets an admin token.
func startPanel(ctx context.Context, dir string) (*panel, error) {
	var out bytes.Buffer
	cfg := server.Default()
	unlimited := server.RateLimit{Limit: 1e9, Window: time.Hour}
	cfg.DataDir, cfg.Listen, cfg.ClientLimit, cfg.IPLimit = dir, "127.0.0.1:0", unlimited, unlimited
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	cfg.BootstrapOutput = &out
	nodeDir := filepath.Join(dir, "node")
	cfg.Node.Start = hostnode.Start(nodeDir)
	sp, err := server.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p := &panel{URL: sp.URL(), NodeDir: nodeDir, p: sp, done: make(chan error, 1)}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p.stop = stop
	go func() { p.done <- sp.Serve(sctx) }()
	id, sec := clientIDLine.FindStringSubmatch(out.String()), secretLine.FindStringSubmatch(out.String())
	if id == nil || sec == nil {
		p.Close()
		return nil, errors.New("bootstrap printed no admin client")
	}
	p.token, err = p.issueToken(id[1], sec[1])
	return p, err
}

func (p *panel) issueToken(id, secret string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	resp, err := http.Post(p.URL+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken, nil
}

// Close stops the App, the services and the node.
func (p *panel) Close() {
	p.stop()
	<-p.done //nolint:errcheck // Serve's result after a stop is of no interest
	p.p.Close()
}

// call sends one API request and fails on a status other than want.
func (p *panel) call(method, path string, body io.Reader, size int64, want int) ([]byte, error) {
	req, err := http.NewRequest(method, p.URL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != want {
		err = fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out, err
}

// createServer creates a standard server (never started) and returns its volume folder.
func (p *panel) createServer(id string) (string, error) {
	body := `{"name":"bench","ownerId":1,"environmentType":"standard","startup":"sleep 3600",` +
		`"featureLimits":{"databases":0,"backups":100}}`
	req, err := http.NewRequest(http.MethodPut, p.URL+"/api/servers/"+id, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create server: %d %s", resp.StatusCode, out)
	}
	return filepath.Join(p.NodeDir, "volumes", id), nil
}
