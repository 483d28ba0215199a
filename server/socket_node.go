package server

import (
	"context"

	"github.com/skypanel/skypanel/daemon"
)

// NodeEvents is the part of NodeClient for the live console/stats/status events for
// WebSockets (issue 6); LocalNode implements it in this file.
type NodeEvents interface {
	// Events subscribes to a server's events: console lines, status changes and (while
	// subscribed and running) periodic stats, with a buffer of buffer events. A subscriber that
	// falls behind loses events and then receives a console event with Dropped > 0. The stream
	// ends (C is closed) after Close, and when the server is deleted (after an EventDeleted
	// when the buffer had room). The panel keeps one stream per watched server and fans it
	// out to its sockets itself.
	Events(ctx context.Context, id string, buffer int) (EventStream, error)
}

// EventStream is one subscription to a server's events (*daemon.Subscription implements it).
type EventStream interface {
	// Backlog returns the console lines retained when the stream was opened; C continues
	// right after them.
	Backlog() []daemon.ConsoleLine
	C() <-chan daemon.Event
	// Close ends the stream; C is closed. Safe to call more than once.
	Close()
}

var _ EventStream = (*daemon.Subscription)(nil)

// Events subscribes to the daemon's fan-out in process.
func (l *LocalNode) Events(_ context.Context, id string, buffer int) (EventStream, error) {
	m, err := l.manager()
	if err != nil {
		return nil, err
	}
	sub, err := m.Subscribe(id, buffer)
	if err != nil {
		return nil, err
	}
	return sub, nil
}
