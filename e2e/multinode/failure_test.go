package multinode

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/e2e/multinode/netlab"
)

// probe is one panel request about a server, answered with its HTTP response.
type probe struct {
	name string
	do   func(ctx context.Context, c *api.ClientWithResponses, id string) (*http.Response, []byte, error)
}

// probes are the requests checked against a dead node: reads, a command, a power action and
// the file manager.
var probes = []probe{
	{"GET status", func(ctx context.Context, c *api.ClientWithResponses, id string) (*http.Response, []byte, error) {
		r, err := c.GetServerStatusWithResponse(ctx, id)
		return unwrap(r, err)
	}},
	{"GET console", func(ctx context.Context, c *api.ClientWithResponses, id string) (*http.Response, []byte, error) {
		r, err := c.GetServerConsoleWithResponse(ctx, id, &api.GetServerConsoleParams{Time: ptr[int64](0)})
		return unwrap(r, err)
	}},
	{"POST console", func(ctx context.Context, c *api.ClientWithResponses, id string) (*http.Response, []byte, error) {
		r, err := c.SendServerCommandWithResponse(ctx, id, api.SendServerCommandJSONRequestBody{Command: "lost"})
		return unwrap(r, err)
	}},
	{"GET stats", func(ctx context.Context, c *api.ClientWithResponses, id string) (*http.Response, []byte, error) {
		r, err := c.GetServerStatsWithResponse(ctx, id)
		return unwrap(r, err)
	}},
	{"POST restart", func(ctx context.Context, c *api.ClientWithResponses, id string) (*http.Response, []byte, error) {
		r, err := c.RestartServerWithResponse(ctx, id)
		return unwrap(r, err)
	}},
	{"GET files", func(ctx context.Context, c *api.ClientWithResponses, id string) (*http.Response, []byte, error) {
		r, err := c.ListServerRootFolderWithResponse(ctx, id, nil)
		return unwrap(r, err)
	}},
}

// unwrap returns the HTTP response and body of a generated *Response.
func unwrap(r any, err error) (*http.Response, []byte, error) {
	if err != nil {
		return nil, nil, err
	}
	v := reflect.ValueOf(r).Elem()
	return v.FieldByName("HTTPResponse").Interface().(*http.Response), v.FieldByName("Body").Interface().([]byte), nil
}

// expectUnavailable runs every probe on server id under the 3 s bound (a request
// deadline) and checks 503 ErrNodeUnavailable with metadata.nodeId. The latencies are logged.
func (cl *cluster) expectUnavailable(t *testing.T, id string, d *netlab.Daemon) {
	t.Helper()
	for _, p := range probes {
		ctx, cancel := context.WithTimeout(context.Background(), unavailableBound)
		t0 := time.Now()
		resp, raw, err := p.do(ctx, cl.c, id)
		took := time.Since(t0)
		cancel()
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			t.Errorf("%s %s (node %s down): no answer within %s", p.name, id, d.Node.Letter, unavailableBound)
			continue
		case err != nil:
			t.Errorf("%s %s: %v", p.name, id, err)
			continue
		}
		t.Logf("%s %s (node %s down): %d in %s", p.name, id, d.Node.Letter, resp.StatusCode, took.Round(time.Millisecond))
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s %s (node %s down): %d %s, want 503", p.name, id, d.Node.Letter, resp.StatusCode, raw)
			continue
		}
		code, md := errorOf(t, raw)
		if code != "ErrNodeUnavailable" || fmt.Sprint(md["nodeId"]) != fmt.Sprint(d.NodeID) {
			t.Errorf("%s %s: %s metadata %v, want ErrNodeUnavailable with nodeId %d", p.name, id, code, md, d.NodeID)
		}
	}
}

// expectListed checks that the server list answers under the bound while a node is down, with
// server id's status "unknown": the panel never blocks on a dead node.
func (cl *cluster) expectListed(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), unavailableBound)
	defer cancel()
	t0 := time.Now()
	list, err := cl.c.ListServersWithResponse(ctx, &api.ListServersParams{Limit: ptr(100)})
	if err != nil || list.JSON200 == nil {
		t.Errorf("GET /api/servers with a node down: %v %s, want 200 within %s", err, body(list), unavailableBound)
		return
	}
	t.Logf("GET /api/servers (a node down): 200 in %s", time.Since(t0).Round(time.Millisecond))
	for _, s := range list.JSON200.Servers {
		if s.Id == id && s.Status != api.ServerStateUnknown {
			t.Errorf("GET /api/servers: %s on the down node has status %s, want unknown", id, s.Status)
		}
	}
}

// expectAvailable checks that server s answers quickly (under the same bound) and echoes.
func (cl *cluster) expectAvailable(t *testing.T, s *server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), unavailableBound)
	defer cancel()
	t0 := time.Now()
	resp, err := cl.c.GetServerStatusWithResponse(ctx, s.id)
	if err != nil || resp.JSON200 == nil || resp.JSON200.State != api.ServerStateRunning {
		t.Errorf("%s while the other node is down: %v %s, want running within %s", s, err, body(resp), unavailableBound)
		return
	}
	t.Logf("GET status %s (its node up): 200 in %s", s, time.Since(t0).Round(time.Millisecond))
	s.echo(t, "still-here-"+randomID(4))
}

// waitBack polls server s's status until its node answers again and returns the status.
func (cl *cluster) waitBack(t *testing.T, s *server) api.ServerStatus {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), unavailableBound)
		resp, err := cl.c.GetServerStatusWithResponse(ctx, s.id)
		cancel()
		if err == nil && resp.JSON200 != nil {
			return *resp.JSON200
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: its node did not come back within %s: %v %s", s, waitTimeout, err, body(resp))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPartition: with node a's link down, every request about a's server answers 503
// ErrNodeUnavailable with metadata.nodeId within 3 s, b's server is unaffected; with the link
// up again a's server answers, still running, its console intact.
func TestPartition(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.nodes[0], cl.nodes[1]
	sa, sb := cl.create(t, "pa", a), cl.create(t, "pb", b)
	sa.start(t)
	sb.start(t)
	sa.echo(t, "before")

	if err := cl.lab.Partition(a.Node); err != nil {
		t.Fatal(err)
	}
	cl.expectUnavailable(t, sa.id, a)
	cl.expectAvailable(t, sb)
	cl.expectListed(t, sa.id)
	cl.expectUnavailable(t, sa.id, a) // and again, once the panel knows the node is down

	if err := cl.lab.Heal(a.Node); err != nil {
		t.Fatal(err)
	}
	if st := cl.waitBack(t, sa); st.State != api.ServerStateRunning {
		t.Errorf("%s after the partition: %s, want running", sa, st.State)
	}
	sa.echo(t, "after")
	ws := sa.dial(t)
	ws.send(t, "socket-after")
	ws.expectLine(t, "echo:socket-after")
	if got := countLine(sa.lines, "ready"); got != 1 {
		t.Errorf("%s: %d ready lines, want 1 (the game was started again)", sa, got)
	}
	sa.remove(t)
	sb.remove(t)
}

func countLine(lines []string, want string) int {
	n := 0
	for _, l := range lines {
		if l == want {
			n++
		}
	}
	return n
}

// TestKill9Reattach: `kill -9` of daemon a makes a's servers answer 503 (b's unaffected);
// while it is down one of its servers is deleted with skipNode and another one's definition
// is edited. The restarted daemon re-attaches (the same game process, not started again, its
// console working with its history intact) and the panel reconciles: the deleted server is gone from the node, the
// edit is applied.
func TestKill9Reattach(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.nodes[0], cl.nodes[1]
	sa, gone, sb := cl.create(t, "ka", a), cl.create(t, "kg", a), cl.create(t, "kb", b)
	for _, s := range []*server{sa, gone, sb} {
		s.start(t)
	}
	sa.echo(t, "before")
	pid, gonePid := cl.gamePid(t, sa), cl.gamePid(t, gone)
	before := sa.dial(t)
	before.expectLine(t, "echo:before")

	a.Kill9()
	before.expectClose(t, 1011) // the server's events became unavailable
	if !netlab.Alive(pid) {
		t.Fatalf("%s: the game (process %d) died with its daemon", sa, pid)
	}
	cl.expectUnavailable(t, sa.id, a)
	cl.expectAvailable(t, sb)
	resp, err := cl.c.DeleteServerWithResponse(context.Background(), gone.id, &api.DeleteServerParams{SkipNode: ptr(true)})
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete %s with skipNode while its node is down: %v %s", gone, err, body(resp))
	}
	edited := "edited while down"
	edit, err := cl.c.EditServerDefinitionWithResponse(context.Background(), sa.id, api.ServerDefinitionUpdate{Name: &edited})
	if err != nil || edit.StatusCode()/100 != 2 {
		t.Fatalf("edit %s while its node is down: %v %s", sa, err, body(edit))
	}

	if err := a.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := cl.waitBack(t, sa); st.State != api.ServerStateRunning {
		t.Errorf("%s after the daemon's restart: %s, want running", sa, st.State)
	}
	if got := cl.gamePid(t, sa); got != pid || !netlab.Alive(pid) {
		t.Errorf("%s after the restart: process %d (alive %v), want the same process %d", sa, got, netlab.Alive(pid), pid)
	}
	sa.cursor, sa.lines = 0, nil // the whole console, as the restarted daemon has it
	sa.echo(t, "after")
	if !slices.Contains(sa.lines, "echo:before") {
		t.Errorf("%s: the console after the daemon's restart lost its history (no echo:before): %q", sa, sa.lines)
	}
	if countLine(sa.lines, lineStarting) > 1 || countLine(sa.lines, "ready") > 1 {
		t.Errorf("%s: console %q: the server was started again", sa, sa.lines)
	}
	ws := sa.dial(t)
	ws.send(t, "socket-after")
	ws.expectLine(t, "echo:socket-after")

	cl.waitReconciled(t, a, sa.id, edited, gone.id, gonePid)
	sa.remove(t)
	sb.remove(t)
}

// waitReconciled waits until node d has applied name to server id's stored definition and
// removed server gone (its folder and its process).
func (cl *cluster) waitReconciled(t *testing.T, d *netlab.Daemon, id, name, gone string, gonePid int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		def, err := storedDefinition(d, id)
		stale := err != nil || def.Name != name
		left := definitionExists(d, gone) || netlab.Alive(gonePid)
		if !stale && !left {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s not reconciled within %s: definition of %s %+v (%v), want name %q; server %s still there %v (process %d alive %v)",
				d.Node.Letter, waitTimeout, id, def, err, name, gone, definitionExists(d, gone), gonePid, netlab.Alive(gonePid))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
