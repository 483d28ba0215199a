// Package benchpanel runs the panel the benchmarks measure: the real panel (server.Open) on a
// fresh data folder, served on loopback without rate limits, with its embedded local node
// backed by a real daemon.Manager (hostnode: host runtime) and an administrator's token.
package benchpanel

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

// Panel is a served panel and the administrator's token its bootstrap printed.
type Panel struct {
	URL     string        // the API's base URL
	NodeDir string        // the local node's folder (volumes/, backups/)
	Token   string        // the administrator's access token
	Server  *server.Panel // what server.Open returned
	stop    context.CancelFunc
	done    chan error
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// Start opens, bootstraps and serves a panel in dir and gets an admin token; configure (may
// be nil) adjusts the configuration before Open (the SFTP bench starts the node's SFTP server).
func Start(ctx context.Context, dir string, configure func(*server.Config)) (*Panel, error) {
	var out bytes.Buffer
	cfg := server.Default()
	unlimited := server.RateLimit{Limit: 1e9, Window: time.Hour}
	cfg.DataDir, cfg.Listen, cfg.ClientLimit, cfg.IPLimit = dir, "127.0.0.1:0", unlimited, unlimited
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	cfg.BootstrapOutput = &out
	nodeDir := filepath.Join(dir, "node")
	cfg.Node.Start = hostnode.Start(nodeDir)
	if configure != nil {
		configure(&cfg)
	}
	sp, err := server.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p := &Panel{URL: sp.URL(), NodeDir: nodeDir, Server: sp, done: make(chan error, 1)}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p.stop = stop
	go func() { p.done <- sp.Serve(sctx) }()
	id, sec := clientIDLine.FindStringSubmatch(out.String()), secretLine.FindStringSubmatch(out.String())
	if id == nil || sec == nil {
		p.Close()
		return nil, errors.New("bootstrap printed no admin client")
	}
	if p.Token, err = p.issueToken(id[1], sec[1]); err != nil {
		p.Close()
		return nil, fmt.Errorf("admin token: %w", err)
	}
	return p, nil
}

// issueToken gets an access token for an OAuth2 client (client credentials grant).
func (p *Panel) issueToken(id, secret string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	raw, err := p.Call(http.MethodPost, "/oauth2/token", "application/x-www-form-urlencoded",
		strings.NewReader(form), int64(len(form)), http.StatusOK)
	if err != nil {
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token response %s: %v", raw, err)
	}
	return tok.AccessToken, nil
}

// Close stops serving, then closes the App, its services and the node.
func (p *Panel) Close() {
	p.stop()
	<-p.done //nolint:errcheck // Serve's result after a stop is of no interest
	p.Server.Close()
}

// Call sends one API request with the admin token (once there is one) and fails on a status
// other than want; a body (not nil) is sent as contentType, size bytes long.
func (p *Panel) Call(method, path, contentType string, body io.Reader, size int64, want int) ([]byte, error) {
	req, err := http.NewRequest(method, p.URL+path, body)
	if err != nil {
		return nil, err
	}
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", contentType)
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

// JSON is Call with a JSON body ("" for none).
func (p *Panel) JSON(method, path, body string, want int) ([]byte, error) {
	if body == "" {
		return p.Call(method, path, "", nil, 0, want)
	}
	return p.Call(method, path, "application/json", strings.NewReader(body), int64(len(body)), want)
}
