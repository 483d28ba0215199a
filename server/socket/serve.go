package socket

import (
	"context"
	"sync"

	"net/http"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/server/node"
)

// Join is what a socket opened with a bearer token on its upgrade request holds before the
// upgrade: its principal and a slot on the server's events (Acquire).
type Join struct {
	principal *Principal
	token     string
	hub       *hub
	node      node.Client
}

// Acquire takes a slot on the events of a server on nc for a socket about to be upgraded
// with principal p (already checked for access) and its token: ErrTooManySockets when the
// server has MaxPerServer sockets, ErrShuttingDown, or the node's error opening the events.
// Serve uses the slot; Release gives it back when the upgrade does not happen.
func (st *Engine) Acquire(ctx context.Context, serverID string, p *Principal, token string, nc node.Client) (*Join, error) {
	hb, err := st.acquire(ctx, serverID, nc, st.log)
	if err != nil {
		return nil, err
	}
	return &Join{principal: p, token: token, hub: hb, node: nc}, nil
}

// Release gives back the slot of a Join that Serve will not use.
func (st *Engine) Release(j *Join) {
	if j != nil && j.hub != nil {
		st.release(j.hub)
	}
}

// Serve upgrades the request (the handshake and origin were checked: CheckHandshake,
// CheckOrigin) and serves the socket until it closes. j is the Join of a socket opened with a
// token, nil for one that authenticates with its first message.
func (st *Engine) Serve(w http.ResponseWriter, r *http.Request, serverID string, j *Join) {
	opts := st.Options()
	hw := &hijackWriter{ResponseWriter: w, timeout: opts.WriteTimeout, sndbuf: opts.SendBuffer}
	conn, err := websocket.Accept(hw, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // origin checked before
	if err != nil {
		st.Release(j)
		st.log.Debug("socket: upgrade failed", "err", err) // Accept answered the request
		return
	}
	s := newSocket(st, opts, conn, hw.conn, serverID)
	if !st.register(s) {
		st.Release(j)
		_ = conn.Close(closeGoingAway, "the panel is shutting down")
		return
	}
	defer st.unregister(s)
	conn.SetReadLimit(opts.MaxMessageBytes)
	if j != nil {
		s.setPrincipal(j.principal, j.token)
		s.join(j.hub, j.node)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.readLoop()
	}()
	go func() {
		defer wg.Done()
		s.keepLoop()
	}()
	s.writeLoop()
	close(s.done)
	wg.Wait()
	s.mu.Lock()
	hb := s.hub
	s.mu.Unlock()
	if hb != nil {
		hb.leave(s)
	}
}
