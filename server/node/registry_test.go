package node_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/node/nodetest"
	"github.com/skypanel/skypanel/server/store"
)

// fixture is a panel database with one remote node row served by a real daemon handler.
type fixture struct {
	db         *ent.Client
	row        *ent.Node
	daemon     *nodetest.Daemon
	reg        *node.Registry
	reconciled chan int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{db: st.Client, reconciled: make(chan int, 16)}
	f.row, err = st.Client.Node.Create().SetName("remote").SetPrivateHost("127.0.0.1").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signer := nodetest.NewSigner(t)
	f.daemon = nodetest.Serve(t, nodetest.NewService(t, f.row.ID), f.row.ID, signer)
	host, port := f.daemon.HostPort()
	f.row, err = f.row.Update().SetPrivateHost(host).SetPrivatePort(port).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.reg, err = node.NewRegistry(node.RegistryOptions{DB: st.Client, Tokens: signer,
		Transport: node.TransportOptions{InsecureHTTP: true}, PollInterval: time.Hour,
		Logger: nodetest.Logger(t, -4),
		Reconcile: func(_ context.Context, id int, c node.Client) error {
			if _, err := c.ListServers(context.Background()); err != nil {
				return err
			}
			f.reconciled <- id
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.reg.Close)
	return f
}

// expectReconcile waits for one reconcile of the node.
func (f *fixture) expectReconcile(t *testing.T) {
	t.Helper()
	select {
	case id := <-f.reconciled:
		if id != f.row.ID {
			t.Fatalf("reconciled node %d, want %d", id, f.row.ID)
		}
	case <-time.After(nodetest.Timeout):
		t.Fatal("no reconcile")
	}
}

// expectNoReconcile checks that no reconcile was started (they start synchronously in Poll).
func (f *fixture) expectNoReconcile(t *testing.T) {
	t.Helper()
	f.reg.Close() // waits for running reconciles
	select {
	case <-f.reconciled:
		t.Fatal("an unexpected reconcile ran")
	default:
	}
}

func (f *fixture) client(t *testing.T) (node.Client, error) {
	t.Helper()
	return f.reg.Client(context.Background(), f.row)
}

// expectUnavailable checks err is an UnavailableError naming the node.
func (f *fixture) expectUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	id, ok := node.NodeIDOf(err)
	if !errors.Is(err, node.ErrUnavailable) || !ok || id != f.row.ID {
		t.Fatalf("%s: %v (node %d), want ErrUnavailable naming node %d", what, err, id, f.row.ID)
	}
}

func TestRegistryLocalAndRemoteClients(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	local := nodetest.NewService(t, 1)
	reg, err := node.NewRegistry(node.RegistryOptions{DB: f.db, Local: local, Tokens: f.daemon.Signer,
		Transport: node.TransportOptions{InsecureHTTP: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if c, err := reg.Client(ctx, &ent.Node{ID: 1, Local: true}); err != nil || c != node.Client(local) {
		t.Fatalf("local node: %v, %v", c, err)
	}
	c, err := reg.Client(ctx, f.row)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := c.Health(ctx); err != nil || h.NodeId != f.row.ID {
		t.Fatalf("remote health = %+v, %v", h, err)
	}
	if again, _ := reg.Client(ctx, f.row); again != c {
		t.Fatal("the Remote was not cached")
	}
	f.daemon.Server.Close() // down at the old address …
	if _, err := c.ListServers(ctx); !errors.Is(err, node.ErrUnavailable) {
		t.Fatalf("a stopped node: %v", err)
	}
	moved := *f.row
	moved.PrivatePort++ // … the new address is tried at once, not failed fast
	c2, err := reg.Client(ctx, &moved)
	if err != nil || c2 == c || c2.(*node.Remote).Address() == c.(*node.Remote).Address() {
		t.Fatalf("a new address did not rebuild the Remote: %v", err)
	}
}

// TestRegistryStoppedNode: a node that is gone → UnavailableError with its id, then Client
// fails fast without touching the network until a poll succeeds.
func TestRegistryStoppedNode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.reg.Poll(ctx)
	f.expectReconcile(t) // first contact
	c, err := f.client(t)
	if err != nil {
		t.Fatal(err)
	}
	f.daemon.Server.Close()
	_, err = c.Status(ctx, "any")
	f.expectUnavailable(t, "call to a stopped node", err)
	_, err = f.client(t)
	f.expectUnavailable(t, "Client after a failed call", err)
	f.reg.Poll(ctx)
	_, err = f.client(t)
	f.expectUnavailable(t, "Client after a failed poll", err)
}

// TestRegistryBlackholedNodeRecovers: a node that accepts and never answers costs one
// bounded wait, then fails fast; when it answers again a poll brings it back and reconciles.
func TestRegistryBlackholedNodeRecovers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.reg.Poll(ctx)
	f.expectReconcile(t)
	c, _ := f.client(t)
	f.daemon.Blackhole.Store(true)
	_, err := c.Status(ctx, "any")
	f.expectUnavailable(t, "call to a hung node", err)
	if !errors.Is(err, node.ErrTimeout) {
		t.Fatalf("hung node: %v, want ErrTimeout", err)
	}
	_, err = f.client(t)
	f.expectUnavailable(t, "Client while down", err)
	f.reg.Poll(ctx) // still hung: the poll's own timeout
	_, err = f.client(t)
	f.expectUnavailable(t, "Client after a failed poll", err)

	f.daemon.Blackhole.Store(false)
	f.reg.Poll(ctx)
	f.expectReconcile(t) // it came back
	c, err = f.client(t)
	if err != nil {
		t.Fatalf("Client after recovery: %v", err)
	}
	if _, err := c.ListServers(ctx); err != nil {
		t.Fatalf("call after recovery: %v", err)
	}
}

// TestRegistryReconcilesOnNewBootID: polls of an unchanged daemon do not reconcile; a
// restarted daemon (new bootId) announcing itself by check-in does.
func TestRegistryReconcilesOnNewBootID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.reg.Poll(ctx)
	f.expectReconcile(t)
	f.reg.Poll(ctx)
	c, _ := f.client(t)
	h, err := c.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.reg.CheckIn(ctx, f.row.ID, h.BootId) // the same boot: nothing to do
	restarted := nodetest.NewService(t, f.row.ID)
	f.daemon.Replace(t, restarted)
	h2, err := restarted.Health(ctx)
	if err != nil || h2.BootId == h.BootId {
		t.Fatalf("restarted service boot %q (was %q), %v", h2.BootId, h.BootId, err)
	}
	f.reg.CheckIn(ctx, f.row.ID, h2.BootId)
	f.expectReconcile(t)
	f.expectNoReconcile(t)
}

// TestRegistryWrongNodeAtAddress: a row pointing at another node's daemon is down (that
// daemon refuses tokens for this node), never used.
func TestRegistryWrongNodeAtAddress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other, err := f.db.Node.Create().SetName("other").SetPrivateHost(f.row.PrivateHost).SetPrivatePort(f.row.PrivatePort).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.reg.PollNode(ctx, other.ID); !errors.Is(err, node.ErrUnavailable) {
		t.Fatalf("poll of a node whose address serves another node: %v", err)
	}
	if _, err := f.reg.Client(ctx, other); !errors.Is(err, node.ErrUnavailable) {
		t.Fatalf("Client of the misaddressed node: %v", err)
	}
}

// TestRegistryAbortsCallsInFlight: a long call to a node that stops answering ends when a
// poll finds the node down, not after its own (long) bound.
func TestRegistryAbortsCallsInFlight(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.reg.Poll(ctx)
	f.expectReconcile(t)
	c, _ := f.client(t)
	f.daemon.Blackhole.Store(true)
	done := make(chan error, 1)
	go func() { done <- c.CreateServer(ctx, nodetest.Def("slow")) }() // long bound: minutes
	for f.daemon.Held.Load() == 0 {
		time.Sleep(5 * time.Millisecond) // until the node holds the request
	}
	f.reg.Poll(ctx)
	select {
	case err := <-done:
		f.expectUnavailable(t, "a long call when its node was found down", err)
	case <-time.After(nodetest.Timeout):
		t.Fatal("the long call still waits after its node was found down")
	}
}
