package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// EventIdleTimeout is how long an event stream may stay silent (the node pings every 15 s)
// before the panel takes the connection for dead.
const EventIdleTimeout = 45 * time.Second

// maxEventLine bounds one NDJSON line (a backlog event carries the retained console).
const maxEventLine = 64 << 20

// Events follows a server's events over one streamEvents connection. The stream lives until
// Close, a deleted event, or the connection breaking; ctx bounds only its opening.
func (r *Remote) Events(ctx context.Context, id string, buffer int) (nodeapi.EventStream, error) {
	if buffer <= 0 {
		buffer = daemon.DefaultSubscriptionBuffer
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancel) // until the stream is open, the caller may give up
	resp, err := r.raw.StreamEvents(sctx, id, &daemonapi.StreamEventsParams{Buffer: &buffer})
	if err != nil {
		stop()
		cancel()
		return nil, r.failed(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		stop()
		defer cancel()
		parsed, err := daemonapi.ParseStreamEventsResponse(resp)
		if err != nil {
			return nil, r.failed(ctx, err)
		}
		return nil, r.status(parsed.HTTPResponse, parsed.Body, http.StatusOK)
	}
	s := &remoteStream{r: r, body: resp.Body, cancel: cancel, ch: make(chan daemonapi.Event, buffer),
		done: make(chan struct{}), idleFor: r.opts.EventIdleTimeout}
	s.lines = bufio.NewScanner(resp.Body)
	s.lines.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	s.idle = time.AfterFunc(s.idleFor, s.expire)
	first, err := s.next()
	stop()
	if err == nil && first.Kind != daemonapi.EventKindBacklog {
		err = fmt.Errorf("%w: the event stream began with %q, not backlog", ErrProtocol, first.Kind)
	}
	if err != nil {
		s.idle.Stop()
		resp.Body.Close()
		cancel()
		return nil, r.failed(ctx, err)
	}
	if first.Backlog != nil {
		s.backlog = *first.Backlog
	}
	go s.pump()
	return s, nil
}

// remoteStream is an EventStream read from NDJSON by one goroutine (pump) that never blocks
// on the reader: when C is full events are dropped and a console notice with Dropped follows.
type remoteStream struct {
	r       *Remote
	body    io.ReadCloser
	cancel  context.CancelFunc
	lines   *bufio.Scanner
	idle    *time.Timer
	idleFor time.Duration
	backlog []daemonapi.ConsoleLine
	ch      chan daemonapi.Event
	done    chan struct{} // closed after ch

	mu      sync.Mutex
	closing bool // Close was called
	expired bool // EventIdleTimeout passed without a line
	err     error
}

func (s *remoteStream) Backlog() []daemonapi.ConsoleLine { return s.backlog }
func (s *remoteStream) C() <-chan daemonapi.Event        { return s.ch }

// Err is why C closed: nil after Close or a deleted event, else an *UnavailableError.
func (s *remoteStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the stream; C is closed when it returns.
func (s *remoteStream) Close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.cancel()
	s.body.Close()
	<-s.done
}

// expire breaks a connection that stayed silent for EventIdleTimeout.
func (s *remoteStream) expire() {
	s.mu.Lock()
	s.expired = true
	s.mu.Unlock()
	s.body.Close()
}

// next reads one event, restarting the idle timer.
func (s *remoteStream) next() (daemonapi.Event, error) {
	var ev daemonapi.Event
	if !s.lines.Scan() {
		err := s.lines.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return ev, err
	}
	s.idle.Reset(s.idleFor)
	if err := json.Unmarshal(s.lines.Bytes(), &ev); err != nil {
		return ev, fmt.Errorf("%w: event line: %w", ErrProtocol, err)
	}
	return ev, nil
}

// pump forwards events until the stream ends, then records why and closes C.
func (s *remoteStream) pump() {
	defer close(s.done)
	defer close(s.ch)
	defer s.cancel()
	defer s.idle.Stop()
	err := s.forward()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil, s.closing:
		return
	case s.expired:
		err = fmt.Errorf("%w: no event for %s", ErrTimeout, s.idleFor)
	}
	s.err = s.r.unavailable(err)
}

// forward reads events into C; nil after a deleted event.
func (s *remoteStream) forward() error {
	dropped := 0
	for {
		ev, err := s.next()
		if err != nil {
			return err
		}
		switch {
		case ev.Kind == daemonapi.EventKindPing || ev.Kind == daemonapi.EventKindBacklog:
			continue
		case ev.Dropped != nil && *ev.Dropped > 0: // the node's own notice: merged with ours
			dropped += *ev.Dropped
			select {
			case s.ch <- droppedNotice(dropped):
				dropped = 0
			default:
			}
			continue
		}
		if dropped > 0 {
			select {
			case s.ch <- droppedNotice(dropped):
				dropped = 0
			default:
				dropped++
				continue
			}
		}
		select {
		case s.ch <- ev:
		default:
			dropped++
		}
		if ev.Kind == daemonapi.EventKindDeleted {
			return nil
		}
	}
}

// droppedNotice tells a reader how many events it lost.
func droppedNotice(n int) daemonapi.Event {
	line := daemonapi.ConsoleLine{Time: time.Now().UnixMilli(),
		Text: fmt.Sprintf("%s%d events were dropped because this reader is too slow", daemon.DaemonPrefix, n)}
	return daemonapi.Event{Kind: daemonapi.EventKindConsole, Line: &line, Dropped: &n}
}
