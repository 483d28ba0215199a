package webhook

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

// blockingNode streams no events and answers Status once release is closed.
type blockingNode struct {
	nodeapi.Node
	asked   chan struct{} // closed when Status is called
	release chan struct{}
	stream  *fakeStream
}

func (n *blockingNode) Client(context.Context, *ent.Node) (node.Client, error) { return n, nil }

func (n *blockingNode) Events(context.Context, string, int) (nodeapi.EventStream, error) {
	return n.stream, nil
}

func (n *blockingNode) Status(context.Context, string) (daemonapi.Status, error) {
	close(n.asked)
	<-n.release
	return daemonapi.Status{State: daemonapi.StateStopped}, nil
}

type fakeStream struct {
	nodeapi.EventStream
	c      chan daemonapi.Event
	closed atomic.Bool
}

func (s *fakeStream) C() <-chan daemonapi.Event { return s.c }
func (s *fakeStream) Close()                    { s.closed.Store(true) }

// TestWatcherCloseWaitsForWatch: Close during a Watch (reading the new server's state) waits
// until that stream is closed, instead of returning while its follower is still to start.
func TestWatcherCloseWaitsForWatch(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := New(st.Client, st.Keys.Seal, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	st.Client.Webhook.Create().SetURL("http://127.0.0.1:9/").SetEvents([]string{ServerStarted}).ExecX(ctx)
	n := &blockingNode{asked: make(chan struct{}), release: make(chan struct{}),
		stream: &fakeStream{c: make(chan daemonapi.Event)}}
	w := NewWatcher(e, st.Client, n, time.Hour, nil)
	s := &ent.Server{ID: "watch1", Edges: ent.ServerEdges{Node: &ent.Node{ID: 1}}}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		w.Watch(ctx, s)
	}()
	<-n.asked
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		w.Close()
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a Watch was opening a stream")
	case <-time.After(50 * time.Millisecond):
	}
	close(n.release)
	<-watched
	<-closed
	if !n.stream.closed.Load() {
		t.Fatal("the stream is still open after Close")
	}
}
