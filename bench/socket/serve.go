package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/bench/internal/hostnode"
	"github.com/skypanel/skypanel/server"
)

// ready is what the serving child prints (one JSON line) once the game runs.
type ready struct {
	URL    string `json:"url"`
	Token  string `json:"token"`
	Server string `json:"server"`
}

const serverID = "bench1"

// serve is the child process measured by the benchmark: the real panel (server.Open) with the
// embedded local node (daemon.Manager, host runtime) on a fresh data folder, one standard
// server running `<exe> emit`, served on loopback until SIGTERM.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("data", "", "data folder")
	exe := fs.String("exe", "", "benchmark binary the game runs (readable by nobody)")
	rate := fs.Int("rate", 50000, "game lines per second")
	size := fs.Int("bytes", 100, "game line length")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of this process")
	flush := fs.Duration("flush", 0, "SocketOptions.FlushInterval (0: the default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var out bytes.Buffer
	cfg := server.Default()
	unlimited := server.RateLimit{Limit: 1e9, Window: time.Hour}
	cfg.DataDir, cfg.Listen, cfg.ClientLimit, cfg.IPLimit = *dir, "127.0.0.1:0", unlimited, unlimited
	cfg.Logger, cfg.BootstrapOutput = log, &out
	cfg.Node.Start = hostnode.Start(filepath.Join(*dir, "node"))
	p, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	id, secret, err := adminClient(out.String())
	if err != nil {
		return err
	}
	p.App.SetSocketOptions(server.SocketOptions{FlushInterval: *flush})
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx) }()
	r, err := setup(p.URL(), id, secret, fmt.Sprintf("%s emit -rate %d -bytes %d", *exe, *rate, *size))
	if err != nil {
		return err
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = p.App.CloseSockets(sctx)
	if err := p.Manager.Delete(sctx, serverID); err != nil {
		log.Warn("delete the game", "err", err)
	}
	return <-done
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// adminClient reads the administrator's client from what Bootstrap printed.
func adminClient(out string) (string, string, error) {
	id, sec := clientIDLine.FindStringSubmatch(out), secretLine.FindStringSubmatch(out)
	if id == nil || sec == nil {
		return "", "", errors.New("bootstrap printed no admin client")
	}
	return id[1], sec[1], nil
}

// setup gets a token, creates the game server and starts it.
func setup(base, id, secret, startup string) (ready, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	resp, err := http.Post(base+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return ready{}, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		return ready{}, fmt.Errorf("token: %d %v", resp.StatusCode, err)
	}
	// ownerId 1: the bootstrap administrator
	body, _ := json.Marshal(map[string]any{"name": "bench", "ownerId": 1, "environmentType": "standard", "startup": startup})
	for _, c := range []struct {
		method, path string
		body         []byte
		want         int
	}{
		{http.MethodPut, "/api/servers/" + serverID, body, http.StatusCreated},
		{http.MethodPost, "/api/servers/" + serverID + "/start", nil, http.StatusNoContent},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, bytes.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if c.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return ready{}, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			return ready{}, fmt.Errorf("%s %s: %d %s", c.method, c.path, resp.StatusCode, b)
		}
	}
	return ready{URL: base, Token: tok.AccessToken, Server: serverID}, nil
}
