package multinode

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/e2e/multinode/netlab"
	"github.com/skypanel/skypanel/server/apitest"
)

// cluster is a panel and two daemons (nodes a and b), each daemon in its own namespace.
type cluster struct {
	lab     *netlab.Lab
	panel   *netlab.Panel
	token   string                   // the admin client's access token
	c       *api.ClientWithResponses // admin client, responses validated against openapi.yaml
	adminID int64
	nodes   []*netlab.Daemon
	run     string // random, in server ids and containerd namespaces
}

// newCluster starts a panel and two daemons, waits until both checked in and the panel
// reaches both. When t ends, the servers still on the panel are deleted (an error if the test
// passed otherwise), then everything is stopped and removed.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	cl := startCluster(t)
	for _, d := range cl.nodes {
		cl.waitNode(t, d)
	}
	return cl
}

// startCluster starts a panel and two daemons and waits until both daemons checked in.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	requireDaemon(t)
	cl := &cluster{run: randomID(6)}
	// registered first, so they run after the lab (and its daemons) is gone
	for _, l := range []string{"p", "a", "b"} {
		containerdNamespace(t, cl.ns(l))
	}
	cl.lab = newLab(t, 2)
	ctx := context.Background()
	var err error
	cl.panel, err = cl.lab.StartPanel(ctx, netlab.PanelOptions{Bin: suite.bin, Dir: filepath.Join(cl.lab.Dir, "panel"),
		Containerd: cl.containerd(), Namespace: cl.ns("p"), Args: []string{"--node-insecure-http"}})
	if err != nil {
		t.Fatal(err)
	}
	cl.token, err = cl.panel.Token(ctx, httpClient(t), cl.panel.ClientID, cl.panel.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if cl.c, err = cl.panel.Client(httpClient(t), cl.token); err != nil {
		t.Fatal(err)
	}
	self, err := cl.c.GetSelfWithResponse(ctx)
	if err != nil || self.JSON200 == nil || self.JSON200.User == nil {
		t.Fatalf("GET /api/self: %v %s", err, body(self))
	}
	cl.adminID = self.JSON200.User.Id
	t.Cleanup(func() { cl.cleanup(t) })
	for i, n := range cl.lab.Nodes {
		id, dep, err := netlab.RegisterNode(ctx, cl.c, n)
		if err != nil {
			t.Fatal(err)
		}
		// disjoint from the e2e package's ranges (2,000,000 + 1000·k, k < 100,000)
		first := 1_000_000_000 + 1000*(i+10*randomInt(100_000))
		d, err := cl.lab.StartDaemon(ctx, n, cl.panel, id, dep, netlab.DaemonOptions{Bin: suite.bin,
			Dir: filepath.Join(cl.lab.Dir, "node-"+n.Letter), Containerd: cl.containerd(),
			Namespace: cl.ns(n.Letter), UIDs: fmt.Sprintf("%d-%d", first, first+999)})
		if err != nil {
			t.Fatal(err)
		}
		cl.nodes = append(cl.nodes, d)
	}
	for _, d := range cl.nodes {
		ctx, cancel := context.WithTimeout(ctx, waitTimeout)
		err := d.WaitOutput(ctx, 0, checkedIn)
		cancel()
		if err != nil {
			t.Fatalf("node %s: %v\n%s", d.Node.Letter, err, d.Tail(40))
		}
	}
	return cl
}

// checkedIn is what a daemon logs after its check-in succeeded.
const checkedIn = "checked in with the panel"

// ns is the containerd namespace of the panel's local node ("p") or of node letter.
func (cl *cluster) ns(letter string) string { return "skp12-" + cl.run + "-" + letter }

// containerd is the containerd socket for every node (a missing path without containerd).
func (cl *cluster) containerd() string {
	if suite.sock != "" {
		return suite.sock
	}
	return "/nonexistent/containerd.sock"
}

// waitNode waits until the panel answers GET /api/nodes/{id}/system for d (it reaches the
// daemon, which accepted the panel's token).
func (cl *cluster) waitNode(t *testing.T, d *netlab.Daemon) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := cl.c.GetNodeSystemWithResponse(ctx, d.NodeID)
		cancel()
		if err == nil && resp.JSON200 != nil {
			return
		}
		if d.Exited() || time.Now().After(deadline) {
			t.Fatalf("the panel does not reach node %s: %v %s\n--- daemon:\n%s\n--- panel:\n%s",
				d.Node.Letter, err, body(resp), d.Tail(40), cl.panel.Tail(40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cleanup deletes the servers left on the panel (while the daemons run) and dumps the logs of
// a failed test.
func (cl *cluster) cleanup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	list, err := cl.c.ListServersWithResponse(ctx, &api.ListServersParams{Limit: ptr(100)})
	if err != nil || list.JSON200 == nil {
		t.Errorf("list servers at cleanup: %v %s", err, body(list))
	} else {
		for _, s := range list.JSON200.Servers {
			if !t.Failed() {
				t.Errorf("server %s was left behind by the test", s.Id)
			}
			_, _ = cl.c.DeleteServerWithResponse(ctx, s.Id, nil)
		}
	}
	for _, d := range cl.nodes {
		for _, sub := range []string{"servers", "host", "containerd", "volumes"} {
			entries, _ := os.ReadDir(filepath.Join(d.Dir, sub))
			for _, e := range entries {
				t.Errorf("node %s: left behind: %s", d.Node.Letter, filepath.Join(d.Dir, sub, e.Name()))
			}
		}
	}
	if t.Failed() {
		t.Logf("--- panel output:\n%s", cl.panel.Tail(120))
		for _, d := range cl.nodes {
			t.Logf("--- daemon %s output:\n%s", d.Node.Letter, d.Tail(120))
		}
	}
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
