package nodeapi

import (
	"context"
	"fmt"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Events subscribes to the daemon's fan-out in process. One goroutine per stream converts the
// daemon's events to the wire type; it never blocks (the daemon's fan-out never blocks the
// game either): when the reader falls behind, events are dropped and a console event with
// Dropped > 0 follows once there is room.
func (s *Service) Events(_ context.Context, id string, buffer int) (EventStream, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	if buffer <= 0 {
		buffer = daemon.DefaultSubscriptionBuffer
	}
	sub, err := m.Subscribe(id, buffer)
	if err != nil {
		return nil, err
	}
	ls := &localStream{sub: sub, ch: make(chan daemonapi.Event, buffer), done: make(chan struct{}),
		backlog: ConsoleLinesToAPI(sub.Backlog())}
	go ls.pump()
	return ls, nil
}

// localStream is an EventStream over a daemon.Subscription.
type localStream struct {
	sub     *daemon.Subscription
	ch      chan daemonapi.Event
	done    chan struct{} // closed when pump returned (ch is closed)
	backlog []daemonapi.ConsoleLine
}

func (l *localStream) Backlog() []daemonapi.ConsoleLine { return l.backlog }
func (l *localStream) C() <-chan daemonapi.Event        { return l.ch }
func (l *localStream) Err() error                       { return nil }

// Close ends the subscription; C is closed when Close returns.
func (l *localStream) Close() {
	l.sub.Close()
	<-l.done
}

// pump converts and forwards the subscription's events until it ends.
func (l *localStream) pump() {
	defer close(l.done)
	defer close(l.ch)
	dropped := 0
	for ev := range l.sub.C() {
		notice := ev.Dropped > 0 // the daemon's own notice: merged with ours
		dropped += ev.Dropped
		if dropped > 0 {
			select {
			case l.ch <- droppedNotice(dropped):
				dropped = 0
			default:
				if !notice {
					dropped++
				}
				continue
			}
		}
		if notice {
			continue
		}
		select {
		case l.ch <- EventToAPI(ev):
		default:
			dropped++
		}
	}
}

func droppedNotice(n int) daemonapi.Event {
	line := daemonapi.ConsoleLine{Time: time.Now().UnixMilli(),
		Text: fmt.Sprintf("%s%d events were dropped because this reader is too slow", daemon.DaemonPrefix, n)}
	return daemonapi.Event{Kind: daemonapi.EventKindConsole, Line: &line, Dropped: &n}
}
