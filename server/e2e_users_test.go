package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/store"
)

func ptr[T any](v T) *T { return &v }

func TestUsersCRUD(t *testing.T) {
	env := apitest.Start(t)
	ctx := context.Background()
	admin := env.AdminToken(t)
	c := env.Client(t, admin)
	const password = "Sturdy-passw0rd"

	created, err := c.CreateUserWithResponse(ctx, api.UserCreate{Username: "newuser", Email: "NewUser@Example.com", Password: ptr(password)})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %d %s", err, created.StatusCode(), created.Body)
	}
	u := created.JSON201
	if u.Username != "newuser" || u.Email != "newuser@example.com" || u.Admin || u.Id < 1 {
		t.Errorf("created = %+v", u)
	}
	if strings.Contains(string(created.Body), password) || strings.Contains(string(created.Body), "password") {
		t.Errorf("the response carries the password: %s", created.Body)
	}

	t.Run("password stored as argon2id", func(t *testing.T) {
		row, err := env.Store.Client.User.Get(ctx, int(u.Id))
		if err != nil {
			t.Fatal(err)
		}
		if row.PasswordHash == password || !strings.HasPrefix(row.PasswordHash, "$argon2id$v=19$") {
			t.Errorf("password_hash = %q", row.PasswordHash)
		}
		if !store.CheckPassword(row.PasswordHash, password) || store.CheckPassword(row.PasswordHash, password+"x") {
			t.Error("the hash does not verify the password")
		}
	})
	t.Run("duplicates", func(t *testing.T) {
		cases := []struct{ name, username, email, field string }{
			{"username", "newuser", "other@example.com", "username"},
			{"email, other case", "other", "NEWUSER@example.com", "email"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := env.DoJSON(t, http.MethodPost, "/api/users", admin, map[string]any{"username": tc.username, "email": tc.email, "password": password})
				d := r.ExpectError(t, http.StatusConflict, server.CodeConflict)
				if (*d.Metadata)["field"] != tc.field {
					t.Errorf("metadata = %v, want field %s", *d.Metadata, tc.field)
				}
			})
		}
		r := env.DoJSON(t, http.MethodPost, "/api/users/"+strconv.Itoa(env.AdminID), admin, map[string]any{"username": "newuser"})
		d := r.ExpectError(t, http.StatusConflict, server.CodeConflict)
		if (*d.Metadata)["field"] != "username" {
			t.Errorf("update to a taken username: metadata = %v", *d.Metadata)
		}
	})
	t.Run("email shape", func(t *testing.T) {
		// what strict validators call format: email is what the API accepts
		for _, email := range []string{"admin@localhost", "a b@example.com", "x@-bad.example", ".dot@example.com"} {
			r := env.DoJSON(t, http.MethodPost, "/api/users", admin, map[string]any{"username": "shape", "email": email, "password": password})
			d := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
			if f := (*d.Metadata)["field"]; f != "email" && f != "body" { // body: the spec's own check
				t.Errorf("%q: metadata = %v", email, d.Metadata)
			}
		}
	})
	t.Run("password policy", func(t *testing.T) {
		for _, pw := range []string{"onlyletters", "1234567890", "short1"} {
			r := env.DoJSON(t, http.MethodPost, "/api/users", admin, map[string]any{"username": "weak", "email": "weak@example.com", "password": pw})
			d := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
			if (*d.Metadata)["field"] != "password" {
				t.Errorf("%q: metadata = %v", pw, *d.Metadata)
			}
		}
	})
	t.Run("get, update", func(t *testing.T) {
		got, err := c.GetUserWithResponse(ctx, u.Id)
		if err != nil || got.JSON200 == nil || got.JSON200.Username != "newuser" {
			t.Fatalf("get: %v %s", err, got.Body)
		}
		email := "changed@example.com"
		upd, err := c.UpdateUserWithResponse(ctx, u.Id, api.UserUpdate{Email: ptr(openapi_types.Email(email)), Password: ptr("An0ther-password")})
		if err != nil || upd.JSON200 == nil || string(upd.JSON200.Email) != email {
			t.Fatalf("update: %v %s", err, upd.Body)
		}
		row, _ := env.Store.Client.User.Get(ctx, int(u.Id))
		if !store.CheckPassword(row.PasswordHash, "An0ther-password") {
			t.Error("the new password does not verify")
		}
	})
	t.Run("perms round trip", func(t *testing.T) {
		want := []api.Scope{"server.view", "nodes.view", "users.view"}
		grant := []api.GrantScope{"server.view", "nodes.view", "users.view"}
		set, err := c.SetUserPermsWithResponse(ctx, u.Id, api.UserPermsUpdate{Scopes: grant})
		if err != nil || set.StatusCode() != http.StatusNoContent {
			t.Fatalf("set: %v %s", err, set.Body)
		}
		got, err := c.GetUserPermsWithResponse(ctx, u.Id)
		if err != nil || got.JSON200 == nil {
			t.Fatalf("get: %v %s", err, got.Body)
		}
		if !sameSet(scopeStrings(*got.JSON200), scopeStrings(want)) {
			t.Errorf("perms = %v, want %v", *got.JSON200, want)
		}
		r := env.DoJSON(t, http.MethodPut, "/api/users/"+strconv.Itoa(int(u.Id))+"/perms", admin, map[string]any{"scopes": []string{"no.such.scope"}})
		r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	})
	t.Run("not found", func(t *testing.T) {
		for _, m := range []string{http.MethodGet, http.MethodDelete} {
			d := env.Do(t, m, "/api/users/999999", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeUserNotFound)
			if (*d.Metadata)["id"] != float64(999999) {
				t.Errorf("%s: metadata = %v", m, *d.Metadata)
			}
		}
		env.Do(t, http.MethodGet, "/api/users/999999/perms", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeUserNotFound)
	})
	t.Run("delete", func(t *testing.T) {
		del, err := c.DeleteUserWithResponse(ctx, u.Id)
		if err != nil || del.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete: %v %s", err, del.Body)
		}
		env.Do(t, http.MethodGet, "/api/users/"+strconv.Itoa(int(u.Id)), admin, nil, nil).
			ExpectError(t, http.StatusNotFound, server.CodeUserNotFound)
		env.Do(t, http.MethodDelete, "/api/users/"+strconv.Itoa(env.AdminID), admin, nil, nil).
			ExpectError(t, http.StatusConflict, server.CodeConflict)
	})
	t.Run("owner of servers cannot be deleted", func(t *testing.T) {
		owner := env.NewUser(t, "serverowner", false, nil)
		env.NewServerRow(t, owner, env.LocalNode.ID, "keeps its owner")
		env.Do(t, http.MethodDelete, "/api/users/"+strconv.Itoa(owner), admin, nil, nil).
			ExpectError(t, http.StatusConflict, server.CodeConflict)
	})
}

// TestUsersNonAdmin: scopes alone do not make an administrator: a user without users.*
// scopes reaches only its own record.
func TestUsersNonAdmin(t *testing.T) {
	env := apitest.Start(t)
	tok, self := env.UserToken(t, "plain", false, "server.view")
	other := env.NewUser(t, "someone", false, nil)
	selfPath := "/api/users/" + strconv.Itoa(self)
	env.DoJSON(t, http.MethodPost, "/api/users", tok, map[string]any{"username": "made", "email": "made@example.com", "password": "Passw0rd-long"}).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.DoJSON(t, http.MethodPut, selfPath+"/perms", tok, map[string]any{"scopes": []string{"admin"}}).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.Do(t, http.MethodDelete, "/api/users/"+strconv.Itoa(other), tok, nil, nil).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
}

// TestUserManagers: users.view/users.edit without admin create, edit and delete non-admin
// users and grant them at most their own scopes; administrators stay out of their reach.
func TestUserManagers(t *testing.T) {
	env := apitest.Start(t)
	mgrScopes := []string{"users.view", "users.edit", "server.view", "server.start"}
	tok, self := env.UserToken(t, "manager", false, mgrScopes...)
	selfPath := "/api/users/" + strconv.Itoa(self)
	adminPath := "/api/users/" + strconv.Itoa(env.AdminID)
	other := env.NewUser(t, "someone", false, nil)
	otherPath := "/api/users/" + strconv.Itoa(other)

	r := env.DoJSON(t, http.MethodPost, "/api/users", tok, map[string]any{"username": "made", "email": "made@example.com", "password": "Passw0rd-long"})
	if r.Status != http.StatusCreated {
		t.Fatalf("manager create: %d %s", r.Status, r.Body)
	}
	var made api.User
	r.JSON(t, &made)
	madePath := "/api/users/" + strconv.FormatInt(made.Id, 10)
	env.DoJSON(t, http.MethodPost, "/api/users", tok, map[string]any{"username": "boss", "email": "boss@example.com", "password": "Passw0rd-long", "admin": true}).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	if n, _ := env.Store.Client.User.Query().Count(context.Background()); n != 4 {
		t.Errorf("%d users, want 4 (admin, manager, someone, made)", n)
	}

	if r := env.Do(t, http.MethodGet, "/api/users", tok, nil, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"someone"`) {
		t.Errorf("manager list: %d %s", r.Status, r.Body)
	}
	if r := env.DoJSON(t, http.MethodPost, otherPath, tok, map[string]any{"email": "someone2@example.com"}); r.Status != http.StatusOK {
		t.Errorf("manager edits a non-admin: %d %s", r.Status, r.Body)
	}
	env.DoJSON(t, http.MethodPost, otherPath, tok, map[string]any{"admin": true}).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.DoJSON(t, http.MethodPost, adminPath, tok, map[string]any{"email": "taken@example.com"}).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.Do(t, http.MethodDelete, adminPath, tok, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	env.DoJSON(t, http.MethodPut, adminPath+"/perms", tok, map[string]any{"scopes": []string{"server.view"}}).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)

	t.Run("grants at most its own scopes", func(t *testing.T) {
		if r := env.DoJSON(t, http.MethodPut, otherPath+"/perms", tok, map[string]any{"scopes": []string{"server.view", "server.start"}}); r.Status != http.StatusNoContent {
			t.Fatalf("grant own scopes: %d %s", r.Status, r.Body)
		}
		for _, bad := range [][]string{{"admin"}, {"server.view", "server.delete"}, {"settings.edit"}} {
			e := env.DoJSON(t, http.MethodPut, otherPath+"/perms", tok, map[string]any{"scopes": bad}).
				ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
			if (*e.Metadata)["field"] != "scopes" {
				t.Errorf("%v: metadata %v", bad, *e.Metadata)
			}
		}
		env.DoJSON(t, http.MethodPut, selfPath+"/perms", tok, map[string]any{"scopes": []string{"server.view"}}).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		u, err := env.Store.Client.User.Get(context.Background(), other)
		if err != nil || strings.Join(u.Scopes, ",") != "server.view,server.start" {
			t.Errorf("a refused grant changed the scopes: %v %v", u.Scopes, err)
		}
	})
	if r := env.Do(t, http.MethodDelete, madePath, tok, nil, nil); r.Status != http.StatusNoContent {
		t.Errorf("manager deletes a non-admin: %d %s", r.Status, r.Body)
	}
	if a, err := env.Store.Client.User.Get(context.Background(), env.AdminID); err != nil || !a.Admin || a.Email == "taken@example.com" {
		t.Errorf("the administrator changed: %+v %v", a, err)
	}
}

func scopeStrings(in []api.Scope) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}
