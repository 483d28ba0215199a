package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
)

// environment is one way of running servers; every lifecycle case runs in both.
type environment struct {
	name  string // "standard" or "docker"
	short string // in server ids
	typ   api.EnvironmentType
}

var environments = []environment{
	{name: "standard", short: "std", typ: api.EnvironmentTypeStandard},
	{name: "docker", short: "dkr", typ: api.EnvironmentTypeDocker},
}

// require skips t when the environment is not available in this run.
func (e environment) require(t *testing.T) {
	t.Helper()
	if e.typ == api.EnvironmentTypeDocker && suite.sock == "" {
		t.Skip("docker environment: " + suite.noDocker)
	}
}

// Startup commands (busybox sh in both environments).
const (
	// echoLoop echoes every stdin line and exits 0 on "stop" (the panel's stop command).
	echoLoop = `while read l; do [ "$l" = stop ] && exit 0; echo "echo:$l"; done`
	// Daemon console lines.
	lineStarting  = "[SkyPanel Daemon] starting server"
	lineReattach  = "[SkyPanel Daemon] daemon restarted: console re-attached"
	daemonPrefix  = "[SkyPanel Daemon] "
	maxIDLen      = 32
	stateRunning  = api.ServerStateRunning
	stateStopped  = api.ServerStateStopped
	stateStopping = api.ServerStateStopping
	stateCrashed  = api.ServerStateCrashed
)

// serverID makes a server id unique to this run: <name>-<env>-<run id>.
func serverID(name string, e environment) string {
	id := name + "-" + e.short + "-" + suite.runID
	if len(id) > maxIDLen {
		panic("server id too long: " + id)
	}
	return id
}

// server is one server of a test, with a console cursor.
type server struct {
	p      *panel
	c      *api.ClientWithResponses
	id     string
	env    environment
	cursor int64    // console cursor: lines up to it were read
	lines  []string // every console line read so far
	waited int      // lines[:waited] were consumed by waitLine / waitMatch
}

// body returns the create body of a server running startup in e, with a 64 MiB limit.
func (p *panel) body(e environment, startup string) api.ServerCreate {
	b := api.ServerCreate{Name: "e2e " + e.name, OwnerId: p.adminID, EnvironmentType: ptr(e.typ),
		Startup: ptr(startup), Limits: &api.ServerLimits{Memory: ptr[int64](64)}}
	if e.typ == api.EnvironmentTypeDocker {
		b.DockerImage = ptr(suite.image)
	}
	return b
}

// create creates a server (201) and deletes it when t ends if the test did not.
func (p *panel) create(t *testing.T, id string, e environment, b api.ServerCreate) *server {
	t.Helper()
	c := p.client(t)
	resp, err := c.CreateServerWithResponse(context.Background(), id, b)
	if err != nil || resp.StatusCode() != http.StatusCreated || resp.JSON201 == nil {
		t.Fatalf("PUT /api/servers/%s: %v %s", id, err, body(resp))
	}
	if resp.JSON201.Id != id || resp.JSON201.Status != stateStopped {
		t.Fatalf("created %+v, want id %s, status stopped", *resp.JSON201, id)
	}
	s := &server{p: p, c: c, id: id, env: e}
	t.Cleanup(func() { _, _ = c.DeleteServerWithResponse(context.Background(), id, nil) })
	return s
}

// start starts the server: 204, and (Start being synchronous) it runs at once.
func (s *server) start(t *testing.T) {
	t.Helper()
	resp, err := s.c.StartServerWithResponse(context.Background(), s.id)
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("start %s: %v %s", s.id, err, body(resp))
	}
}

// power sends stop, restart or kill and expects 204.
func (s *server) power(t *testing.T, action string) {
	t.Helper()
	ctx := context.Background()
	var (
		code int
		err  error
		r    any
	)
	switch action {
	case "stop":
		resp, e := s.c.StopServerWithResponse(ctx, s.id)
		r, err = resp, e
		if e == nil {
			code = resp.StatusCode()
		}
	case "restart":
		resp, e := s.c.RestartServerWithResponse(ctx, s.id)
		r, err = resp, e
		if e == nil {
			code = resp.StatusCode()
		}
	case "kill":
		resp, e := s.c.KillServerWithResponse(ctx, s.id)
		r, err = resp, e
		if e == nil {
			code = resp.StatusCode()
		}
	default:
		t.Fatalf("unknown power action %q", action)
	}
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("%s %s: %v %s", action, s.id, err, body(r))
	}
}

// status returns GET /status.
func (s *server) status(t *testing.T) api.ServerStatus {
	t.Helper()
	resp, err := s.c.GetServerStatusWithResponse(context.Background(), s.id)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("status of %s: %v %s", s.id, err, body(resp))
	}
	return *resp.JSON200
}

// waitState polls the status until its state is want; any state in never fails at once.
func (s *server) waitState(t *testing.T, want api.ServerState, never ...api.ServerState) api.ServerStatus {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		st := s.status(t)
		switch {
		case st.State == want:
			return st
		case slices.Contains(never, st.State):
			t.Fatalf("%s: state %s (%s) while waiting for %s; console:\n%s", s.id, st.State, deref(st.Message), want, s.dump(t))
		case time.Now().After(deadline):
			t.Fatalf("%s: still %s after %s, want %s; console:\n%s", s.id, st.State, waitTimeout, want, s.dump(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// console returns GET console?time=since.
func (s *server) console(t *testing.T, since int64) api.ConsoleLogs {
	t.Helper()
	resp, err := s.c.GetServerConsoleWithResponse(context.Background(), s.id, &api.GetServerConsoleParams{Time: &since})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("console of %s: %v %s", s.id, err, body(resp))
	}
	return *resp.JSON200
}

// read reads the lines after the cursor, checking the cursor rules: the returned time never
// goes back, and it is the cursor passed when nothing is new.
func (s *server) read(t *testing.T) []string {
	t.Helper()
	got := s.console(t, s.cursor)
	switch {
	case len(got.Logs) == 0 && got.Time != s.cursor:
		t.Fatalf("console of %s: no new line but time %d != cursor %d", s.id, got.Time, s.cursor)
	case len(got.Logs) > 0 && got.Time <= s.cursor:
		t.Fatalf("console of %s: new lines but time %d <= cursor %d", s.id, got.Time, s.cursor)
	}
	s.cursor = got.Time
	s.lines = append(s.lines, got.Logs...)
	return got.Logs
}

// next polls the console until there are new lines after the cursor and returns them.
func (s *server) next(t *testing.T) []string {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if got := s.read(t); len(got) > 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no new console line within %s; console:\n%s", s.id, waitTimeout, s.dump(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLine reads the console until a line not yet consumed by a previous wait equals want,
// and returns the lines from there up to and including it.
func (s *server) waitLine(t *testing.T, want string) []string {
	t.Helper()
	return s.waitMatch(t, want, func(l string) bool { return l == want })
}

// waitMatch is waitLine with a predicate.
func (s *server) waitMatch(t *testing.T, what string, match func(string) bool) []string {
	t.Helper()
	from := s.waited
	deadline := time.Now().Add(waitTimeout)
	for {
		for i := from; i < len(s.lines); i++ {
			if match(s.lines[i]) {
				s.waited = i + 1
				return s.lines[from : i+1]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no console line %q within %s; console:\n%s", s.id, what, waitTimeout, s.dump(t))
		}
		if len(s.read(t)) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// send writes a console command (204).
func (s *server) send(t *testing.T, cmd string) {
	t.Helper()
	resp, err := s.c.SendServerCommandWithResponse(context.Background(), s.id, api.SendServerCommandJSONRequestBody{Command: cmd})
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("send %q to %s: %v %s", cmd, s.id, err, body(resp))
	}
}

// echo sends cmd and waits for its echo.
func (s *server) echo(t *testing.T, cmd string) {
	t.Helper()
	s.send(t, cmd)
	s.waitLine(t, "echo:"+cmd)
}

// dump is the whole retained console (for failure messages).
func (s *server) dump(t *testing.T) string {
	resp, err := s.c.GetServerConsoleWithResponse(context.Background(), s.id, &api.GetServerConsoleParams{Time: ptr[int64](0)})
	if err != nil || resp.JSON200 == nil {
		return fmt.Sprintf("(console unavailable: %v %s)", err, body(resp))
	}
	return "  " + strings.Join(resp.JSON200.Logs, "\n  ")
}

// count counts the lines read so far that equal line.
func (s *server) count(line string) int {
	n := 0
	for _, l := range s.lines {
		if l == line {
			n++
		}
	}
	return n
}

// remove deletes the server (204) and checks that nothing of it is left: GET answers 404
// ErrServerNotFound with metadata.id, the process or container, snapshot and task are gone,
// and so are its folders on the node.
func (s *server) remove(t *testing.T, pid int) {
	t.Helper()
	ctx := context.Background()
	resp, err := s.c.DeleteServerWithResponse(ctx, s.id, nil)
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete %s: %v %s", s.id, err, body(resp))
	}
	get, err := s.c.GetServerWithResponse(ctx, s.id, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, get, http.StatusNotFound, api.ErrorCodeErrServerNotFound)
	if md := get.JSON404.Error.Metadata; md == nil || (*md)["id"] != s.id {
		t.Errorf("404 metadata = %v, want id %s", md, s.id)
	}
	if pid > 0 && alive(pid) {
		t.Errorf("process %d of %s still runs after delete", pid, s.id)
	}
	s.p.assertNoTrace(t, s.id)
}

// assertNoTrace checks that server id has no folder on the node and, with containerd, no
// container, task or snapshot.
func (p *panel) assertNoTrace(t *testing.T, id string) {
	t.Helper()
	for _, dir := range []string{p.volumeDir(id), filepath.Join(p.dir, "node", "servers", id),
		filepath.Join(p.dir, "node", "host", id), filepath.Join(p.dir, "node", "containerd", id)} {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%s still exists", dir)
		}
	}
	if suite.ctrd != nil {
		for _, what := range containerdTrace(id) {
			t.Errorf("%s of server %s still exists in containerd", what, id)
		}
	}
}

// deref returns *s or "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
