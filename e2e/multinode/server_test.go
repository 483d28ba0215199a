package multinode

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/e2e/multinode/netlab"
)

// echoLoop is the game of the tests (busybox sh in both environments): it says "ready",
// echoes every stdin line and exits 0 on "stop" (the stop command).
const echoLoop = `echo ready; while read l; do [ "$l" = stop ] && exit 0; echo "echo:$l"; done`

// Daemon console lines.
const (
	lineStarting = "[SkyPanel Daemon] starting server"
	lineReattach = "[SkyPanel Daemon] daemon restarted: console re-attached"
)

// server is a server of a test on one node, with a console cursor.
type server struct {
	cl     *cluster
	id     string
	node   *netlab.Daemon
	cursor int64
	lines  []string
}

// envType is the environment of the tests' servers: docker when containerd is there.
func envType() api.EnvironmentType {
	if suite.sock != "" {
		return api.EnvironmentTypeDocker
	}
	return api.EnvironmentTypeStandard
}

// createBody is the create body of a server on node d running startup.
func (cl *cluster) createBody(d *netlab.Daemon, startup string) api.ServerCreate {
	b := api.ServerCreate{Name: "multinode", OwnerId: cl.adminID, EnvironmentType: ptr(envType()),
		Startup: ptr(startup), Limits: &api.ServerLimits{Memory: ptr[int64](64)}, NodeId: &d.NodeID}
	if envType() == api.EnvironmentTypeDocker {
		b.DockerImage = ptr(suite.image)
	}
	return b
}

// create creates server name on node d through the panel (201, stopped).
func (cl *cluster) create(t *testing.T, name string, d *netlab.Daemon) *server {
	t.Helper()
	id := name + "-" + cl.run
	resp, err := cl.c.CreateServerWithResponse(context.Background(), id, cl.createBody(d, echoLoop))
	if err != nil || resp.StatusCode() != http.StatusCreated || resp.JSON201 == nil {
		t.Fatalf("PUT /api/servers/%s on node %s: %v %s", id, d.Node.Letter, err, body(resp))
	}
	return &server{cl: cl, id: id, node: d}
}

// start starts the server (204) and waits for its "ready".
func (s *server) start(t *testing.T) {
	t.Helper()
	resp, err := s.cl.c.StartServerWithResponse(context.Background(), s.id)
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("start %s: %v %s", s.id, err, body(resp))
	}
	s.waitLine(t, "ready")
}

// status returns GET /status.
func (s *server) status(t *testing.T) api.ServerStatus {
	t.Helper()
	resp, err := s.cl.c.GetServerStatusWithResponse(context.Background(), s.id)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("status of %s: %v %s", s.id, err, body(resp))
	}
	return *resp.JSON200
}

// read reads the console lines after the cursor.
func (s *server) read(t *testing.T) []string {
	t.Helper()
	resp, err := s.cl.c.GetServerConsoleWithResponse(context.Background(), s.id, &api.GetServerConsoleParams{Time: &s.cursor})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("console of %s: %v %s", s.id, err, body(resp))
	}
	s.cursor = resp.JSON200.Time
	s.lines = append(s.lines, resp.JSON200.Logs...)
	return resp.JSON200.Logs
}

// waitLine reads the console until a line equals want.
func (s *server) waitLine(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !slices.Contains(s.lines, want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no console line %q within %s; console:\n%s", s.id, want, waitTimeout, strings.Join(s.lines, "\n"))
		}
		if len(s.read(t)) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// echo sends cmd through POST console and waits for its echo.
func (s *server) echo(t *testing.T, cmd string) {
	t.Helper()
	resp, err := s.cl.c.SendServerCommandWithResponse(context.Background(), s.id, api.SendServerCommandJSONRequestBody{Command: cmd})
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("send %q to %s: %v %s", cmd, s.id, err, body(resp))
	}
	s.waitLine(t, "echo:"+cmd)
}

// remove deletes the server through the panel (204).
func (s *server) remove(t *testing.T) {
	t.Helper()
	resp, err := s.cl.c.DeleteServerWithResponse(context.Background(), s.id, nil)
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete %s: %v %s", s.id, err, body(resp))
	}
}

// errorOf decodes an error envelope's code and metadata.
func errorOf(t *testing.T, raw []byte) (string, map[string]any) {
	t.Helper()
	var e api.Error
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("not an error envelope: %v: %s", err, raw)
	}
	md := map[string]any{}
	if e.Error.Metadata != nil {
		md = *e.Error.Metadata
	}
	return string(e.Error.Code), md
}

// name is a short description for messages.
func (s *server) String() string { return fmt.Sprintf("%s (node %s)", s.id, s.node.Node.Letter) }
