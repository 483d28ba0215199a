package socket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel/gen"
)

// commandTimeout bounds writing one console command to the server's stdin.
const commandTimeout = 10 * time.Second

// msgLimiter is the socket's message rate limit: a token bucket (MessageRate, MessageBurst)
// plus a strike counter for throttled messages, forgiven at the same rate; more than
// AbuseLimit strikes is sustained abuse.
type msgLimiter struct {
	rate, burst, tokens float64
	strikes, maxStrikes float64
	last                time.Time
}

func newMessageLimiter(o Options) *msgLimiter {
	return &msgLimiter{rate: o.MessageRate, burst: float64(o.MessageBurst), tokens: float64(o.MessageBurst),
		maxStrikes: float64(o.AbuseLimit), last: time.Now()}
}

// take reports whether a message may be handled now, and whether the sender abuses.
func (l *msgLimiter) take(now time.Time) (ok, abuse bool) {
	el := now.Sub(l.last).Seconds()
	l.last = now
	l.tokens = min(l.burst, l.tokens+el*l.rate)
	l.strikes = max(0, l.strikes-el*l.rate)
	if l.tokens >= 1 {
		l.tokens--
		return true, false
	}
	l.strikes++
	return false, l.strikes > l.maxStrikes
}

// readLoop handles client messages until the connection fails or closes.
func (s *socket) readLoop() {
	lim := newMessageLimiter(s.opts)
	for {
		typ, data, err := s.conn.Read(context.Background())
		if err != nil {
			s.drop("read: " + err.Error())
			return
		}
		ok, abuse := lim.take(time.Now())
		if abuse {
			s.closeWith(closeRateLimited, "too many messages", true)
			continue // keep reading until the close handshake ends
		}
		if !ok {
			s.sendError(CodeRateLimited, fmt.Sprintf("too many messages: at most %g per second (bursts of %d); this one was ignored",
				s.opts.MessageRate, s.opts.MessageBurst))
			continue
		}
		if typ != websocket.MessageText {
			s.sendError(CodeFieldInvalid, "messages are JSON text (WsClientMessage)")
			continue
		}
		s.handle(data)
	}
}

// handle validates one message against WsClientMessage and acts on it.
func (s *socket) handle(data []byte) {
	m, code, msg := s.parse(data)
	if code != "" {
		s.sendError(code, msg)
		return
	}
	switch m.Type {
	case "auth":
		if m.Token == nil {
			s.sendError(CodeFieldRequired, `field "token" is required in an auth message`)
			return
		}
		s.authenticate(*m.Token)
	case "console":
		if m.Data == nil {
			s.sendError(CodeFieldRequired, `field "data" is required in a console message`)
			return
		}
		s.command(*m.Data)
	}
}

// parse decodes a client message and validates it against the spec's schema.
func (s *socket) parse(data []byte) (m gen.WsClientMessage, code, msg string) {
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return m, CodeFieldInvalid, "the message is not valid JSON"
	}
	if sch := s.st.deps.ClientMessage; sch != nil {
		if err := sch.VisitJSON(raw, openapi3.MultiErrors()); err != nil {
			return m, CodeFieldInvalid, "the message does not match WsClientMessage: " + schemaReason(err)
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, CodeFieldInvalid, "the message does not match WsClientMessage"
	}
	return m, "", ""
}

// schemaReason is a short, safe description of a schema error.
func schemaReason(err error) string {
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 {
		err = me[0]
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		r := se.Reason
		if p := se.JSONPointer(); len(p) > 0 {
			r = strings.Join(p, ".") + ": " + r
		}
		return r
	}
	return "invalid message"
}

// command sends a console command to the server.
func (s *socket) command(cmd string) {
	s.mu.Lock()
	authed, may, nc := s.principal != nil, s.perms.send, s.node
	s.mu.Unlock()
	switch {
	case !authed:
		s.sendError(CodeUnauthorized, `authenticate first: send {"type":"auth","token":"…"}`)
		return
	case !may:
		s.sendError(CodePermissionDenied, "sending commands needs server.sendCommand (or server.console)")
		return
	case nc == nil:
		s.sendError(CodeNodeUnavailable, "the server's node is not connected")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	if err := nc.SendCommand(ctx, s.serverID, cmd); err != nil {
		s.mu.Lock()
		p := s.principal
		s.mu.Unlock()
		ae := s.st.deps.Errors(p, err)
		if ae.Status >= 500 {
			s.log.Error("socket: send command", "err", err)
		}
		s.sendError(ae.Code, ae.Msg)
	}
}
