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
	"net"
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

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// ready is what the serving child prints (one JSON line) once the game runs.
type ready struct {
	URL    string `json:"url"`
	Token  string `json:"token"`
	Server string `json:"server"`
}

const serverID = "bench1"

// serve is the child process measured by the benchmark: the real panel (server.New) with the
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
	st, err := store.Open(ctx, *dir, log)
	if err != nil {
		return err
	}
	defer st.Close()
	op, err := oauth.New(ctx, oauth.Options{Client: st.Client, GlobalSecret: st.Keys.OAuth2, SecretKey: st.Keys.SecretHash})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	id, secret, err := bootstrap(ctx, st, op, ln.Addr().(*net.TCPAddr))
	if err != nil {
		return err
	}
	mgr, local, err := startNode(filepath.Join(*dir, "node"), log)
	if err != nil {
		return err
	}
	defer mgr.Close()
	cfg := server.Default()
	unlimited := server.RateLimit{Limit: 1e9, Window: time.Hour}
	cfg.DataDir, cfg.ClientLimit, cfg.IPLimit = *dir, unlimited, unlimited
	app, err := server.New(ctx, server.Deps{Config: cfg, Logger: log, Store: st, OAuth: op,
		Nodes: node.LocalOnly{Local: local}})
	if err != nil {
		return err
	}
	app.SetSocketOptions(server.SocketOptions{FlushInterval: *flush})
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	r, err := setup(base, id, secret, fmt.Sprintf("%s emit -rate %d -bytes %d", *exe, *rate, *size))
	if err != nil {
		return err
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = app.CloseSockets(sctx)
	if err := mgr.Delete(sctx, serverID); err != nil {
		log.Warn("delete the game", "err", err)
	}
	return <-done
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// bootstrap creates the local node and the administrator and returns its client.
func bootstrap(ctx context.Context, st *store.Store, op *oauth.Provider, addr *net.TCPAddr) (string, string, error) {
	var out bytes.Buffer
	if _, err := server.Bootstrap(ctx, st, op, addr.IP.String(), addr.Port, &out); err != nil {
		return "", "", err
	}
	id, sec := clientIDLine.FindStringSubmatch(out.String()), secretLine.FindStringSubmatch(out.String())
	if id == nil || sec == nil {
		return "", "", errors.New("bootstrap printed no admin client")
	}
	return id[1], sec[1], nil
}

// startNode builds the daemon with the host runtime (processes as nobody, no cgroups).
func startNode(dir string, log *slog.Logger) (*daemon.Manager, *nodeapi.Service, error) {
	// 0711: the game's user must traverse to its volume (as cmd/skypanel does).
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, nil, err
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		return nil, nil, err
	}
	hr, err := host.New(host.Options{StateDir: filepath.Join(dir, "host"), Mode: host.ModeUnisolated, UID: 65534, GID: 65534,
		CgroupParent: host.NoCgroups, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	runtimes := map[string]rt.Runtime{rt.EnvStandard: hr}
	m, err := daemon.New(daemon.Options{DataDir: dir, Runtimes: runtimes, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	svc, err := nodeapi.New(nodeapi.Options{DataDir: dir, Runtimes: runtimes, Manager: m, Logger: log})
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, svc, nil
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
