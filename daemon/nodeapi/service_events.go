package nodeapi

import (
	"context"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Events subscribes to the daemon's fan-out in process. The fan-out converts each event to
// the wire type as it delivers it (daemon.SubscribeConv): no goroutine per stream, and like
// every subscription it never blocks the game — a reader that falls behind loses events and
// then gets a console event with Dropped > 0.
func (s *Service) Events(_ context.Context, id string, buffer int) (EventStream, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	sub, err := daemon.SubscribeConv(m, id, buffer, EventToAPI)
	if err != nil {
		return nil, err
	}
	return &localStream{sub: sub, backlog: ConsoleLinesToAPI(sub.Backlog())}, nil
}

// localStream is an EventStream over a daemon subscription.
type localStream struct {
	sub     *daemon.Sub[daemonapi.Event]
	backlog []daemonapi.ConsoleLine
}

func (l *localStream) Backlog() []daemonapi.ConsoleLine { return l.backlog }
func (l *localStream) C() <-chan daemonapi.Event        { return l.sub.C() }
func (l *localStream) Err() error                       { return nil }
func (l *localStream) Close()                           { l.sub.Close() }
