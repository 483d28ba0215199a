package gosdk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestGoSDKConsole: with 62-second tokens the panel warns (token_expiring) two seconds after
// each authentication; the console answers each warning with a fresh token, which the panel
// accepts (it warns again, about the new token, and never sends an error), and the socket keeps
// carrying commands. A socket of a server that is not there is a typed 404 before the upgrade.
func TestGoSDKConsole(t *testing.T) {
	node := apitest.StartNode(t, daemon.Options{StatsInterval: time.Second, StopTimeout: 5 * time.Second,
		TermTimeout: 2 * time.Second, KillTimeout: 5 * time.Second, DrainTimeout: 300 * time.Millisecond})
	l := startLive(t, apitest.WithNodes(node.Registry()),
		apitest.WithConfig(func(c *server.Config) { c.TokenTTL = 62 * time.Second }))
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	p, err := api.New(l.url, l.env.AdminClientID, l.env.AdminClientSecret)
	if err != nil {
		t.Fatal(err)
	}

	_, err = p.Console(ctx, "NOPE1234")
	var ae *api.APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != api.ErrorCodeErrServerNotFound || !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("Console of a missing server: %v, want a 404 ErrServerNotFound *APIError", err)
	}

	r, err := api.Check(p.CreateServerWithGeneratedIdWithResponse(ctx, api.ServerCreate{Name: "reauth",
		OwnerId: int64(l.env.AdminID), EnvironmentType: api.Ptr(api.EnvironmentTypeStandard),
		Startup: api.Ptr(`while read -r l; do echo "echo:$l"; done`)}))
	if err != nil {
		t.Fatal(err)
	}
	id := r.JSON201.Id
	t.Cleanup(func() { _, _ = api.Check(p.DeleteServerWithResponse(context.Background(), id, nil)) })
	if _, err := api.Check(p.StartServerWithResponse(ctx, id)); err != nil {
		t.Fatal(err)
	}
	c, err := p.Console(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	warnings, sent := 0, false
	for m, err := range c.Messages(ctx) {
		if err != nil {
			t.Fatalf("after %d token warnings: %v (close code %d)", warnings, err, api.CloseCode(err))
		}
		switch m.Type {
		case api.WsServerMessageTypeError:
			t.Fatalf("error message %s: %s", m.Error.Code, m.Error.Msg)
		case api.WsServerMessageTypeTokenExpiring:
			warnings++
			if m.ExpiresIn > 60 {
				t.Fatalf("token_expiring in %d s, want at most 60", m.ExpiresIn)
			}
		case api.WsServerMessageTypeConsole:
			if strings.Contains(m.Line, "echo:after-reauth") {
				return
			}
		}
		if warnings >= 3 && !sent { // two re-authentications were accepted
			if err := c.Send(ctx, "after-reauth"); err != nil {
				t.Fatal(err)
			}
			sent = true
		}
	}
	t.Fatal("the socket ended")
}
