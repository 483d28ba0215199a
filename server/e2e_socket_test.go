package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

var ownerScopes = []string{"server.view", "server.console", "server.status", "server.stats", "server.start", "server.stop"}

// TestSocketAuth: header and first-message authentication, their failures before and after
// the upgrade, the authentication timeout, scopes, ownership, handshake and origin checks.
func TestSocketAuth(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{AuthTimeout: 300 * time.Millisecond,
		AllowedOrigins: []string{"*.friends.example", "https://exact.example"}})
	full, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)
	cid, sec := e.NewClient(t, ownerID, "server.status")
	noView := e.Token(t, cid, sec)
	intruder, _ := e.UserToken(t, "intruder", false, ownerScopes...)
	auth := func(tok string) map[string]string { return map[string]string{"type": "auth", "token": tok} }

	opened := []struct {
		name   string
		server string
		header string // Authorization bearer token
		origin string
		first  []map[string]string  // messages sent after the upgrade
		close  websocket.StatusCode // 0: expect the status message and stay open
	}{
		{"header token", id, full, "", nil, 0},
		{"auth message", id, "", "", []map[string]string{auth(full)}, 0},
		{"command before auth, then auth", id, "", "", []map[string]string{{"type": "console", "data": "x"}, auth(full)}, 0},
		{"invalid token in auth message", id, "", "", []map[string]string{auth("sky_nope")}, 4001},
		{"no auth message in time", id, "", "", nil, 4008},
		{"auth message without server.view", id, "", "", []map[string]string{auth(noView)}, 4003},
		{"auth message of another user", id, "", "", []map[string]string{auth(intruder)}, 4003},
		{"auth message for a missing server", "nosuchserver", "", "", []map[string]string{auth(full)}, 4003},
		{"same-host origin", id, full, e.URL, nil, 0},
		{"allowed origin pattern", id, full, "https://panel.friends.example", nil, 0},
		{"allowed exact origin", id, full, "https://exact.example", nil, 0},
	}
	for _, tc := range opened {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			w, resp, err := e.dial(t, tc.server, tc.header, h, nil)
			if err != nil {
				t.Fatalf("dial: %v (%s)", err, respSummary(resp))
			}
			defer w.c.CloseNow()
			for i, m := range tc.first {
				w.send(t, m)
				if i == 0 && m["type"] == "console" {
					w.expectError(t, server.CodeUnauthorized)
				}
			}
			if tc.close != 0 {
				w.expectClose(t, tc.close)
				return
			}
			w.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" })
			if err := w.c.Close(websocket.StatusNormalClosure, ""); err != nil {
				t.Fatalf("close: %v", err)
			}
		})
	}

	refused := []struct {
		name          string
		server, token string
		origin        string
		status        int
		code          string
	}{
		{"invalid token in the header", id, "sky_nope", "", http.StatusUnauthorized, server.CodeUnauthorized},
		{"header token without server.view", id, noView, "", http.StatusForbidden, server.CodePermissionDenied},
		{"header token of another user", id, intruder, "", http.StatusNotFound, server.CodeServerNotFound},
		{"header token, missing server", "nosuchserver", full, "", http.StatusNotFound, server.CodeServerNotFound},
		{"foreign origin", id, full, "https://evil.example", http.StatusForbidden, server.CodePermissionDenied},
		{"foreign origin without token", id, "", "https://evil.example", http.StatusForbidden, server.CodePermissionDenied},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			w, resp, err := e.dial(t, tc.server, tc.token, h, nil)
			if err == nil {
				w.c.CloseNow()
				t.Fatal("upgraded")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("got %s, want %d", respSummary(resp), tc.status)
			}
			if got := respSummary(resp); !strings.Contains(got, `"`+tc.code+`"`) {
				t.Fatalf("got %s, want %s", got, tc.code)
			}
		})
	}

	t.Run("not an upgrade", func(t *testing.T) {
		// the spec requires the handshake headers (Upgrade, Connection): a plain GET misses them
		e.Do(t, http.MethodGet, "/api/servers/"+id+"/socket", full, nil, nil).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldRequired)
		// without a token the socket would authenticate with its first message: the missing
		// handshake is what is wrong
		e.Do(t, http.MethodGet, "/api/servers/"+id+"/socket", "", nil, nil).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldRequired)
	})
}

// TestSocketConsoleAndEvents: backlog, a command's round trip through the running game,
// status events on crash/start/stop, stats while running, and what each scope lets through.
func TestSocketConsoleAndEvents(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{})
	full, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)
	e.power(t, id, "start")
	cid, sec := e.NewClient(t, ownerID, "server.view", "server.console")
	consoleOnly := e.Token(t, cid, sec)
	cid, sec = e.NewClient(t, ownerID, "server.view", "server.status", "server.stats")
	viewer := e.Token(t, cid, sec)

	w := e.mustDial(t, id, full)
	defer w.c.CloseNow()
	w.expectLine(t, "ready") // from the backlog or live
	limited := e.mustDial(t, id, consoleOnly)
	defer limited.c.CloseNow()
	v := e.mustDial(t, id, viewer)
	defer v.c.CloseNow()

	w.command(t, "hello")
	w.expectLine(t, "echo:hello")
	w.expect(t, "stats", func(m wsMsg) bool { return m.Type == "stats" && m.field("memory") != nil })
	limited.command(t, "from-limited") // server.console implies server.sendCommand
	w.expectLine(t, "echo:from-limited")
	v.command(t, "not allowed")
	v.expectError(t, server.CodePermissionDenied)

	w.command(t, "crash")
	w.expectStatus(t, "crashed")
	v.expectStatus(t, "crashed") // still open after the refused command
	e.power(t, id, "start")
	w.expectStatus(t, "starting")
	w.expectStatus(t, "running")
	w.expect(t, "stats while running", func(m wsMsg) bool { return m.Type == "stats" })
	e.power(t, id, "stop")
	w.expectStatus(t, "stopping")
	w.expectLine(t, "bye") // the game's answer to the stop command, before it exits
	w.expectStatus(t, "stopped")
	e.power(t, id, "start")
	w.expectStatus(t, "running")
	w.command(t, "final")
	w.expectLine(t, "echo:final")

	// The console-only socket saw the lines but no status or stats message.
	limited.expect(t, "echo:final", func(m wsMsg) bool {
		if m.Type == "status" || m.Type == "stats" {
			t.Fatalf("console-only socket received %s", m.Type)
		}
		return m.Type == "console" && m.text() == "echo:final"
	})
	// The viewer saw status and stats but no console line.
	v.expect(t, "the last running status", func(m wsMsg) bool {
		if m.Type == "console" {
			t.Fatalf("viewer without server.console received a console line %q", m.text())
		}
		return m.Type == "status" && m.field("state") == "running"
	})
	for _, c := range []*wsConn{w, limited, v} {
		if err := c.c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
}

// TestSocketTokenLifetime: token_expiring before expiry, re-authentication, close 4001 at
// expiry, and re-validation closing a socket whose token lost server.view (4003).
func TestSocketTokenLifetime(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{Revalidate: 100 * time.Millisecond},
		apitest.WithConfig(func(c *server.Config) { c.TokenTTL = 3 * time.Second }),
		apitest.WithCacheRevalidate(50*time.Millisecond))
	tok, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)

	t.Run("expiry", func(t *testing.T) {
		w := e.mustDial(t, id, "")
		defer w.c.CloseNow()
		w.send(t, map[string]string{"type": "auth", "token": tok})
		m := w.expect(t, "token_expiring", func(m wsMsg) bool { return m.Type == "token_expiring" })
		if s, _ := m.field("expiresIn").(float64); s < 0 || s > 3 {
			t.Fatalf("expiresIn %v with a 3 s token", s)
		}
		w.send(t, map[string]string{"type": "auth", "token": "sky_invalid"})
		w.expectError(t, server.CodeUnauthorized) // the socket stays open
		fresh := e.Token(t, e.AdminClientID, e.AdminClientSecret)
		w.send(t, map[string]string{"type": "auth", "token": fresh})
		w.expect(t, "token_expiring of the new token", func(m wsMsg) bool { return m.Type == "token_expiring" })
		w.expectClose(t, 4001)
	})
	t.Run("scope revoked", func(t *testing.T) {
		w := e.mustDial(t, id, e.Token(t, e.AdminClientID, e.AdminClientSecret))
		defer w.c.CloseNow()
		w.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" })
		// The owner's socket, then the owner loses server.view.
		o := e.mustDial(t, id, "")
		defer o.c.CloseNow()
		cid, sec := e.NewClient(t, ownerID, ownerScopes...)
		o.send(t, map[string]string{"type": "auth", "token": e.Token(t, cid, sec)})
		o.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" })
		r := e.DoJSON(t, http.MethodPut, "/api/users/"+strconv.Itoa(ownerID)+"/perms", e.AdminToken(t), // 3 s tokens
			map[string]any{"scopes": []string{"server.console"}})
		if r.Status != http.StatusNoContent {
			t.Fatalf("set perms: %d %s", r.Status, r.Body)
		}
		o.expectClose(t, 4003)
	})
}

// TestSocketServerDeleted: deleting the server closes its sockets with 4004, whether the node
// reports it (stream end) or only the database row goes (re-validation).
func TestSocketServerDeleted(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{Revalidate: 100 * time.Millisecond})
	tok, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	for _, skipNode := range []bool{false, true} {
		id := e.createServer(t, ownerID)
		e.power(t, id, "start")
		a := e.mustDial(t, id, tok)
		b := e.mustDial(t, id, "")
		b.send(t, map[string]string{"type": "auth", "token": tok})
		for _, w := range []*wsConn{a, b} {
			w.expectLine(t, "ready")
		}
		path := "/api/servers/" + id
		if skipNode {
			path += "?skipNode=true"
		}
		if r := e.Do(t, http.MethodDelete, path, e.admin, nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		for _, w := range []*wsConn{a, b} {
			w.expectClose(t, 4004)
		}
		waitFor(t, "sockets detached", func() bool { return e.App.SocketCount(id) == 0 })
	}
}
