package socket

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/oauth"
)

// authTimeout bounds one authentication or re-validation (database reads).
const authTimeout = 10 * time.Second

// setPrincipal installs (or replaces) the socket's credentials and re-arms the keeper.
func (s *socket) setPrincipal(p *Principal, token string) {
	s.mu.Lock()
	s.principal, s.token, s.perms = p, token, permsOf(p)
	s.mu.Unlock()
	signal(s.keep)
}

// access checks that p may watch the server; a non-zero code is the close code to use.
// first: the socket is not attached yet (a missing server is then not distinguishable from
// another user's, as in the REST API); afterwards a missing server was deleted.
func (s *socket) access(ctx context.Context, p *Principal, first bool) (*ent.Server, websocket.StatusCode, string) {
	if !p.Has("server.view") {
		return nil, closeForbidden, "the token lacks server.view"
	}
	row, err := s.st.deps.DB.Server.Get(ctx, s.serverID)
	switch {
	case ent.IsNotFound(err) && first:
		return nil, closeForbidden, "server not found or not accessible with this token"
	case ent.IsNotFound(err):
		return nil, closeDeleted, "the server was deleted"
	case err != nil:
		s.log.Error("socket: read server", "err", err)
		return nil, closeInternal, "internal error"
	case !p.Admin && row.OwnerID != p.UserID:
		return nil, closeForbidden, "server not found or not accessible with this token"
	case !p.Admin && row.Suspended:
		return nil, closeSuspended, suspendedReason
	}
	return row, 0, ""
}

// authenticate handles an auth message: the first one attaches the socket to the server's
// events; a later one replaces the token (e.g. after token_expiring).
func (s *socket) authenticate(token string) {
	ctx, cancel := context.WithTimeout(context.Background(), authTimeout)
	defer cancel()
	s.mu.Lock()
	first := s.principal == nil
	s.mu.Unlock()
	p, err := s.st.deps.Authenticate(ctx, token)
	if err != nil {
		if first {
			s.closeWith(closeUnauthorized, "the access token is invalid or expired", true)
		} else {
			s.sendError(CodeUnauthorized, "the access token is invalid or expired; the previous token stays in use")
		}
		return
	}
	row, code, reason := s.access(ctx, p, first)
	if code != 0 {
		s.closeWith(code, reason, true)
		return
	}
	if !first {
		s.setPrincipal(p, token)
		return
	}
	nc, err := s.st.nodeOf(ctx, row)
	if err != nil {
		s.failJoin(p, err)
		return
	}
	hb, err := s.st.acquire(ctx, row.ID, nc, s.st.log)
	if err != nil {
		s.failJoin(p, err)
		return
	}
	s.setPrincipal(p, token)
	s.join(hb, nc)
}

// join attaches the socket to its hub (which holds a slot for it).
func (s *socket) join(hb *hub, nc node.Client) {
	s.mu.Lock()
	s.hub, s.node = hb, nc
	admin := s.principal != nil && s.principal.Admin
	s.mu.Unlock()
	switch hb.attach(s, admin) {
	case closeDeleted:
		s.closeWith(closeDeleted, "the server was deleted", false)
	case closeSuspended:
		s.closeWith(closeSuspended, suspendedReason, true)
	}
}

// failJoin closes a socket whose server's events could not be opened for p.
func (s *socket) failJoin(p *Principal, err error) {
	switch {
	case errors.Is(err, ErrTooManySockets):
		s.closeWith(closeRateLimited, "too many sockets on this server", true)
	case errors.Is(err, ErrShuttingDown):
		s.closeWith(closeGoingAway, "the panel is shutting down", true)
	case errors.Is(err, daemon.ErrNotFound):
		s.closeWith(closeDeleted, "the server does not exist on its node", true)
	default:
		ae := s.st.deps.Errors(p, err)
		if ae.Status >= 500 {
			s.log.Error("socket: open the server's events", "err", err)
		}
		s.sendError(ae.Code, ae.Msg)
		s.closeWith(closeInternal, "the server's events are unavailable", false)
	}
}

// revalidate re-reads the token and the server: a revoked or expired token closes with
// 4001, a lost scope or owner with 4003, a deleted server with 4004.
func (s *socket) revalidate() {
	s.mu.Lock()
	token, authed := s.token, s.principal != nil
	s.mu.Unlock()
	if !authed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), authTimeout)
	defer cancel()
	got, err := s.st.deps.Authenticate(ctx, token)
	switch {
	case errors.Is(err, oauth.ErrExpiredToken):
		s.closeWith(closeUnauthorized, "the access token expired", true)
		return
	case errors.Is(err, oauth.ErrInvalidToken):
		s.closeWith(closeUnauthorized, "the access token was revoked", true)
		return
	case err != nil:
		s.log.Warn("socket: re-validate token", "err", err)
		return
	}
	if _, code, reason := s.access(ctx, got, false); code == closeSuspended { // suspended through another replica
		s.closeSuspended(s.suspendedStatus())
		return
	} else if code != 0 {
		s.closeWith(code, reason, code != closeDeleted)
		return
	}
	s.mu.Lock()
	if s.token == token { // not replaced meanwhile
		s.principal, s.perms = got, permsOf(got)
	}
	s.mu.Unlock()
}

// keepLoop runs the socket's timers until the writer is done: the authentication deadline,
// the expiry warning and expiry of the token, pings and re-validation.
func (s *socket) keepLoop() {
	ping := time.NewTicker(s.opts.PingInterval)
	defer ping.Stop()
	reval := time.NewTicker(s.opts.Revalidate)
	defer reval.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		at, fire := s.nextDeadline()
		timer.Reset(time.Until(at))
		select {
		case <-s.done:
			return
		case <-s.keep:
		case <-ping.C:
			s.ping()
		case <-reval.C:
			s.revalidate()
		case <-timer.C:
			fire()
		}
	}
}

// nextDeadline returns the next timed action.
func (s *socket) nextDeadline() (time.Time, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeCode != 0 || s.abort { // closing: nothing more to time
		return time.Now().Add(time.Hour), func() {}
	}
	if s.principal == nil {
		return s.started.Add(s.opts.AuthTimeout), func() {
			s.closeWith(closeAuthTimeout, "no auth message within the authentication timeout", true)
		}
	}
	exp := s.principal.ExpiresAt
	if exp.IsZero() {
		return time.Now().Add(time.Hour), func() {}
	}
	if !s.warnedFor.Equal(exp) {
		return exp.Add(-s.opts.ExpiryWarning), func() { s.warn(exp) }
	}
	return exp, func() { s.closeWith(closeUnauthorized, "the access token expired", true) }
}

// warn sends token_expiring for the token expiring at exp (unless it was replaced).
func (s *socket) warn(exp time.Time) {
	s.mu.Lock()
	current := s.principal != nil && s.principal.ExpiresAt.Equal(exp)
	if current {
		s.warnedFor = exp
	}
	s.mu.Unlock()
	if current {
		s.send(expiringFrame(int(math.Ceil(time.Until(exp).Seconds()))))
	}
}

// ping checks that the peer answers; one that does not within PongTimeout is dropped.
func (s *socket) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.PongTimeout)
	defer cancel()
	if err := s.conn.Ping(ctx); err != nil {
		s.drop("no pong: " + err.Error())
	}
}
