package socket

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
)

// hub is the panel's fan-out of one server's events: a single upstream EventStream from the
// server's node, encoded once per event, pushed to every attached socket's bounded queue. It
// never blocks on a socket: a full queue drops (and later tells that socket how many). It
// keeps the recent console frames and the last status for sockets that attach later.
type hub struct {
	st     *Engine
	id     string
	nc     node.Client
	nodeID int // the server's node when the hub started (0: unknown)
	opts   Options
	log    *slog.Logger

	ready   chan struct{} // closed once start finished; err is then set
	err     error
	refs    int // guarded by st.mu: sockets holding a slot (attached or about to)
	stopped atomic.Bool

	mu      sync.Mutex
	stream  nodeapi.EventStream
	socks   []*socket
	backlog []*frame // ring of the last opts.Backlog console frames
	blHead  int
	blN     int
	status  *frame
	closed  bool // the stream ended; no more sockets attach
	// last is the node's latest status, status its frame; suspended is the server's flag
	// (from the database at start, then SetSuspended): tenants' sockets may not attach.
	last      daemonapi.Status
	suspended bool
}

const pumpBatch = 512

// acquire returns the hub of a server, starting it when nobody watches it yet, and takes a
// slot on it (ErrTooManySockets when the server has MaxPerServer sockets already). Release the
// slot with release (or leave, once attached).
func (st *Engine) acquire(ctx context.Context, id string, nc node.Client, log *slog.Logger) (*hub, error) {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil, ErrShuttingDown
	}
	h := st.hubs[id]
	fresh := h == nil
	if fresh {
		h = &hub{st: st, id: id, nc: nc, opts: st.opts, log: log.With("server", id), ready: make(chan struct{})}
		st.hubs[id] = h
	}
	if h.refs >= st.opts.MaxPerServer {
		st.mu.Unlock()
		return nil, ErrTooManySockets
	}
	h.refs++
	st.mu.Unlock()
	if fresh {
		h.err = h.start(ctx)
		close(h.ready)
	} else {
		select {
		case <-h.ready:
		case <-ctx.Done():
			st.release(h)
			return nil, ctx.Err()
		}
	}
	if h.err != nil {
		st.release(h)
		return nil, h.err
	}
	return h, nil
}

// release gives a slot back; the last one stops the hub.
func (st *Engine) release(h *hub) {
	st.mu.Lock()
	h.refs--
	last := h.refs == 0
	if last && st.hubs[h.id] == h {
		delete(st.hubs, h.id)
	}
	st.mu.Unlock()
	if last {
		h.stopped.Store(true)
		if h.stream != nil {
			h.stream.Close() // the pump sees C closed and returns
		}
	}
}

// start opens the upstream stream, reads the current status and starts the pump.
func (h *hub) start(ctx context.Context) error {
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	stream, err := h.nc.Events(octx, h.id, h.opts.UpstreamBuffer)
	if err != nil {
		return err
	}
	if row, err := h.st.deps.DB.Server.Get(octx, h.id); err == nil {
		h.nodeID, h.suspended = row.NodeID, row.Suspended
	}
	// The status is read after subscribing: a change in between arrives on the stream too.
	st, err := h.nc.Status(octx, h.id)
	if err != nil {
		st = daemonapi.Status{State: "unknown"}
	}
	h.last, h.status = st, statusFrame(st, h.suspended)
	h.backlog = make([]*frame, h.opts.Backlog)
	lines := stream.Backlog()
	for _, l := range lines[max(0, len(lines)-h.opts.Backlog):] {
		h.remember(consoleFrame(l.Text))
	}
	h.stream = stream
	if !h.st.spawn(h.run) {
		stream.Close()
		return ErrShuttingDown
	}
	return nil
}

// remember appends a console frame to the backlog ring (h.mu held, or before the pump runs).
func (h *hub) remember(f *frame) {
	if len(h.backlog) == 0 {
		return
	}
	if h.blN < len(h.backlog) {
		h.backlog[(h.blHead+h.blN)%len(h.backlog)] = f
		h.blN++
		return
	}
	h.backlog[h.blHead] = f
	h.blHead = (h.blHead + 1) % len(h.backlog)
}

// spawn runs fn as a goroutine CloseSockets waits for; false when shutting down.
func (st *Engine) spawn(fn func()) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return false
	}
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		fn()
	}()
	return true
}

// run pumps the upstream stream until it ends. Events are taken in batches: after a
// distribution, the next waits FlushInterval so bursts of lines share one pass over the
// sockets.
func (h *hub) run() {
	c := h.stream.C()
	batch := make([]daemonapi.Event, 0, pumpBatch)
	frames := make([]*frame, 0, pumpBatch)
	var last time.Time
	for {
		ev, ok := <-c
		if !ok {
			h.ended(false)
			return
		}
		if d := h.opts.FlushInterval - time.Since(last); d > 0 {
			time.Sleep(d)
		}
		batch = append(batch[:0], ev)
		// Distribute everything that is waiting, pumpBatch events at a time, before sleeping
		// again: the pause bounds how often sockets are woken, never the throughput.
		for {
			batch, ok = drain(c, batch)
			full := len(batch) == pumpBatch
			deleted := h.distribute(batch, frames[:0])
			clear(batch)
			batch = batch[:0]
			if deleted || !ok {
				h.ended(deleted)
				return
			}
			if !full {
				break
			}
		}
		last = time.Now()
	}
}

// drain appends the events already waiting on c, up to pumpBatch; ok is false once c is
// closed.
func drain(c <-chan daemonapi.Event, batch []daemonapi.Event) ([]daemonapi.Event, bool) {
	for len(batch) < pumpBatch {
		select {
		case ev, ok := <-c:
			if !ok {
				return batch, false
			}
			batch = append(batch, ev)
		default:
			return batch, true
		}
	}
	return batch, true
}

// distribute encodes a batch and pushes it to every socket; true when the server was deleted.
func (h *hub) distribute(batch []daemonapi.Event, frames []*frame) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	deleted := false
	for _, ev := range batch {
		switch ev.Kind {
		case daemonapi.EventKindConsole:
			if ev.Line == nil {
				continue
			}
			f := consoleFrame(ev.Line.Text)
			h.remember(f)
			frames = append(frames, f)
		case daemonapi.EventKindStatus:
			if ev.Status == nil {
				continue
			}
			h.last, h.status = *ev.Status, statusFrame(*ev.Status, h.suspended)
			frames = append(frames, h.status)
		case daemonapi.EventKindStats:
			if ev.Stats != nil {
				frames = append(frames, statsFrame(*ev.Stats))
			}
		case daemonapi.EventKindDeleted:
			deleted = true
		}
	}
	if len(frames) > 0 {
		for _, s := range h.socks {
			s.push(frames)
		}
	}
	clear(frames)
	return deleted
}

// ended closes the sockets after the stream ended on its own: 4004 when the server is gone,
// 1012 when it moved to another node (the client reconnects to follow it there).
func (h *hub) ended(deleted bool) {
	h.mu.Lock()
	h.closed = true
	socks := h.socks
	h.socks = nil
	h.mu.Unlock()
	h.st.mu.Lock()
	if h.st.hubs[h.id] == h {
		delete(h.st.hubs, h.id)
	}
	h.st.mu.Unlock()
	if h.stopped.Load() {
		return
	}
	if !deleted {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := h.nc.Status(ctx, h.id)
		cancel()
		deleted = errors.Is(err, daemon.ErrNotFound)
	}
	moved := deleted && h.moved()
	for _, s := range socks {
		if moved {
			s.closeWith(closeMoved, "the server moved to another node; reconnect", false)
		} else if deleted {
			s.closeWith(closeDeleted, "the server was deleted", false)
		} else {
			s.closeWith(closeInternal, "the server's event stream ended", false)
		}
	}
	if !deleted {
		h.log.Warn("event stream of a watched server ended", "err", h.stream.Err())
	}
}

// moved reports whether the server the node deleted lives on another node now (a transfer).
func (h *hub) moved() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	row, err := h.st.deps.DB.Server.Get(ctx, h.id)
	return err == nil && h.nodeID != 0 && row.NodeID != h.nodeID
}

// attach adds a socket (holding a slot) and queues the backlog and the current status for it;
// otherwise it returns the close code: closeDeleted when the stream has ended, closeSuspended
// for a non-administrator's socket on a suspended server.
func (h *hub) attach(s *socket, admin bool) websocket.StatusCode {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return closeDeleted
	}
	if h.suspended && !admin {
		return closeSuspended
	}
	h.socks = append(h.socks, s)
	initial := make([]*frame, 0, h.blN+1)
	for i := range h.blN {
		initial = append(initial, h.backlog[(h.blHead+i)%len(h.backlog)])
	}
	s.push(append(initial, h.status))
	return 0
}

// leave detaches a socket and releases its slot.
func (h *hub) leave(s *socket) {
	h.mu.Lock()
	for i, x := range h.socks {
		if x == s {
			last := len(h.socks) - 1
			h.socks[i] = h.socks[last]
			h.socks[last] = nil
			h.socks = h.socks[:last]
			break
		}
	}
	h.mu.Unlock()
	h.st.release(h)
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.socks)
}
