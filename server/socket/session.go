package socket

import (
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/server/node"
)

// socket is one open WebSocket. Three goroutines own it: the writer (the request's goroutine:
// the only one writing data frames and closing the connection), the reader (client messages)
// and the keeper (pings, token expiry, periodic re-validation). Everything shared is guarded
// by mu; the writer is woken through wake.
type socket struct {
	st       *Engine
	opts     Options
	log      *slog.Logger
	conn     *websocket.Conn
	fc       *frameConn
	serverID string
	started  time.Time

	wake chan struct{} // writer: frames queued or close requested
	keep chan struct{} // keeper: the principal changed
	done chan struct{} // closed when the writer has closed the connection

	mu        sync.Mutex
	token     string
	principal *Principal
	perms     socketPerms
	warnedFor time.Time // the expiry a token_expiring was sent for
	hub       *hub
	node      node.Client

	q       []*frame // ring of queued data frames
	head, n int
	dropped int    // data frames lost since the last notice
	status  *frame // the latest status that found the queue full
	ctrl    []*frame

	closeCode    websocket.StatusCode
	closeReason  string
	closeDiscard bool // do not flush queued frames before closing
	abort        bool // drop the connection without a close handshake
}

// socketPerms are what the principal's scopes allow on this socket.
type socketPerms struct{ console, send, stats, status bool }

func permsOf(p *Principal) socketPerms {
	return socketPerms{console: p.Has("server.console"), send: p.Has("server.sendCommand"),
		stats: p.Has("server.stats"), status: p.Has("server.status")}
}

const (
	maxCtrlFrames = 64
	writeBatch    = 256
)

func newSocket(st *Engine, opts Options, conn *websocket.Conn, fc *frameConn, serverID string) *socket {
	return &socket{
		st: st, opts: opts, conn: conn, fc: fc, serverID: serverID, started: time.Now(),
		log:  st.log.With("component", "socket", "server", serverID),
		wake: make(chan struct{}, 1), keep: make(chan struct{}, 1), done: make(chan struct{}),
		q: make([]*frame, opts.Buffer),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push queues data frames the socket may see (the hub calls it; it never blocks).
func (s *socket) push(fs []*frame) {
	s.mu.Lock()
	if s.closeCode != 0 || s.abort {
		s.mu.Unlock()
		return
	}
	added := false
	for _, f := range fs {
		if s.allowedLocked(f.kind) && s.enqueueLocked(f) {
			added = true
		}
	}
	s.mu.Unlock()
	if added {
		signal(s.wake)
	}
}

func (s *socket) allowedLocked(k frameKind) bool {
	switch k {
	case kindConsole:
		return s.perms.console
	case kindStats:
		return s.perms.stats
	case kindStatus:
		return s.perms.status
	}
	return true
}

// enqueueLocked queues f, or drops it when the queue is full (a status is kept aside and
// delivered when there is room: the latest state is never lost).
func (s *socket) enqueueLocked(f *frame) bool {
	s.noticesLocked()
	full := s.dropped > 0 || s.n == len(s.q)
	switch {
	case full && f.kind == kindStatus:
		s.status = f
		return false
	case full:
		s.dropped++
		return false
	}
	s.putLocked(f)
	return true
}

// noticesLocked queues the dropped-messages notice and the kept-aside status once there is
// room for them and at least one more frame.
func (s *socket) noticesLocked() {
	if s.dropped > 0 {
		need := 2 // the error, and one more frame
		if s.perms.console {
			need++ // the console notice
		}
		if len(s.q)-s.n < need {
			return
		}
		for _, f := range droppedFrames(s.dropped, s.perms.console) {
			s.putLocked(f)
		}
		s.dropped = 0
	}
	if s.status != nil && s.n < len(s.q) {
		s.putLocked(s.status)
		s.status = nil
	}
}

func (s *socket) putLocked(f *frame) {
	s.q[(s.head+s.n)%len(s.q)] = f
	s.n++
}

// send queues a message that is never dropped for lack of room in the data queue (errors,
// token_expiring); at most maxCtrlFrames wait at a time.
func (s *socket) send(f *frame) {
	s.mu.Lock()
	if len(s.ctrl) < maxCtrlFrames {
		s.ctrl = append(s.ctrl, f)
	}
	s.mu.Unlock()
	signal(s.wake)
}

func (s *socket) sendError(code, msg string) { s.send(errorFrame(code, msg)) }

// closeWith asks the writer to close the socket (the first request wins). discard drops the
// queued messages instead of flushing them first.
func (s *socket) closeWith(code websocket.StatusCode, reason string, discard bool) {
	s.mu.Lock()
	if s.closeCode == 0 && !s.abort {
		s.closeCode, s.closeReason, s.closeDiscard = code, reason, discard
	}
	s.mu.Unlock()
	signal(s.wake)
}

// drop asks the writer to drop the connection without a close handshake (dead or gone peer).
func (s *socket) drop(why string) {
	s.mu.Lock()
	if !s.abort {
		s.abort = true
		s.log.Debug("dropping socket", "why", why)
	}
	s.mu.Unlock()
	signal(s.wake)
}

// take moves up to max queued frames to dst (control frames first) and reports a pending
// close.
func (s *socket) take(dst []*frame) (_ []*frame, code websocket.StatusCode, reason string, abort bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.abort {
		return dst, 0, "", true
	}
	if s.closeCode != 0 && s.closeDiscard {
		return dst, s.closeCode, s.closeReason, false
	}
	dst = append(dst, s.ctrl...)
	clear(s.ctrl)
	s.ctrl = s.ctrl[:0]
	for s.n > 0 && len(dst) < writeBatch {
		dst = append(dst, s.q[s.head])
		s.q[s.head] = nil
		s.head = (s.head + 1) % len(s.q)
		s.n--
	}
	if s.n == 0 {
		s.noticesLocked()
	}
	return dst, s.closeCode, s.closeReason, false
}

// writeLoop writes queued frames in batches (one vectored write each) until the socket
// closes, then closes the connection.
func (s *socket) writeLoop() {
	frames := make([]*frame, 0, writeBatch+maxCtrlFrames)
	backing := make(net.Buffers, 0, writeBatch+maxCtrlFrames)
	var scratch []byte
	var last time.Time
	for range s.wake {
		if d := s.opts.FlushInterval - time.Since(last); d > 0 {
			time.Sleep(d)
		}
		for {
			var code websocket.StatusCode
			var reason string
			var abort bool
			frames, code, reason, abort = s.take(frames[:0])
			if abort {
				_ = s.conn.CloseNow()
				return
			}
			if len(frames) == 0 {
				if code != 0 {
					_ = s.conn.Close(code, reason)
					return
				}
				break
			}
			bufs := backing[:0]
			for _, f := range frames {
				bufs = append(bufs, f.b)
			}
			err := s.fc.writeFrames(&bufs, &scratch)
			clear(frames)
			clear(backing[:len(frames)])
			if err != nil {
				s.log.Debug("socket write failed", "err", err)
				_ = s.conn.CloseNow()
				return
			}
			last = time.Now()
		}
	}
}
