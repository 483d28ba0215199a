package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server/apitest"
)

// waitTimeout bounds every wait of the tests; reaching it is a failure, never a measurement.
const waitTimeout = 60 * time.Second

// panel is one `skypanel serve` process (and its restarts) on its own data folder.
type panel struct {
	dir        string   // --data
	volumes    string   // --volumes ("" = serve's default): outside the data folder
	args       []string // more serve flags
	addr       string   // --listen, kept across restarts
	url        string
	containerd string
	ns         string

	clientID, secret string // the admin client printed on first start
	adminID          int64

	mu    sync.Mutex
	log   bytes.Buffer // stdout and stderr of every run, in order
	token string
	cmd   *exec.Cmd
	done  chan struct{} // closed when cmd has exited
}

// volumeDir is the folder of server id's files ("" = the volumes folder).
func (p *panel) volumeDir(id string) string {
	if p.volumes == "" {
		return filepath.Join(defaultVolumes, id)
	}
	return filepath.Join(p.volumes, id)
}

// startPanel starts `skypanel serve` on a fresh data folder with containerd at address
// (suite.sock, or a path that does not exist) and stops it when t ends, after deleting the
// servers left behind (reported as errors when the test passed otherwise).
func startPanel(t *testing.T, containerd string, args ...string) *panel {
	t.Helper()
	p := newPanel(t, t.TempDir(), containerd, args...)
	// Never serve's default /var/lib/skypanel/volumes: many panels run at once. t.TempDir's
	// parent is 0700; the users of standard servers must traverse it to reach their folders
	// under p.volumes (serve makes p.volumes 0711).
	p.volumes = p.dir + "-volumes"
	if err := os.Chmod(filepath.Dir(p.dir), 0o711); err != nil {
		t.Fatal(err)
	}
	p.boot(t)
	return p
}

// newPanel describes a panel on data folder dir (not started). Each panel gets its own range of
// standard server uids (unless args set one), so tests never see each other's processes.
func newPanel(t *testing.T, dir, containerd string, args ...string) *panel {
	p := &panel{dir: dir, addr: freeAddr(t), containerd: containerd, ns: suite.ns, args: args}
	if !slices.Contains(args, "--standard-uid-range") {
		first := 2_000_000 + 1000*rand.IntN(100_000)
		p.args = append(p.args, "--standard-uid-range", fmt.Sprintf("%d-%d", first, first+999))
	}
	if os.Geteuid() != 0 && !slices.Contains(args, "--standard-servers") {
		p.args = append(p.args, "--standard-servers", "unisolated") // a normal user's run
	}
	if p.ns == "" {
		p.ns = "skypanel-e2e-" + suite.runID
	}
	p.url = "http://" + p.addr
	return p
}

// boot starts the panel for the first time (it stops when t ends, see cleanup) and logs in.
func (p *panel) boot(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { p.cleanup(t) })
	p.launch(t)
	out := p.output()
	id, sec := clientIDLine.FindStringSubmatch(out), secretLine.FindStringSubmatch(out)
	if id == nil || sec == nil {
		t.Fatalf("no admin client in the first-start output:\n%s", out)
	}
	p.clientID, p.secret = id[1], sec[1]
	self, err := p.client(t).GetSelfWithResponse(context.Background())
	if err != nil || self.JSON200 == nil || self.JSON200.User == nil {
		t.Fatalf("GET /api/self: %v %s", err, body(self))
	}
	p.adminID = self.JSON200.User.Id
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// launch starts the process and waits until it serves.
func (p *panel) launch(t *testing.T) {
	t.Helper()
	args := []string{"serve", "--data", p.dir, "--listen", p.addr,
		"--containerd", p.containerd, "--containerd-namespace", p.ns,
		"--rate-limit-client", "1000000000", "--rate-limit-ip", "1000000000", "--log-level", "info",
		"--sftp-listen", "127.0.0.1:0"} // many panels run at once; tests wanting SFTP pass their own
	if p.volumes != "" {
		args = append(args, "--volumes", p.volumes)
	}
	cmd := exec.Command(suite.bin, append(args, p.args...)...)
	ready := make(chan struct{})
	var once sync.Once
	w := &lineWriter{p: p, onLine: func(l string) {
		if strings.Contains(l, "SkyPanel serving") {
			once.Do(func() { close(ready) })
		}
	}}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("start skypanel serve: %v", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	p.mu.Lock()
	p.cmd, p.done, p.token = cmd, done, ""
	p.mu.Unlock()
	select {
	case <-ready:
	case <-done:
		t.Fatalf("skypanel serve exited before serving (%v):\n%s", cmd.ProcessState, p.output())
	case <-time.After(waitTimeout):
		t.Fatalf("skypanel serve did not serve within %s:\n%s", waitTimeout, p.output())
	}
}

// lineWriter collects the process output and calls onLine for every complete line.
type lineWriter struct {
	p      *panel
	onLine func(string)
	mu     sync.Mutex
	part   []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	w.p.log.Write(b)
	w.p.mu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.part = append(w.part, b...)
	for {
		i := bytes.IndexByte(w.part, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.onLine(string(w.part[:i]))
		w.part = w.part[i+1:]
	}
}

func (p *panel) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill9 sends SIGKILL to `skypanel serve` and waits for it to be gone.
func (p *panel) kill9(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 skypanel serve: %v", err)
	}
	<-done
}

// stop asks `skypanel serve` to exit (SIGTERM), killing it if it does not within 20 s.
func (p *panel) stop() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if !cmd.ProcessState.Success() {
			return fmt.Errorf("skypanel serve exited with %v after SIGTERM", cmd.ProcessState)
		}
		return nil
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("skypanel serve did not exit within 20 s of SIGTERM")
	}
}

// cleanup deletes the servers still on the panel, stops it and checks that the node's folders
// are empty.
func (p *panel) cleanup(t *testing.T) {
	p.mu.Lock()
	running := p.cmd != nil
	p.mu.Unlock()
	if !running {
		return
	}
	select {
	case <-p.done:
	default:
		c := p.client(t)
		ctx := context.Background()
		list, err := c.ListServersWithResponse(ctx, &api.ListServersParams{Limit: ptr(100)})
		if err != nil || list.JSON200 == nil {
			t.Errorf("list servers at cleanup: %v %s", err, body(list))
		} else {
			for _, s := range list.JSON200.Servers {
				if !t.Failed() {
					t.Errorf("server %s was left behind by the test", s.Id)
				}
				_, _ = c.DeleteServerWithResponse(ctx, s.Id, nil)
			}
		}
	}
	if err := p.stop(); err != nil {
		t.Error(err)
	}
	dirs := []string{filepath.Join(p.dir, "node", "servers"), filepath.Join(p.dir, "node", "host"),
		filepath.Join(p.dir, "node", "containerd")}
	if p.volumes != "" { // serve's default folder may hold others' servers
		dirs = append(dirs, p.volumes)
	}
	for _, dir := range dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			t.Errorf("left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
	if p.volumes != "" {
		_ = os.RemoveAll(p.volumes)
	}
	if t.Failed() {
		t.Logf("skypanel serve output:\n%s", tail(p.output(), 150))
	}
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// accessToken returns the admin client's token, fetched once per run of the process.
func (p *panel) accessToken(t *testing.T) string {
	t.Helper()
	p.mu.Lock()
	tok := p.token
	p.mu.Unlock()
	if tok != "" {
		return tok
	}
	c, err := api.NewClientWithResponses(p.url, api.WithHTTPClient(httpClient(t)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Oauth2TokenWithFormdataBodyWithResponse(context.Background(), api.Oauth2TokenFormdataRequestBody{
		GrantType: "client_credentials", ClientId: &p.clientID, ClientSecret: &p.secret})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("POST /oauth2/token: %v %s", err, body(resp))
	}
	p.mu.Lock()
	p.token = resp.JSON200.AccessToken
	p.mu.Unlock()
	return resp.JSON200.AccessToken
}

// client is the generated client for t: the admin's bearer token, every response validated
// against openapi.yaml.
func (p *panel) client(t *testing.T) *api.ClientWithResponses {
	t.Helper()
	tok := p.accessToken(t)
	c, err := api.NewClientWithResponses(p.url, api.WithHTTPClient(httpClient(t)),
		api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func httpClient(t *testing.T) *http.Client {
	return &http.Client{Transport: apitest.NewTransport(t, nil), Timeout: waitTimeout}
}

// body describes a generated response (status and raw body) for failure messages; r is a
// pointer to one of the api.*Response structs, possibly nil.
func body(r any) string {
	v := reflect.ValueOf(r)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return "(no response)"
	}
	v = v.Elem()
	out := ""
	if h, ok := v.FieldByName("HTTPResponse").Interface().(*http.Response); ok && h != nil {
		out = h.Status + " "
	}
	if b, ok := v.FieldByName("Body").Interface().([]byte); ok {
		out += string(b)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
