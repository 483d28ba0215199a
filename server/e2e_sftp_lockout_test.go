package server_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestSFTPLockout: five refused passwords for a user and address lock the pair out (429
// with Retry-After) even for the right password or a key, whatever server id follows the
// username; refused keys do not count; other addresses and users are not locked.
func TestSFTPLockout(t *testing.T) {
	e := startSFTPEnv(t)
	const ip = "192.0.2.7"
	for range 6 { // refused keys are not counted: clients offer every key they hold
		e.auth(t, map[string]any{"username": "owner." + e.srv, "publicKey": newSSHKey(t), "remoteIp": ip}).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	}
	bad := pw("owner."+e.srv, ip)
	bad["password"] = "wrong-password-1"
	for range 5 {
		e.auth(t, bad).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	}
	for _, login := range []string{"owner." + e.srv, "Owner." + e.srv, "owner.OTHER123"} {
		r := e.auth(t, pw(login, ip))
		d := r.ExpectError(t, http.StatusTooManyRequests, server.CodeRateLimited)
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Fatalf("%s: Retry-After = %q, want 1..60", login, r.Header.Get("Retry-After"))
		}
		if d.Metadata == nil || (*d.Metadata)["retryAfter"] != float64(secs) {
			t.Fatalf("%s: metadata %v, want retryAfter %d", login, d.Metadata, secs)
		}
	}
	key := map[string]any{"username": "owner." + e.srv, "publicKey": newSSHKey(t), "remoteIp": ip}
	e.auth(t, key).ExpectError(t, http.StatusTooManyRequests, server.CodeRateLimited)
	grantOf(t, e.auth(t, pw("owner."+e.srv, "192.0.2.8")))                       // another address
	grantOf(t, e.auth(t, pw("reader."+e.readerSrv, ip)))                         // another user
	grantOf(t, e.check(t, map[string]any{"userId": e.owner, "serverId": e.srv})) // open sessions stay
}

// TestSFTPLocalAuthenticator: the embedded node's in-process Authenticator makes the same
// decisions and maps refusals to sftp.ErrDenied and lockouts to *sftp.LockedError.
func TestSFTPLocalAuthenticator(t *testing.T) {
	e := startSFTPEnv(t)
	ctx := context.Background()
	a := e.App.SFTPAuthenticator(int(e.local))
	g, err := a.Authenticate(ctx, sftp.Login{Username: "reader." + e.readerSrv, Password: apitest.TestPassword, RemoteIP: "::1"})
	if err != nil || g.UserID != int64(e.reader) || g.Username != "reader" || g.ServerID != e.readerSrv || !g.ReadOnly || g.KeyID != 0 {
		t.Fatalf("Authenticate = %+v, %v", g, err)
	}
	if g, err = a.Check(ctx, g); err != nil || !g.ReadOnly {
		t.Fatalf("Check = %+v, %v", g, err)
	}
	if _, err := a.Check(ctx, sftp.Grant{UserID: int64(e.owner), ServerID: e.otherSrv}); !errors.Is(err, sftp.ErrDenied) {
		t.Fatalf("Check of a server on another node: %v, want ErrDenied", err)
	}
	other := e.App.SFTPAuthenticator(int(e.other))
	if _, err := other.Authenticate(ctx, sftp.Login{Username: "owner." + e.srv, Password: apitest.TestPassword, RemoteIP: "::1"}); !errors.Is(err, sftp.ErrDenied) {
		t.Fatalf("login on the wrong node: %v, want ErrDenied", err)
	}
	bad := sftp.Login{Username: "owner." + e.srv, Password: "nope-nope-1", RemoteIP: "2001:db8:5::2"}
	for range 5 {
		if _, err := a.Authenticate(ctx, bad); !errors.Is(err, sftp.ErrDenied) {
			t.Fatalf("wrong password: %v, want ErrDenied", err)
		}
	}
	bad.Password = apitest.TestPassword
	_, err = a.Authenticate(ctx, bad)
	var locked *sftp.LockedError
	if !errors.As(err, &locked) || !errors.Is(err, sftp.ErrLocked) || locked.RetryAfter <= 0 {
		t.Fatalf("sixth login: %v, want a LockedError", err)
	}
	// the HTTP path shares the lockout
	e.auth(t, pw("owner."+e.srv, "2001:db8:5::2")).ExpectError(t, http.StatusTooManyRequests, server.CodeRateLimited)
}

// TestSFTPNodeCallsNotRateLimited: a node's SFTP calls are not counted against its client's
// hourly limit (they grow with its sessions); a user's client still is.
func TestSFTPNodeCallsNotRateLimited(t *testing.T) {
	env := apitest.Start(t, apitest.WithRateLimits(3, 1<<20, time.Hour))
	e := &sftpEnv{Env: env, admin: env.AdminToken(t), local: int64(env.LocalNode.ID)}
	e.localTok = e.nodeToken(t, e.local)
	owner := e.NewUser(t, "owner", false, []string{"server.files.view"})
	srv := e.NewServerRow(t, owner, int(e.local), "s")
	for i := range 6 {
		grantOf(t, e.auth(t, pw("owner."+srv, "10.9.0."+strconv.Itoa(i+1))))
		grantOf(t, e.check(t, map[string]any{"userId": owner, "serverId": srv}))
	}
	userTok := e.userTok(t, owner, "server.files.view")
	for range 3 {
		if r := e.Do(t, http.MethodGet, "/api/self", userTok, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("user self: %d %s", r.Status, r.Body)
		}
	}
	e.Do(t, http.MethodGet, "/api/self", userTok, nil, nil).ExpectError(t, http.StatusTooManyRequests, server.CodeRateLimited)
}
