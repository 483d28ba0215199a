package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// postForm sends a form to an /oauth2 endpoint, with HTTP Basic when user is not empty.
func postForm(t *testing.T, env *apitest.Env, path string, form url.Values, user, pass string) *apitest.Response {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if user != "" {
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		r.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
		h.Set("Authorization", r.Header.Get("Authorization"))
	}
	return env.Do(t, http.MethodPost, path, "", strings.NewReader(form.Encode()), h)
}

// oauthError asserts an RFC 6749 error body (not the API envelope).
func oauthError(t *testing.T, r *apitest.Response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	var body map[string]any
	r.JSON(t, &body)
	if got, _ := body["error"].(string); got != code {
		t.Fatalf("error = %v, want %q (RFC 6749 body); body %s", body["error"], code, r.Body)
	}
}

func TestOAuth2TokenEndpoint(t *testing.T) {
	env := apitest.Start(t)
	uid := env.NewUser(t, "tokuser", false, []string{"nodes.view", "settings.view"})
	id, secret := env.NewClient(t, uid, "nodes.view", "settings.view")
	creds := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}

	t.Run("response is exactly the documented one", func(t *testing.T) {
		r := postForm(t, env, "/oauth2/token", creds, "", "")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		var body map[string]any
		r.JSON(t, &body)
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		if !sameSet(keys, []string{"access_token", "token_type", "expires_in", "scope"}) {
			t.Errorf("keys = %v", keys)
		}
		if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) {
			t.Errorf("token_type %v, expires_in %v", body["token_type"], body["expires_in"])
		}
		if !sameSet(strings.Fields(body["scope"].(string)), []string{"nodes.view", "settings.view"}) {
			t.Errorf("scope = %q", body["scope"])
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
		}
	})
	t.Run("HTTP Basic", func(t *testing.T) {
		r := postForm(t, env, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})
	t.Run("scope narrows the grant", func(t *testing.T) {
		tok := env.Token(t, id, secret, "nodes.view")
		if r := env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("nodes.view: %d %s", r.Status, r.Body)
		}
		env.Do(t, http.MethodGet, "/api/settings", tok, nil, nil).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("invalid_scope", func(t *testing.T) {
		form := url.Values{"scope": {"nodes.view nodes.edit"}}
		for k, v := range creds {
			form[k] = v
		}
		oauthError(t, postForm(t, env, "/oauth2/token", form, "", ""), http.StatusBadRequest, "invalid_scope")
	})
	t.Run("wrong secret", func(t *testing.T) {
		r := postForm(t, env, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, secret+"x")
		oauthError(t, r, http.StatusUnauthorized, "invalid_client")
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"nope"}}
		oauthError(t, postForm(t, env, "/oauth2/token", form, "", ""), http.StatusUnauthorized, "invalid_client")
	})
	t.Run("unknown client", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {"x"}}
		oauthError(t, postForm(t, env, "/oauth2/token", form, "", ""), http.StatusUnauthorized, "invalid_client")
	})
	t.Run("unsupported grant type", func(t *testing.T) {
		form := url.Values{"grant_type": {"password"}, "client_id": {id}, "client_secret": {secret}}
		oauthError(t, postForm(t, env, "/oauth2/token", form, "", ""), http.StatusBadRequest, "unsupported_grant_type")
	})
	t.Run("bad bearer tokens", func(t *testing.T) {
		for _, tok := range []string{"garbage", "ory_at_forged.signature", env.AdminToken(t) + "x"} {
			env.Do(t, http.MethodGet, "/api/self", tok, nil, nil).ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
		}
		r := env.Do(t, http.MethodGet, "/api/self", "", nil, http.Header{"Authorization": {"Basic Zm9vOmJhcg=="}})
		r.ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
	})
}

func TestOAuth2Revocation(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	t.Run("deleted client", func(t *testing.T) {
		uid := env.NewUser(t, "revoked", false, []string{"nodes.view"})
		id, secret := env.NewClient(t, uid, "nodes.view")
		tok := env.Token(t, id, secret)
		if r := env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("before: %d", r.Status) // the token is now cached
		}
		if err := env.OAuth.DeleteClient(context.Background(), id, nil); err != nil {
			t.Fatal(err)
		}
		env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil).ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
		r := postForm(t, env, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
		oauthError(t, r, http.StatusUnauthorized, "invalid_client")
	})
	t.Run("deleted user", func(t *testing.T) {
		tok, uid := env.UserToken(t, "gone", false, "nodes.view")
		if r := env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("before: %d", r.Status)
		}
		resp, err := env.Client(t, admin).DeleteUserWithResponse(context.Background(), int64(uid))
		if err != nil || resp.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete user: %v %s", err, resp.Body)
		}
		env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil).ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
	})
	t.Run("perms lowered", func(t *testing.T) {
		tok, uid := env.UserToken(t, "lowered", false, "nodes.view", "settings.view")
		body := api.SetUserPermsJSONRequestBody{Scopes: []api.GrantScope{"settings.view"}}
		resp, err := env.Client(t, admin).SetUserPermsWithResponse(context.Background(), int64(uid), body)
		if err != nil || resp.StatusCode() != http.StatusNoContent {
			t.Fatalf("set perms: %v %s", err, resp.Body)
		}
		env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		if r := env.Do(t, http.MethodGet, "/api/settings", tok, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("settings.view kept: %d %s", r.Status, r.Body)
		}
	})
}

func TestOAuth2ExpiredToken(t *testing.T) {
	const ttl = time.Second
	env := apitest.Start(t, apitest.WithConfig(func(c *server.Config) { c.TokenTTL = ttl }))
	r := postForm(t, env, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, env.AdminClientID, env.AdminClientSecret)
	issued := time.Now()
	var tok api.OAuth2TokenResponse
	r.JSON(t, &tok)
	if tok.ExpiresIn != 1 {
		t.Errorf("expires_in = %d, want 1", tok.ExpiresIn)
	}
	time.Sleep(time.Until(issued.Add(ttl + 100*time.Millisecond)))
	env.Do(t, http.MethodGet, "/api/self", tok.AccessToken, nil, nil).ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
}

func TestOAuth2Introspection(t *testing.T) {
	env := apitest.Start(t)
	tok, _ := env.UserToken(t, "subject", false, "nodes.view")
	introspect := func(t *testing.T, user, pass, token string) map[string]any {
		t.Helper()
		r := postForm(t, env, "/oauth2/introspect", url.Values{"token": {token}}, user, pass)
		if r.Status != http.StatusOK {
			t.Fatalf("introspect: %d %s", r.Status, r.Body)
		}
		var out map[string]any
		r.JSON(t, &out)
		return out
	}
	t.Run("admin client", func(t *testing.T) {
		got := introspect(t, env.AdminClientID, env.AdminClientSecret, tok)
		if got["active"] != true || got["scope"] != "nodes.view" || got["token_type"] != "Bearer" {
			t.Errorf("introspection = %v", got)
		}
		if got := introspect(t, env.AdminClientID, env.AdminClientSecret, "ory_at_nope.nope"); got["active"] != false || len(got) != 1 {
			t.Errorf("unknown token: %v", got)
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		r := postForm(t, env, "/oauth2/introspect", url.Values{"token": {tok}}, env.AdminClientID, "wrong")
		oauthError(t, r, http.StatusUnauthorized, "invalid_client")
	})
	t.Run("own token of a plain client", func(t *testing.T) {
		// openapi.yaml: "A client may introspect its own tokens".
		uid := env.NewUser(t, "selfintro", false, []string{"nodes.view"})
		id, secret := env.NewClient(t, uid, "nodes.view")
		own := env.Token(t, id, secret)
		if got := introspect(t, id, secret, own); got["active"] != true {
			t.Errorf("own token: %v", got)
		}
	})
}

func TestSelfOAuth2Clients(t *testing.T) {
	env := apitest.Start(t)
	tok, uid := env.UserToken(t, "selfie", false, "nodes.view", "settings.view")
	c := env.Client(t, tok)
	ctx := context.Background()

	created, err := c.CreateSelfOAuth2ClientWithResponse(ctx, api.OAuth2ClientCreate{Name: "bot", Scopes: []api.GrantScope{"nodes.view"}})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %d %s", err, created.StatusCode(), created.Body)
	}
	nc := created.JSON201
	if nc.ClientSecret == "" || nc.Name != "bot" || len(nc.Scopes) != 1 {
		t.Fatalf("created = %+v", nc)
	}
	botTok := env.Token(t, nc.ClientId, nc.ClientSecret)
	if r := env.Do(t, http.MethodGet, "/api/nodes", botTok, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("bot token: %d", r.Status)
	}

	t.Run("get self", func(t *testing.T) {
		resp, err := env.Client(t, botTok).GetSelfWithResponse(ctx)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%v %s", err, resp.Body)
		}
		if resp.JSON200.ClientId != nc.ClientId || resp.JSON200.User == nil || resp.JSON200.User.Id != int64(uid) {
			t.Errorf("self = %+v", resp.JSON200)
		}
	})
	t.Run("list never shows secrets", func(t *testing.T) {
		resp, err := c.ListSelfOAuth2ClientsWithResponse(ctx, nil)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%v %s", err, resp.Body)
		}
		if resp.JSON200.Metadata.Paging.Total != 2 || len(resp.JSON200.Clients) != 2 {
			t.Errorf("list = %+v", resp.JSON200)
		}
		if strings.Contains(string(resp.Body), nc.ClientSecret) || strings.Contains(strings.ToLower(string(resp.Body)), "secret") {
			t.Errorf("the list leaks a secret: %s", resp.Body)
		}
	})
	t.Run("scope beyond the user's", func(t *testing.T) {
		for _, scope := range []string{"nodes.edit", "admin"} {
			r := env.DoJSON(t, http.MethodPost, "/api/self/oauth2", tok, map[string]any{"name": "x", "scopes": []string{"nodes.view", scope}})
			expectScopeRefused(t, r, scope)
		}
	})
	t.Run("scope beyond the token's", func(t *testing.T) {
		// openapi.yaml: "The scopes must be held by the caller's token (403 ErrPermissionDenied
		// with metadata.scopes otherwise)": a narrowed token cannot mint a wider client.
		r := env.DoJSON(t, http.MethodPost, "/api/self/oauth2", botTok, map[string]any{"name": "wider", "scopes": []string{"settings.view"}})
		d := r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		if got := metadataScopes(t, d.Metadata); !slices.Equal(got, []string{"settings.view"}) {
			t.Errorf("metadata.scopes = %v", got)
		}
	})
	t.Run("secret is stored hashed", func(t *testing.T) {
		rows, err := env.Store.Client.OAuthClient.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if row.SecretHash == nc.ClientSecret || strings.Contains(row.SecretHash, nc.ClientSecret) {
				t.Errorf("client %s stores its secret", row.ID)
			}
		}
	})
	t.Run("delete revokes", func(t *testing.T) {
		other, _ := env.UserToken(t, "stranger", false, "nodes.view")
		env.Do(t, http.MethodDelete, "/api/self/oauth2/"+nc.ClientId, other, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound)
		resp, err := c.DeleteSelfOAuth2ClientWithResponse(ctx, nc.ClientId)
		if err != nil || resp.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete: %v %s", err, resp.Body)
		}
		env.Do(t, http.MethodGet, "/api/nodes", botTok, nil, nil).ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
		env.Do(t, http.MethodDelete, "/api/self/oauth2/"+nc.ClientId, tok, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound)
	})
}

// expectScopeRefused: a client with a scope its creator may not delegate is refused, naming
// the scope: 400 ErrFieldInvalid (field scopes, metadata.scope: the user lacks it) or 403
// ErrPermissionDenied (metadata.scopes: the caller's token lacks it, as openapi.yaml words it).
func expectScopeRefused(t *testing.T, r *apitest.Response, scope string) {
	t.Helper()
	switch r.Status {
	case http.StatusBadRequest:
		d := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		if md := *d.Metadata; md["field"] != "scopes" || md["scope"] != scope {
			t.Errorf("metadata = %v, want field scopes and scope %s", md, scope)
		}
	case http.StatusForbidden:
		d := r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		if got := metadataScopes(t, d.Metadata); !slices.Equal(got, []string{scope}) {
			t.Errorf("metadata.scopes = %v, want [%s]", got, scope)
		}
	default:
		t.Errorf("a client with %s: status %d, want 400 or 403; body %s", scope, r.Status, r.Body)
	}
}
