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
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/server"
)

// panel is the real panel (server.Open) on loopback with its embedded local node (host
// runtime) and the node's SFTP server on a loopback port, the panel deciding logins in process.
type panel struct {
	url, sftpAddr string
	token         string
	p             *server.Panel
	stop          context.CancelFunc
	done          chan error
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
	cfg.Node.Start = hostnode.Start(filepath.Join(dir, "node"))
	cfg.Node.SFTP = nodeapi.SFTPOptions{Listen: "127.0.0.1:0"}
	sp, err := server.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if sp.SFTPAddr() == nil {
		sp.Close()
		return nil, errors.New("the panel started no SFTP server")
	}
	p := &panel{url: sp.URL(), sftpAddr: sp.SFTPAddr().String(), p: sp, done: make(chan error, 1)}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p.stop = stop
	go func() { p.done <- sp.Serve(sctx) }()
	id, sec := clientIDLine.FindStringSubmatch(out.String()), secretLine.FindStringSubmatch(out.String())
	if id == nil || sec == nil {
		p.Close()
		return nil, errors.New("bootstrap printed no admin client")
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id[1]}, "client_secret": {sec[1]}}.Encode()
	raw, err := p.call(http.MethodPost, "/oauth2/token", "application/x-www-form-urlencoded", form, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &tok)
	}
	p.token = tok.AccessToken
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("admin token: %w", err)
	}
	return p, nil
}

// Close stops the App, the SFTP server and the node.
func (p *panel) Close() {
	p.stop()
	<-p.done //nolint:errcheck // Serve's result after a stop is of no interest
	p.p.Close()
}

// call sends one API request with the admin token and fails on a status other than want.
func (p *panel) call(method, path, contentType, body string, want int) ([]byte, error) {
	req, err := http.NewRequest(method, p.url+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	if body != "" {
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

// sftpUser prepares the admin's SFTP login to a new standard server (never started): it
// registers clientPub as the admin's SSH key and returns "<admin>.<server id>".
func (p *panel) sftpUser(id, clientPub string) (string, error) {
	const create = `{"name":"sftp bench","ownerId":1,"environmentType":"standard","startup":"sleep 3600"}`
	if _, err := p.call(http.MethodPut, "/api/servers/"+id, "application/json", create, http.StatusCreated); err != nil {
		return "", err
	}
	key, _ := json.Marshal(map[string]string{"name": "bench", "publicKey": strings.TrimSpace(clientPub)})
	if _, err := p.call(http.MethodPost, "/api/self/ssh-keys", "application/json", string(key), http.StatusCreated); err != nil {
		return "", err
	}
	raw, err := p.call(http.MethodGet, "/api/self", "", "", http.StatusOK)
	if err != nil {
		return "", err
	}
	var self struct {
		User struct {
			Username string `json:"username"`
		} `json:"user"`
	}
	if err := json.Unmarshal(raw, &self); err != nil || self.User.Username == "" {
		return "", fmt.Errorf("GET /api/self: %s %v", raw, err)
	}
	return self.User.Username + "." + id, nil
}
