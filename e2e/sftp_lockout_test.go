package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// sftpLockout: five logins of l with a wrong password are refused; the sixth, with the right
// password, is refused too; and the panel, asked as the node asks it (POST
// /api/nodes/1/sftp/auth with the local node's deployment client), answers 429
// ErrRateLimited with Retry-After for that username and address.
func sftpLockout(t *testing.T, p *panel, l sftpLogin) {
	t.Helper()
	wrong := l
	wrong.password = "not-the-password"
	for range 5 {
		wrong.refused(t, "wrong password", "ls")
	}
	l.refused(t, "the right password after five failures", "ls")

	ctx := context.Background()
	admin := p.client(t)
	const local = 1
	dep, err := admin.GetNodeDeploymentWithResponse(ctx, local)
	if err != nil || dep.JSON200 == nil {
		t.Fatalf("GET /api/nodes/1/deployment: %v %s", err, body(dep))
	}
	scope := "node"
	tok, err := admin.Oauth2TokenWithFormdataBodyWithResponse(ctx, api.Oauth2TokenFormdataRequestBody{GrantType: "client_credentials",
		ClientId: &dep.JSON200.ClientId, ClientSecret: &dep.JSON200.ClientSecret, Scope: &scope})
	if err != nil || tok.JSON200 == nil {
		t.Fatalf("node token: %v %s", err, body(tok))
	}
	node := p.clientOf(t, tok.JSON200.AccessToken)
	r, err := node.SftpAuthWithResponse(ctx, local, api.SftpAuthRequest{Username: l.user, Password: &l.password, RemoteIp: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, r, http.StatusTooManyRequests, api.ErrorCodeErrRateLimited)
	if r.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After: %v", r.HTTPResponse.Header)
	}
}
