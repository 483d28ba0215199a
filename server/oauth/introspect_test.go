package oauth

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func TestIntrospect(t *testing.T) {
	e := newEnv(t, time.Hour)
	uid, usecret := e.client(t, e.user, "server.view", "server.edit")
	aid, asecret := e.client(t, e.admin, "admin")
	pid, psecret := e.client(t, e.admin, "nodes.view") // admin user, no admin scope
	node := e.st.Client.Node.Create().SetName("n1").SaveX(t.Context())
	nid, nsecret, err := e.p.CreateNodeClient(t.Context(), node.ID)
	if err != nil {
		t.Fatal(err)
	}
	userTok := e.token(t, uid, usecret, "server.view")
	adminTok := e.token(t, aid, asecret)
	form := func(tok string) url.Values { return url.Values{"token": {tok}} }
	withBody := func(tok, id, secret string) url.Values {
		return url.Values{"token": {tok}, "client_id": {id}, "client_secret": {secret}}
	}
	tests := []struct {
		name   string
		form   url.Values
		auth   []string // basic (id, secret) or bearer (token)
		status int
		active bool
		error  string
	}{
		{"admin client, active", form(userTok), []string{aid, asecret}, 200, true, ""},
		{"node client, active", form(userTok), []string{nid, nsecret}, 200, true, ""},
		{"credentials in body", withBody(userTok, nid, nsecret), nil, 200, true, ""},
		{"admin bearer", form(userTok), []string{adminTok}, 200, true, ""},
		{"unknown token", form("ory_at_bogus.bogus"), []string{aid, asecret}, 200, false, ""},
		{"no credentials", form(userTok), nil, 401, false, "invalid_client"},
		{"wrong secret", form(userTok), []string{aid, "nope"}, 401, false, "invalid_client"},
		{"regular user client, foreign token", form(adminTok), []string{uid, usecret}, 200, false, ""},
		{"admin user without admin scope, foreign token", form(userTok), []string{pid, psecret}, 200, false, ""},
		{"regular user bearer, foreign token", form(adminTok), []string{userTok}, 200, false, ""},
		{"regular user client, own token", form(userTok), []string{uid, usecret}, 200, true, ""},
		{"missing token", url.Values{"x": {"y"}}, []string{aid, asecret}, 400, false, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, "/oauth2/introspect", tt.form, tt.auth...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %v", r.status, tt.status, r.body)
			}
			if tt.error != "" {
				if r.body["error"] != tt.error {
					t.Fatalf("body %v, want error %q", r.body, tt.error)
				}
				return
			}
			if r.body["active"] != tt.active {
				t.Fatalf("body %v, want active %v", r.body, tt.active)
			}
			if !tt.active {
				if len(r.body) != 1 {
					t.Fatalf("inactive response %v has more than active", r.body)
				}
				return
			}
			if r.body["scope"] != "server.view" || r.body["client_id"] != uid ||
				r.body["sub"] != strconv.Itoa(e.user.ID) || r.body["token_type"] != "Bearer" {
				t.Fatalf("active response %v", r.body)
			}
			if exp, _ := r.body["exp"].(float64); time.Until(time.Unix(int64(exp), 0)) < 59*time.Minute {
				t.Fatalf("exp %v", r.body["exp"])
			}
		})
	}
	if err := e.p.DeleteClient(t.Context(), uid, nil); err != nil {
		t.Fatal(err)
	}
	r := e.post(t, "/oauth2/introspect", form(userTok), aid, asecret)
	if r.status != http.StatusOK || r.body["active"] != false {
		t.Fatalf("revoked token: %d %v, want inactive", r.status, r.body)
	}
}
