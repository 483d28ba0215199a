package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// ConsoleMessage is one message of the server's socket (WsServerMessage), decoded by Type:
// "console" sets Line, "stats" Stats, "status" Status, "error" Error and "token_expiring"
// ExpiresIn (seconds).
type ConsoleMessage struct {
	Type      WsServerMessageType
	Line      string
	Stats     *ServerStats
	Status    *ServerStatus
	Error     *WsError
	ExpiresIn int
}

// ConsoleConn is an open socket of one server (GET /api/servers/{id}/socket). Send and Close may
// be called from any goroutine; Messages from one. A token_expiring message makes it send a
// fresh token (an auth message) before yielding the message.
type ConsoleConn struct {
	conn   *websocket.Conn
	panel  *Panel
	sendMu sync.Mutex
}

// Console opens the server's socket, authenticated by the bearer token on the upgrade request.
// A refusal before the upgrade is an *APIError (404 for a server that is not the caller's).
func (p *Panel) Console(ctx context.Context, serverID string) (*ConsoleConn, error) {
	tok, err := p.Token()
	if err != nil {
		return nil, err
	}
	u := *p.base
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += "/api/servers/" + url.PathEscape(serverID) + "/socket"
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: p.plain},
		HTTPHeader: http.Header{"Authorization": {"Bearer " + tok.AccessToken}},
	})
	if err != nil {
		if resp != nil && resp.StatusCode >= 400 {
			body, _ := io.ReadAll(resp.Body)
			return nil, ErrorFromResponse(resp, body)
		}
		return nil, fmt.Errorf("api: console of %s: %w", serverID, err)
	}
	conn.SetReadLimit(1 << 20)
	return &ConsoleConn{conn: conn, panel: p}, nil
}

// Send sends a console command (needs server.console or server.sendCommand; a refusal comes
// back as an "error" message).
func (c *ConsoleConn) Send(ctx context.Context, command string) error {
	return c.write(ctx, WsClientMessage{Type: WsClientMessageTypeConsole, Data: &command})
}

func (c *ConsoleConn) write(ctx context.Context, m WsClientMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("api: console message: %w", err)
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("api: console send: %w", err)
	}
	return nil
}

// Messages yields the socket's messages until ctx ends, the socket closes or the loop stops. The
// end of the socket is yielded as an error; CloseCode tells its close code (4001 token expired,
// 4004 server deleted, 1012 server moved: reconnect, …; see the spec).
func (c *ConsoleConn) Messages(ctx context.Context) iter.Seq2[ConsoleMessage, error] {
	return func(yield func(ConsoleMessage, error) bool) {
		for {
			_, b, err := c.conn.Read(ctx)
			if err != nil {
				yield(ConsoleMessage{}, fmt.Errorf("api: console: %w", err))
				return
			}
			m, err := decodeMessage(b)
			if err == nil && m.Type == WsServerMessageTypeTokenExpiring {
				err = c.reauth(ctx, time.Duration(m.ExpiresIn)*time.Second)
			}
			if !yield(m, err) {
				return
			}
		}
	}
}

// reauth answers token_expiring (the socket's token ends in expiresIn): it sends a token that
// outlives that one by more than a second, fetching one if needed. When the panel's tokens are
// all shorter-lived than that (a token lifetime under a minute), nothing is sent and the socket
// will close with 4001 at expiry.
func (c *ConsoleConn) reauth(ctx context.Context, expiresIn time.Duration) error {
	need := expiresIn + time.Second
	tok, err := c.panel.tokens.outliving(need)
	if err != nil {
		return err
	}
	if !tok.Expiry.IsZero() && !c.panel.tokens.now().Add(need).Before(tok.Expiry) {
		return nil
	}
	return c.write(ctx, WsClientMessage{Type: WsClientMessageTypeAuth, Token: &tok.AccessToken})
}

// Close closes the socket normally.
func (c *ConsoleConn) Close() error {
	err := c.conn.Close(websocket.StatusNormalClosure, "")
	if err != nil && websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		return fmt.Errorf("api: console close: %w", err)
	}
	return nil
}

// decodeMessage decodes one WsServerMessage by its type.
func decodeMessage(b []byte) (ConsoleMessage, error) {
	var raw struct {
		Type WsServerMessageType `json:"type"`
		Data json.RawMessage     `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return ConsoleMessage{}, fmt.Errorf("api: console message: %w", err)
	}
	m := ConsoleMessage{Type: raw.Type}
	var target any
	switch raw.Type {
	case WsServerMessageTypeConsole:
		target = &m.Line
	case WsServerMessageTypeStats:
		m.Stats = &ServerStats{}
		target = m.Stats
	case WsServerMessageTypeStatus:
		m.Status = &ServerStatus{}
		target = m.Status
	case WsServerMessageTypeError:
		m.Error = &WsError{}
		target = m.Error
	case WsServerMessageTypeTokenExpiring:
		var te WsTokenExpiring
		err := json.Unmarshal(raw.Data, &te)
		m.ExpiresIn = te.ExpiresIn
		if err != nil {
			return m, fmt.Errorf("api: console %s message: %w", raw.Type, err)
		}
		return m, nil
	default:
		return m, nil // a newer message type: yielded with its Type only
	}
	if err := json.Unmarshal(raw.Data, target); err != nil {
		return m, fmt.Errorf("api: console %s message: %w", raw.Type, err)
	}
	return m, nil
}

// CloseCode is the WebSocket close code an error of Messages carries (4001, 4004, 1012, …), or
// -1 when the socket did not end with a close frame.
func CloseCode(err error) int { return int(websocket.CloseStatus(err)) }
