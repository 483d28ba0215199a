package oauth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	e := newEnv(t, time.Hour)
	id, secret := e.client(t, e.user, "server.view", "server.edit")
	cc := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name      string
		form      url.Values
		basic     []string
		status    int
		errorCode string // RFC 6749 error, "" on success
		scope     string // granted scope on success
	}{
		{"body credentials", cc("client_id", id, "client_secret", secret), nil, 200, "", "server.view server.edit"},
		{"basic credentials", cc(), []string{id, secret}, 200, "", "server.view server.edit"},
		{"narrowed scope", cc("client_id", id, "client_secret", secret, "scope", "server.view"), nil, 200, "", "server.view"},
		{"scope beyond the client", cc("client_id", id, "client_secret", secret, "scope", "server.view server.delete"), nil, 400, "invalid_scope", ""},
		{"wrong secret", cc("client_id", id, "client_secret", secret+"x"), nil, 401, "invalid_client", ""},
		{"wrong basic secret", cc(), []string{id, "nope"}, 401, "invalid_client", ""},
		{"unknown client", cc("client_id", "nobody", "client_secret", secret), nil, 401, "invalid_client", ""},
		{"no credentials", cc(), nil, 400, "invalid_request", ""},
		{"unknown grant", url.Values{"grant_type": {"password"}, "client_id": {id}, "client_secret": {secret}}, nil, 400, "unsupported_grant_type", ""},
		{"missing grant", url.Values{"client_id": {id}, "client_secret": {secret}}, nil, 400, "invalid_request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, "/oauth2/token", tt.form, tt.basic...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (%v)", r.status, tt.status, r.body)
			}
			if tt.errorCode != "" {
				if r.body["error"] != tt.errorCode || r.body["error_description"] == "" {
					t.Fatalf("body %v, want error %q with a description", r.body, tt.errorCode)
				}
				return
			}
			checkTokenResponse(t, r, tt.scope)
		})
	}
}

func checkTokenResponse(t *testing.T, r result, scope string) {
	t.Helper()
	keys := make([]string, 0, len(r.body))
	for k := range r.body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"access_token", "expires_in", "scope", "token_type"}; !slices.Equal(keys, want) {
		t.Fatalf("response keys %v, want %v", keys, want)
	}
	if r.body["token_type"] != "Bearer" || r.body["expires_in"] != float64(3600) || r.body["scope"] != scope {
		t.Fatalf("response %v, want Bearer, 3600, scope %q", r.body, scope)
	}
	if tok, _ := r.body["access_token"].(string); !strings.HasPrefix(tok, tokenPrefix) {
		t.Fatalf("access_token %q", tok)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q, want no-store", cc)
	}
}

func TestTokenEndpointMethod(t *testing.T) {
	e := newEnv(t, time.Hour)
	resp, err := e.srv.Client().Get(e.srv.URL + "/oauth2/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("GET /oauth2/token: %d, want 400", resp.StatusCode)
	}
}

func TestBasicAuthChallenge(t *testing.T) {
	e := newEnv(t, time.Hour)
	id, _ := e.client(t, e.user, "server.view")
	r := e.post(t, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, "wrong")
	if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("status %d, WWW-Authenticate %q", r.status, r.header.Get("WWW-Authenticate"))
	}
}

// A client with no scope gets a token with an empty scope (it can still be introspected
// or identify its owner); the response keeps the documented shape.
func TestTokenWithoutScopes(t *testing.T) {
	e := newEnv(t, time.Hour)
	id, secret := e.client(t, e.user)
	r := e.post(t, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
	if r.status != http.StatusOK {
		t.Fatalf("status %d %v", r.status, r.body)
	}
	checkTokenResponse(t, r, "")
}
