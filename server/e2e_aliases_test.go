package server_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/oauth"
)

// TestScopeAliases: x-scope-implies in practice, over HTTP.
func TestScopeAliases(t *testing.T) {
	env := apitest.Start(t)
	type call struct {
		method, path string
		body         any
		allowed      bool // past the scope check
	}
	viewTok, viewer := env.UserToken(t, "aliasview", false, "users.view")
	editTok, editor := env.UserToken(t, "aliasedit", false, "users.edit")
	vpath, epath := "/api/users/"+strconv.Itoa(viewer), "/api/users/"+strconv.Itoa(editor)
	cases := []struct {
		name  string
		token string
		calls []call
	}{
		{"users.view", viewTok, []call{
			{http.MethodGet, vpath, nil, true},
			{http.MethodGet, vpath + "/perms", nil, true},
			{http.MethodGet, "/api/users", nil, true},
			{http.MethodPost, vpath, map[string]any{"email": "v2@example.com"}, false},
			{http.MethodPut, vpath + "/perms", map[string]any{"scopes": []string{}}, false},
		}},
		{"users.edit", editTok, []call{
			{http.MethodPost, epath, map[string]any{"email": "e2@example.com"}, true},
			{http.MethodGet, epath, nil, false},
			{http.MethodGet, "/api/users", nil, false},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range tc.calls {
				r := env.DoJSON(t, c.method, c.path, tc.token, c.body)
				if c.allowed && r.Status >= 300 {
					t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
				}
				if !c.allowed {
					r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
				}
			}
		})
	}
	t.Run("server.console implies server.sendCommand", func(t *testing.T) {
		tok, owner := env.UserToken(t, "consoler", false, "server.console")
		id := env.NewServerRow(t, owner, env.LocalNode.ID, "console")
		r := env.DoJSON(t, http.MethodPost, "/api/servers/"+id+"/console", tok, map[string]any{"command": "say hi"})
		if r.Status == http.StatusForbidden || r.Status == http.StatusUnauthorized {
			t.Errorf("refused: %d %s", r.Status, r.Body)
		}
	})
}

// TestAdminScope: `admin` on an administrator implies every scope; on anyone else it is
// refused or has no effect.
func TestAdminScope(t *testing.T) {
	env := apitest.Start(t)
	ctx := context.Background()
	admin := env.AdminToken(t)
	for _, p := range []string{"/api/nodes", "/api/settings", "/api/users", "/api/self/oauth2", "/api/users/" + strconv.Itoa(env.AdminID) + "/perms"} {
		if r := env.Do(t, http.MethodGet, p, admin, nil, nil); r.Status != http.StatusOK {
			t.Errorf("admin GET %s: %d %s", p, r.Status, r.Body)
		}
	}

	t.Run("a non-admin cannot get an admin client", func(t *testing.T) {
		uid := env.NewUser(t, "wannabe", false, []string{"admin", "nodes.view"}) // admin in its perms, not an admin
		if _, _, err := env.OAuth.CreateClient(ctx, uid, "x", []string{"admin"}); err == nil {
			t.Fatal("CreateClient gave a non-admin user the admin scope")
		}
		var se *oauth.ScopeError
		if _, _, err := env.OAuth.CreateClient(ctx, uid, "x", []string{"admin"}); !errors.As(err, &se) || se.Scope != "admin" {
			t.Errorf("err = %v, want a ScopeError naming admin", err)
		}
		tok, _ := env.UserToken(t, "wannabe2", false, "nodes.view")
		r := env.DoJSON(t, http.MethodPost, "/api/self/oauth2", tok, map[string]any{"name": "x", "scopes": []string{"admin"}})
		expectScopeRefused(t, r, "admin")
	})
	t.Run("admin scope of a demoted user implies nothing", func(t *testing.T) {
		tok, uid := env.UserToken(t, "demoted", true, "admin")
		if r := env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("while admin: %d %s", r.Status, r.Body)
		}
		r := env.DoJSON(t, http.MethodPost, "/api/users/"+strconv.Itoa(uid), admin, map[string]any{"admin": false})
		if r.Status != http.StatusOK {
			t.Fatalf("demote: %d %s", r.Status, r.Body)
		}
		for _, p := range []string{"/api/nodes", "/api/settings"} {
			env.Do(t, http.MethodGet, p, tok, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		}
	})
	t.Run("an admin cannot remove its own admin flag", func(t *testing.T) {
		r := env.DoJSON(t, http.MethodPost, "/api/users/"+strconv.Itoa(env.AdminID), admin, map[string]any{"admin": false})
		r.ExpectError(t, http.StatusConflict, server.CodeConflict)
	})
	t.Run("an admin without the admin scope is not an admin", func(t *testing.T) {
		tok, _ := env.UserToken(t, "scopedadmin", true, "nodes.view")
		env.Do(t, http.MethodGet, "/api/settings", tok, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		env.DoJSON(t, http.MethodPost, "/api/users", tok, map[string]any{"username": "nope", "email": "nope@example.com", "password": "Passw0rd-long"}).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
}
