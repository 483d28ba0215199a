package daemon

import (
	"fmt"
	"sync"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// EventKind tells what an Event carries.
type EventKind string

// Event kinds.
const (
	EventConsole EventKind = "console" // Line (a ring line, or a dropped-events notice with Cursor 0)
	EventStatus  EventKind = "status"  // Status
	EventStats   EventKind = "stats"   // Stats, sampled every Options.StatsInterval while running
	EventDeleted EventKind = "deleted" // the server was deleted; the channel closes next
)

// Event is one message for a subscriber.
type Event struct {
	Kind    EventKind
	Line    ConsoleLine
	Status  StatusInfo
	Stats   runtime.Stats
	Dropped int // for a dropped-events notice: how many events this subscriber lost
}

// DefaultSubscriptionBuffer is the buffer of a subscription created with bufferSize <= 0.
const DefaultSubscriptionBuffer = 256

// hub fans events out to a server's subscribers without ever blocking the publisher.
type hub struct {
	mu     sync.RWMutex
	subs   map[subscriber]struct{}
	closed bool
	now    func() time.Time
}

// subscriber is one subscription of any event type (Sub[E]).
type subscriber interface {
	deliver(ev Event, now func() time.Time)
	deliverLines(lines []ConsoleLine, now func() time.Time)
	finish(final *Event)
}

func newHub(now func() time.Time) *hub {
	return &hub{subs: map[subscriber]struct{}{}, now: now}
}

func (h *hub) publish(ev Event) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		s.deliver(ev, h.now)
	}
}

// publishLines publishes one console event per line, taking each subscriber's lock once.
func (h *hub) publishLines(lines []ConsoleLine) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		s.deliverLines(lines, h.now)
	}
}

func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// subscribeTo registers a subscription whose events conv converts as they are delivered.
func subscribeTo[E any](h *hub, buffer int, backlog []ConsoleLine, conv func(Event) E) (*Sub[E], error) {
	if buffer <= 0 {
		buffer = DefaultSubscriptionBuffer
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("%w: deleted", ErrNotFound)
	}
	s := &Sub[E]{ch: make(chan E, buffer), hub: h, backlog: backlog, conv: conv}
	h.subs[s] = struct{}{}
	return s, nil
}

func (h *hub) remove(s subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// closeAll sends final (when there is room) to every subscriber and closes their channels.
func (h *hub) closeAll(final Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		s.finish(&final)
		delete(h.subs, s)
	}
}

// Subscription receives a server's events as they are (see Sub).
type Subscription = Sub[Event]

func identity(ev Event) Event { return ev }

// Sub receives a server's events, each converted by the subscription's conversion when it is
// delivered (so a subscriber that needs another event type, e.g. the node API's wire type,
// gets it without a goroutine of its own). A subscriber that does not keep up loses events:
// when it has room again it first receives an EventConsole notice saying how many were
// dropped. The channel is closed by Close and when the server is deleted (after an
// EventDeleted, if the buffer had room for it).
type Sub[E any] struct {
	ch      chan E
	hub     *hub
	backlog []ConsoleLine
	conv    func(Event) E

	mu      sync.Mutex
	dropped int
	closed  bool
}

// C returns the event channel.
func (s *Sub[E]) C() <-chan E { return s.ch }

// Backlog returns the console lines retained when the subscription was made; events on C
// continue exactly after them.
func (s *Sub[E]) Backlog() []ConsoleLine { return s.backlog }

// Close unsubscribes and closes the channel. It is safe to call more than once.
func (s *Sub[E]) Close() {
	s.hub.remove(s)
	s.finish(nil)
}

func (s *Sub[E]) finish(final *Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if final != nil && len(s.ch) < cap(s.ch) { // only senders hold s.mu: the send cannot block
		s.ch <- s.conv(*final)
	}
	s.closed = true
	close(s.ch)
}

// deliver never blocks.
func (s *Sub[E]) deliver(ev Event, now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.deliverLocked(&ev, now)
	}
}

// deliverLines delivers one console event per line; it never blocks.
func (s *Sub[E]) deliverLines(lines []ConsoleLine, now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	ev := Event{Kind: EventConsole}
	for i, l := range lines {
		if s.dropped > 0 && len(s.ch) == cap(s.ch) {
			// Still full: the rest is lost too, without trying each line.
			s.dropped += len(lines) - i
			return
		}
		ev.Line = l
		s.deliverLocked(&ev, now)
	}
}

// deliverLocked sends ev (s.mu held, s not closed), preceded by the dropped-events notice when
// events were lost since the last delivery. Only senders hold s.mu, so a channel with room
// takes the send without blocking; a full one drops before anything is converted.
func (s *Sub[E]) deliverLocked(ev *Event, now func() time.Time) {
	if s.dropped > 0 {
		if len(s.ch) == cap(s.ch) {
			s.dropped++
			return
		}
		t := now()
		s.ch <- s.conv(Event{Kind: EventConsole, Dropped: s.dropped, Line: ConsoleLine{
			Time: t.UnixMilli(),
			Text: fmt.Sprintf("%s%d events were dropped because this reader is too slow", DaemonPrefix, s.dropped),
		}})
		s.dropped = 0
	}
	if len(s.ch) == cap(s.ch) {
		s.dropped++
		return
	}
	s.ch <- s.conv(*ev)
}
