package nodetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// nextEvent waits for the next event until the test's deadline; ok is false when C closed.
func nextEvent(t *testing.T, c context.Context, s nodeapi.EventStream) (daemonapi.Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-s.C():
		return ev, ok
	case <-c.Done():
		t.Fatal("no event")
		return daemonapi.Event{}, false
	}
}

// waitLine reads events until the console line text; it returns the dropped counts seen.
func waitLine(t *testing.T, s nodeapi.EventStream, text string) (dropped int) {
	t.Helper()
	c := ctx(t)
	for {
		ev, ok := nextEvent(t, c, s)
		if !ok {
			t.Fatalf("stream closed before %q (%v)", text, s.Err())
		}
		if ev.Dropped != nil {
			dropped += *ev.Dropped
		}
		if ev.Kind == daemonapi.EventKindConsole && ev.Line != nil && ev.Line.Text == text {
			return dropped
		}
	}
}

// testEventsBacklogAndLive: the backlog holds the retained lines; live console lines and
// status changes follow; Close closes C with no error.
func testEventsBacklogAndLive(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "evl")
	must(t, "start", env.Node.Power(c, "evl", daemonapi.PowerRequestActionStart))
	waitConsole(t, env, "evl", "ready")
	s, err := env.Node.Events(c, "evl", 64)
	must(t, "events", err)
	defer s.Close()
	found := false
	for _, l := range s.Backlog() {
		found = found || l.Text == "ready"
	}
	if !found {
		t.Fatalf("backlog %+v lacks the line printed before the stream opened", s.Backlog())
	}
	must(t, "command", env.Node.SendCommand(c, "evl", "live"))
	waitLine(t, s, env.EchoPrefix+"live")
	must(t, "stop", env.Node.Power(c, "evl", daemonapi.PowerRequestActionStop))
	for {
		ev, ok := nextEvent(t, c, s)
		if !ok {
			t.Fatalf("stream closed before the stopped status (%v)", s.Err())
		}
		if ev.Kind == daemonapi.EventKindStatus && ev.Status != nil && ev.Status.State == daemonapi.StateStopped {
			break
		}
	}
	s.Close()
	for range s.C() { // drained, then closed
	}
	if err := s.Err(); err != nil {
		t.Fatalf("Err after Close = %v", err)
	}
	s.Close() // twice is safe
}

// testEventsSlowReaderDrops: a reader that does not keep up loses events, and a console event
// with Dropped > 0 comes before the next line it gets; the node is never blocked.
func testEventsSlowReaderDrops(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "evd")
	must(t, "start", env.Node.Power(c, "evd", daemonapi.PowerRequestActionStart))
	s, err := env.Node.Events(c, "evd", 2)
	must(t, "events", err)
	defer s.Close()
	const n = 60
	for i := range n {
		must(t, "command", env.Node.SendCommand(c, "evd", "burst "+strconv.Itoa(i)))
	}
	waitConsole(t, env, "evd", env.EchoPrefix+"burst "+strconv.Itoa(n-1)) // the node was not blocked
	dropped := 0
	for drained := false; !drained; {
		select {
		case ev := <-s.C():
			if ev.Dropped != nil {
				dropped += *ev.Dropped
			}
		default:
			drained = true
		}
	}
	// The burst may still be on its way (and so fill C again): "after" is sent until one
	// arrives while this reader keeps up.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	must(t, "command", env.Node.SendCommand(c, "evd", "after"))
	for arrived := false; !arrived; {
		select {
		case ev, ok := <-s.C():
			if !ok {
				t.Fatalf("stream closed (%v)", s.Err())
			}
			if ev.Dropped != nil {
				dropped += *ev.Dropped
			}
			arrived = ev.Kind == daemonapi.EventKindConsole && ev.Line != nil && ev.Line.Text == env.EchoPrefix+"after"
		case <-tick.C:
			must(t, "command", env.Node.SendCommand(c, "evd", "after"))
		case <-c.Done():
			t.Fatal("no echo of after reached the reader")
		}
	}
	if dropped == 0 {
		t.Fatal("no dropped-events notice reached the slow reader")
	}
}

// testEventsEndOnDelete: deleting the server ends its streams (C closes, Err nil).
func testEventsEndOnDelete(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "evx")
	s, err := env.Node.Events(c, "evx", 16)
	must(t, "events", err)
	defer s.Close()
	must(t, "delete", env.Node.DeleteServer(c, "evx"))
	for {
		ev, ok := nextEvent(t, c, s)
		if !ok {
			break
		}
		_ = ev
	}
	if err := s.Err(); err != nil {
		t.Fatalf("Err after the server was deleted = %v", err)
	}
}
