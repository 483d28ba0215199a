package socket

import (
	"context"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// suspendedReason is the close reason of closeSuspended (4009).
const suspendedReason = "the server is suspended"

// SetSuspended tells the sockets of a server that it was suspended (v) or unsuspended. On
// suspension every open socket, administrators' included, gets a status message with
// suspended: true and is closed with 4009; from then on a non-administrator's socket cannot
// attach (hub.attach, access). On unsuspension the sockets still open (administrators') get
// the status with suspended: false. A server nobody watches needs nothing: a hub reads the
// flag from the database when it starts. It waits (within ctx) for a hub being started.
func (st *Engine) SetSuspended(ctx context.Context, serverID string, v bool) {
	st.mu.Lock()
	h := st.hubs[serverID]
	st.mu.Unlock()
	if h == nil {
		return
	}
	select { // start's read of the database must not overwrite v
	case <-h.ready:
	case <-ctx.Done():
		return
	}
	h.mu.Lock()
	h.suspended = v
	h.status = statusFrame(h.last, v)
	f, socks := h.status, append([]*socket(nil), h.socks...)
	h.mu.Unlock()
	for _, s := range socks {
		if v {
			s.closeSuspended(f)
		} else {
			s.push([]*frame{f})
		}
	}
}

// closeSuspended queues the status f (suspended: true) whatever the socket's scopes, after
// what was queued before, and closes the socket with 4009 once it is written: the status is
// the last message. A full queue keeps it aside like any status (enqueueLocked); it is
// delivered when the queue drains, before the close.
func (s *socket) closeSuspended(f *frame) {
	s.mu.Lock()
	if s.closeCode == 0 && !s.abort {
		if s.dropped == 0 && s.n < len(s.q) {
			s.putLocked(f)
		} else {
			s.status = f
		}
		s.closeCode, s.closeReason, s.closeDiscard = closeSuspended, suspendedReason, false
	}
	s.mu.Unlock()
	signal(s.wake)
}

// suspendedStatus is the status message of a suspended server as the socket's hub knows it
// (state unknown when the socket is not attached).
func (s *socket) suspendedStatus() *frame {
	s.mu.Lock()
	h := s.hub
	s.mu.Unlock()
	if h == nil {
		return statusFrame(unknownStatus(), true)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return statusFrame(h.last, true)
}

// unknownStatus is the status of a server whose state the socket does not know.
func unknownStatus() daemonapi.Status { return daemonapi.Status{State: "unknown"} }
