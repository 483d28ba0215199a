package multinode

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/server/apitest"
)

// wsConn is a test client of a server's WebSocket through the panel.
type wsConn struct{ c *websocket.Conn }

// wsMsg is a received server message.
type wsMsg struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (m wsMsg) text() string {
	var s string
	_ = json.Unmarshal(m.Data, &s)
	return s
}

// dial opens the WebSocket of server s through the panel with the admin token in the
// Authorization header; the 101 is checked against openapi.yaml.
func (s *server) dial(t *testing.T) *wsConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	h := http.Header{"Authorization": {"Bearer " + s.cl.token}}
	c, resp, err := websocket.Dial(ctx, s.cl.panel.URL+"/api/servers/"+s.id+"/socket",
		&websocket.DialOptions{HTTPClient: httpClient(t), HTTPHeader: h})
	if err != nil {
		t.Fatalf("WebSocket of %s: %v", s, err)
	}
	route, _, err := apitest.FindRoute(http.MethodGet, resp.Request.URL.EscapedPath())
	if err != nil || route.Operation.OperationID != "serverSocket" || route.Operation.Responses.Status(http.StatusSwitchingProtocols) == nil {
		t.Fatalf("upgrade of %s: route %v, %v", s, route, err)
	}
	if got := resp.Header.Get("X-API-Version"); got != "v1" {
		t.Fatalf("101 X-API-Version = %q", got)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return &wsConn{c: c}
}

// next reads one message, validated against WsServerMessage.
func (w *wsConn) next(ctx context.Context) (wsMsg, error) {
	_, b, err := w.c.Read(ctx)
	if err != nil {
		return wsMsg{}, err
	}
	doc, err := apitest.Spec()
	if err != nil {
		return wsMsg{}, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return wsMsg{}, err
	}
	if err := doc.Components.Schemas["WsServerMessage"].Value.VisitJSON(v); err != nil {
		return wsMsg{}, fmt.Errorf("message %s does not match WsServerMessage: %w", b, err)
	}
	var m wsMsg
	return m, json.Unmarshal(b, &m)
}

// expect reads until a message matches; the messages read are returned.
func (w *wsConn) expect(t *testing.T, what string, match func(wsMsg) bool) []wsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var seen []wsMsg
	for {
		m, err := w.next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v (read %d messages)", what, err, len(seen))
		}
		seen = append(seen, m)
		if match(m) {
			return seen
		}
	}
}

// expectLine waits for console line want.
func (w *wsConn) expectLine(t *testing.T, want string) []wsMsg {
	t.Helper()
	return w.expect(t, fmt.Sprintf("console line %q", want), func(m wsMsg) bool { return m.Type == "console" && m.text() == want })
}

// send sends a console command.
func (w *wsConn) send(t *testing.T, cmd string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"type": "console", "data": cmd})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("WebSocket send: %v", err)
	}
}

// expectClose reads until the socket is closed and checks the close code.
func (w *wsConn) expectClose(t *testing.T, code websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		_, _, err := w.c.Read(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != code {
			t.Errorf("WebSocket closed with %v (%v), want close code %d", got, err, code)
		}
		return
	}
}
