package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/api"
)

// panel is one real `skypanel serve` process on a fresh data folder.
type panel struct {
	dir   string
	url   string
	cmd   *exec.Cmd
	done  chan struct{}
	c     *api.ClientWithResponses
	owner int64

	mu  sync.Mutex
	log bytes.Buffer
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// startPanel runs `bin serve` with containerd at sock (namespace ns) and returns once it
// serves, with an admin client.
func startPanel(ctx context.Context, bin, sock, ns string) (*panel, error) {
	dir, err := os.MkdirTemp("", "skypanel-bench-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &panel{dir: dir, url: "http://" + addr, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--data", dir, "--volumes", filepath.Join(dir, "volumes"), "--listen", addr, "--containerd", sock,
		"--containerd-namespace", ns, "--log-level", "warn",
		"--rate-limit-client", "1000000000", "--rate-limit-ip", "1000000000", "--sftp-listen", "127.0.0.1:0")
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	if err := p.login(ctx); err != nil {
		p.close(ctx)
		return nil, fmt.Errorf("%w\n--- serve output ---\n%s", err, p.output())
	}
	return p, nil
}

// Write collects the process output.
func (p *panel) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Write(b)
}

func (p *panel) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// login waits for the first-start credentials and the listener, then gets a token.
func (p *panel) login(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	var id, sec []string
	for {
		out := p.output()
		id, sec = clientIDLine.FindStringSubmatch(out), secretLine.FindStringSubmatch(out)
		if id != nil && sec != nil {
			if conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://")); err == nil {
				conn.Close()
				break
			}
		}
		select {
		case <-p.done:
			return errors.New("skypanel serve exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("skypanel serve did not start within 30 s")
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: time.Minute}
	c, err := api.NewClientWithResponses(p.url, api.WithHTTPClient(hc))
	if err != nil {
		return err
	}
	tok, err := c.Oauth2TokenWithFormdataBodyWithResponse(ctx, api.Oauth2TokenFormdataRequestBody{
		GrantType: "client_credentials", ClientId: &id[1], ClientSecret: &sec[1]})
	if err != nil || tok.JSON200 == nil {
		return fmt.Errorf("token: %v %s", err, raw(tok.Body, err))
	}
	bearer := "Bearer " + tok.JSON200.AccessToken
	p.c, err = api.NewClientWithResponses(p.url, api.WithHTTPClient(hc),
		api.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", bearer)
			return nil
		}))
	if err != nil {
		return err
	}
	self, err := p.c.GetSelfWithResponse(ctx)
	if err != nil || self.JSON200 == nil || self.JSON200.User == nil {
		return fmt.Errorf("self: %v", err)
	}
	p.owner = self.JSON200.User.Id
	return nil
}

func raw(b []byte, err error) string {
	if err != nil {
		return ""
	}
	return string(b)
}

// create creates a server running startup (image only for docker) with a 64 MiB limit.
func (p *panel) create(ctx context.Context, id string, env api.EnvironmentType, image, startup string) error {
	b := api.ServerCreate{Name: id, OwnerId: p.owner, EnvironmentType: &env, Startup: &startup,
		Limits: &api.ServerLimits{Memory: ptr[int64](64)}}
	if env == api.EnvironmentTypeDocker {
		b.DockerImage = &image
	}
	r, err := p.c.CreateServerWithResponse(ctx, id, b)
	if err != nil {
		return err
	}
	if r.StatusCode() != http.StatusCreated {
		return fmt.Errorf("create %s: %s", id, r.Body)
	}
	return nil
}

// start starts a server (the call returns once its process runs).
func (p *panel) start(ctx context.Context, id string) error {
	r, err := p.c.StartServerWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if r.StatusCode() != http.StatusNoContent {
		return fmt.Errorf("start %s: %s", id, r.Body)
	}
	return nil
}

// state returns the server's state.
func (p *panel) state(ctx context.Context, id string) (api.ServerState, error) {
	r, err := p.c.GetServerStatusWithResponse(ctx, id)
	if err != nil {
		return "", err
	}
	if r.JSON200 == nil {
		return "", fmt.Errorf("status %s: %s", id, r.Body)
	}
	return r.JSON200.State, nil
}

// console returns the lines after since and the next cursor.
func (p *panel) console(ctx context.Context, id string, since int64) ([]string, int64, error) {
	r, err := p.c.GetServerConsoleWithResponse(ctx, id, &api.GetServerConsoleParams{Time: &since})
	if err != nil {
		return nil, since, err
	}
	if r.JSON200 == nil {
		return nil, since, fmt.Errorf("console %s: %s", id, r.Body)
	}
	return r.JSON200.Logs, r.JSON200.Time, nil
}

// waitState polls every interval until the state is one of want.
func (p *panel) waitState(ctx context.Context, id string, interval time.Duration, want ...api.ServerState) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := p.state(ctx, id)
		if err != nil {
			return err
		}
		for _, w := range want {
			if st == w {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still %s after 2 minutes, want %v", id, st, want)
		}
		time.Sleep(interval)
	}
}

// remove deletes a server.
func (p *panel) remove(ctx context.Context, id string) error {
	r, err := p.c.DeleteServerWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if r.StatusCode() != http.StatusNoContent {
		return fmt.Errorf("delete %s: %s", id, r.Body)
	}
	return nil
}

// rss reads VmRSS of the serve process.
func (p *panel) rss() (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// close deletes every server, stops the process and removes the data folder.
func (p *panel) close(ctx context.Context) {
	if p.c != nil {
		if list, err := p.c.ListServersWithResponse(ctx, &api.ListServersParams{Limit: ptr(100)}); err == nil && list.JSON200 != nil {
			for _, s := range list.JSON200.Servers {
				if err := p.remove(ctx, s.Id); err != nil {
					fmt.Fprintln(os.Stderr, "lifecycle: cleanup:", err)
				}
			}
		}
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	_ = os.RemoveAll(p.dir)
}

func ptr[T any](v T) *T { return &v }
