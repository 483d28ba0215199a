package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/panel"
	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestSFTPRemoteAuthenticatorAgainstPanel: a remote node's HTTP Authenticator (daemon/panel,
// with the node's deployment credentials) against the real panel, every response validated:
// grants, refusals, the lockout's Retry-After and the session re-check agree on both sides.
func TestSFTPRemoteAuthenticatorAgainstPanel(t *testing.T) {
	e := startSFTPEnv(t)
	ctx := context.Background()
	d := e.deployment(t, e.other)
	c, err := panel.New(panel.Options{PanelURL: e.URL, ClientID: d.ClientId, ClientSecret: d.ClientSecret, HTTPClient: e.Raw(t)})
	if err != nil {
		t.Fatal(err)
	}
	a := c.SFTP()
	login := sftp.Login{Username: "owner." + e.otherSrv, Password: apitest.TestPassword, RemoteIP: "203.0.113.5"}
	g, err := a.Authenticate(ctx, login)
	if err != nil || g.UserID != int64(e.owner) || g.Username != "owner" || g.ServerID != e.otherSrv || g.ReadOnly {
		t.Fatalf("Authenticate = %+v, %v", g, err)
	}
	if g, err = a.Check(ctx, g); err != nil || g.ServerID != e.otherSrv {
		t.Fatalf("Check = %+v, %v", g, err)
	}
	// the local node's server is not this node's
	if _, err := a.Authenticate(ctx, sftp.Login{Username: "owner." + e.srv, Password: login.Password, RemoteIP: "203.0.113.6"}); !errors.Is(err, sftp.ErrDenied) {
		t.Fatalf("another node's server: %v, want ErrDenied", err)
	}
	if _, err := a.Check(ctx, sftp.Grant{UserID: int64(e.owner), ServerID: e.srv}); !errors.Is(err, sftp.ErrDenied) {
		t.Fatalf("Check of another node's server: %v, want ErrDenied", err)
	}
	bad := login
	bad.Password = "wrong-password-1"
	for range 5 {
		if _, err := a.Authenticate(ctx, bad); !errors.Is(err, sftp.ErrDenied) {
			t.Fatalf("wrong password: %v, want ErrDenied", err)
		}
	}
	_, err = a.Authenticate(ctx, login)
	var locked *sftp.LockedError
	if !errors.As(err, &locked) || locked.RetryAfter <= 0 || locked.RetryAfter > time.Minute {
		t.Fatalf("after five refusals: %v, want a LockedError within a minute", err)
	}
	if err := e.Store.Client.Server.UpdateOneID(e.otherSrv).SetSuspended(true).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check(ctx, g); !errors.Is(err, sftp.ErrDenied) {
		t.Fatalf("Check after suspension: %v, want ErrDenied", err)
	}
}
