package server

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/node"
)

// ServerSocket upgrades to the server's WebSocket. With a bearer token on the upgrade
// request, everything that can fail is checked before upgrading (404, 503, 429 in the
// envelope); without one, the socket authenticates with its first message.
func (h *Handlers) ServerSocket(ctx context.Context, req gen.ServerSocketRequestObject) (gen.ServerSocketResponseObject, error) {
	r := ginRequest(ctx)
	st := h.a.socketState()
	opts := st.options()
	x := socketResponse{h: h, r: r, serverID: req.ServerId}
	p := PrincipalFrom(ctx)
	if p == nil && !isUpgrade(r) {
		return nil, errUnauthorized("missing bearer token: send Authorization: Bearer <token>, or open a WebSocket and send an auth message first")
	}
	if p != nil {
		row, nc, err := h.serverOnNode(ctx, req.ServerId)
		if err != nil {
			return nil, err
		}
		x.p, x.row, x.nc = p, row, nc
		x.token, _ = bearer(r)
	}
	if err := checkHandshake(r); err != nil {
		return nil, err
	}
	if err := checkOrigin(r, opts.AllowedOrigins); err != nil {
		return nil, err
	}
	if p != nil {
		hb, err := st.acquire(ctx, x.row.ID, x.nc, h.a.log)
		if errors.Is(err, ErrTooManySockets) {
			if c, ok := ctx.(*gin.Context); ok {
				c.Writer.Header().Set("Retry-After", "10")
			}
		}
		if err != nil {
			return nil, err
		}
		x.hub = hb
	}
	return x, nil
}

// socketResponse upgrades the connection and serves the socket until it closes.
type socketResponse struct {
	h        *Handlers
	r        *http.Request
	serverID string
	// set when the upgrade request carried a valid token
	p     *Principal
	token string
	row   *ent.Server
	nc    node.Client
	hub   *hub
}

func (x socketResponse) VisitServerSocketResponse(w http.ResponseWriter) error {
	a := x.h.a
	st := a.socketState()
	opts := st.options()
	hw := &hijackWriter{ResponseWriter: w, timeout: opts.WriteTimeout, sndbuf: opts.SendBuffer}
	conn, err := websocket.Accept(hw, x.r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // origin checked above
	if err != nil {
		if x.hub != nil {
			st.release(x.hub)
		}
		a.log.Debug("socket: upgrade failed", "err", err) // Accept answered the request
		return nil
	}
	s := newSocket(a, st, opts, conn, hw.conn, x.serverID)
	if !st.register(s) {
		if x.hub != nil {
			st.release(x.hub)
		}
		_ = conn.Close(closeGoingAway, "the panel is shutting down")
		return nil
	}
	defer st.unregister(s)
	conn.SetReadLimit(opts.MaxMessageBytes)
	if x.p != nil {
		s.setPrincipal(x.p, x.token)
		s.join(x.hub, x.nc)
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
	return nil
}

// isUpgrade reports whether the request asks for a WebSocket.
func isUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// checkHandshake validates the opening handshake (RFC 6455 4.2.1) so that failures answer in
// the envelope instead of coder/websocket's plain text.
func checkHandshake(r *http.Request) error {
	bad := func(field, msg string) error {
		return newAPIError(http.StatusBadRequest, CodeFieldInvalid, msg, map[string]any{"field": field})
	}
	switch {
	case !r.ProtoAtLeast(1, 1):
		return bad("protocol", "a WebSocket handshake needs HTTP/1.1")
	case !isUpgrade(r):
		return bad("Upgrade", "this route only answers WebSocket upgrades (Connection: Upgrade, Upgrade: websocket)")
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return bad("Sec-WebSocket-Version", "only WebSocket version 13 is supported")
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return bad("Sec-WebSocket-Key", "exactly one Sec-WebSocket-Key header is required")
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(k) != 16 {
		return bad("Sec-WebSocket-Key", "Sec-WebSocket-Key must be 16 bytes in base64")
	}
	return nil
}

// checkOrigin allows requests without Origin (not from a browser), the panel's own host and
// the configured patterns (see SocketOptions.AllowedOrigins).
func checkOrigin(r *http.Request, allowed []string) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	deny := newAPIError(http.StatusForbidden, CodePermissionDenied, "this origin may not open WebSockets on this panel",
		map[string]any{"origin": origin})
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return deny
	}
	if strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	for _, pat := range allowed {
		target := u.Host
		if strings.Contains(pat, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if pat == "*" {
			return nil
		}
		if ok, err := path.Match(strings.ToLower(pat), strings.ToLower(target)); err == nil && ok {
			return nil
		}
	}
	return deny
}
