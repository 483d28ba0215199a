package server_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestSocketAllowedOriginConfig: Config.AllowedOrigins (serve --allowed-origin) lets a
// dashboard on another origin open sockets, even after SetSocketOptions, "*" allows any origin,
// and a pattern path.Match cannot use is refused when the panel starts.
func TestSocketAllowedOriginConfig(t *testing.T) {
	cases := []struct {
		name    string
		allowed []string
		origin  string
		open    bool
	}{
		{"configured dashboard", []string{"https://dash.example"}, "https://dash.example", true},
		{"configured host pattern", []string{"*.dash.example"}, "http://a.dash.example", true},
		{"other origin", []string{"https://dash.example"}, "https://evil.example", false},
		{"other scheme", []string{"https://dash.example"}, "http://dash.example", false},
		{"explicit star", []string{"*"}, "https://anything.example", true},
		{"none configured", nil, "https://dash.example", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := startSockEnv(t, server.SocketOptions{}, apitest.WithConfig(func(c *server.Config) { c.AllowedOrigins = tc.allowed }))
			tok, owner := e.UserToken(t, "owner", false, ownerScopes...)
			id := e.createServer(t, owner)
			w, resp, err := e.dial(t, id, tok, http.Header{"Origin": {tc.origin}}, nil)
			if !tc.open {
				if err == nil {
					w.c.CloseNow()
					t.Fatal("upgraded from a foreign origin")
				}
				if resp == nil || resp.StatusCode != http.StatusForbidden {
					t.Fatalf("got %s, want 403", respSummary(resp))
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v (%s)", err, respSummary(resp))
			}
			defer w.c.CloseNow()
			w.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" })
			if err := w.c.Close(websocket.StatusNormalClosure, ""); err != nil {
				t.Fatalf("close: %v", err)
			}
		})
	}
	t.Run("bad pattern refused at start", func(t *testing.T) {
		cfg := server.Default()
		cfg.AllowedOrigins = []string{"[bad"}
		_, err := server.New(context.Background(), server.Deps{Config: cfg})
		if !errors.Is(err, server.ErrInvalidOrigin) {
			t.Fatalf("New = %v, want ErrInvalidOrigin", err)
		}
	})
}
