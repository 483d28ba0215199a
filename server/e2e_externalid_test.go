package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/store"
)

const billingPassword = "Billing-passw0rd"

// billingUser is the body a billing system sends to create its client's panel user.
func billingUser(username, externalID string) map[string]any {
	return map[string]any{"username": username, "email": username + "@example.com", "password": billingPassword,
		"externalId": externalID}
}

// expectField asserts the envelope's metadata.field.
func expectField(t *testing.T, d api.ErrorDetail, field string) {
	t.Helper()
	if d.Metadata == nil || (*d.Metadata)["field"] != field {
		t.Errorf("metadata = %v, want field %s", d.Metadata, field)
	}
}

func userCount(t *testing.T, env *apitest.Env) int {
	t.Helper()
	n, err := env.Store.Client.User.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUserExternalIDCreate: a create naming an existing externalId is a billing retry: the
// identical body answers the user with 200 and changes nothing, any other body is 409 on
// externalId; a different externalId with a taken username stays the usual 409.
func TestUserExternalIDCreate(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	r := env.DoJSON(t, http.MethodPost, "/api/users", admin, billingUser("client7", "whmcs-7"))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var first api.User
	r.JSON(t, &first)
	if first.ExternalId == nil || *first.ExternalId != "whmcs-7" {
		t.Fatalf("created = %+v, want externalId whmcs-7", first)
	}
	before := userCount(t, env)
	row, err := env.Store.Client.User.Get(context.Background(), int(first.Id))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("identical retry", func(t *testing.T) {
		body := billingUser("client7", "whmcs-7")
		body["email"] = "Client7@Example.com" // emails compare lower-cased, as they are stored
		r := env.DoJSON(t, http.MethodPost, "/api/users", admin, body)
		if r.Status != http.StatusOK {
			t.Fatalf("retry: %d %s", r.Status, r.Body)
		}
		var again api.User
		r.JSON(t, &again)
		if again.Id != first.Id || again.ExternalId == nil || *again.ExternalId != "whmcs-7" {
			t.Errorf("retry = %+v, want user %d", again, first.Id)
		}
		after, _ := env.Store.Client.User.Get(context.Background(), int(first.Id))
		if userCount(t, env) != before || after.PasswordHash != row.PasswordHash {
			t.Error("the retry changed something")
		}
	})
	t.Run("different body", func(t *testing.T) {
		cases := map[string]func(map[string]any){
			"username": func(b map[string]any) { b["username"] = "client7b" },
			"email":    func(b map[string]any) { b["email"] = "other7@example.com" },
			"password": func(b map[string]any) { b["password"] = billingPassword + "x" },
			"admin":    func(b map[string]any) { b["admin"] = true },
		}
		for name, change := range cases {
			t.Run(name, func(t *testing.T) {
				body := billingUser("client7", "whmcs-7")
				change(body)
				d := env.DoJSON(t, http.MethodPost, "/api/users", admin, body).ExpectError(t, http.StatusConflict, server.CodeConflict)
				expectField(t, d, "externalId")
			})
		}
		if userCount(t, env) != before {
			t.Error("a refused retry created a user")
		}
	})
	t.Run("taken username with another externalId", func(t *testing.T) {
		d := env.DoJSON(t, http.MethodPost, "/api/users", admin, billingUser("client7", "whmcs-8")).
			ExpectError(t, http.StatusConflict, server.CodeConflict)
		expectField(t, d, "username")
		if n, _ := env.Store.Client.User.Query().Where(user.ExternalID("whmcs-8")).Count(context.Background()); n != 0 {
			t.Error("whmcs-8 was stored")
		}
	})
	t.Run("too long in bytes", func(t *testing.T) {
		// 100 characters (the spec allows 191) but 200 bytes: refused by the handler, not the database
		d := env.DoJSON(t, http.MethodPost, "/api/users", admin, billingUser("longid", strings.Repeat("é", 100))).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		expectField(t, d, "externalId")
	})
}

// TestUserExternalIDRace: concurrent creates with one externalId end as one 201 and 200s
// (identical bodies) or 409s on externalId (different bodies), never a 500: the unique index
// decides and its constraint error is mapped.
func TestUserExternalIDRace(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	const n = 6
	for _, identical := range []bool{true, false} {
		t.Run(fmt.Sprintf("identical=%v", identical), func(t *testing.T) {
			ext := fmt.Sprintf("race-%v", identical)
			var mu sync.Mutex
			got := map[int]int{}
			t.Run("creates", func(t *testing.T) {
				for i := range n {
					t.Run(strconv.Itoa(i), func(t *testing.T) {
						t.Parallel()
						name := "race" + strconv.FormatBool(identical)
						if !identical {
							name += strconv.Itoa(i)
						}
						r := env.DoJSON(t, http.MethodPost, "/api/users", admin, billingUser(name, ext))
						if r.Status == http.StatusConflict {
							expectField(t, r.Error(t), "externalId")
						}
						mu.Lock()
						got[r.Status]++
						mu.Unlock()
					})
				}
			})
			want := map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}
			if identical {
				want = map[int]int{http.StatusCreated: 1, http.StatusOK: n - 1}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("statuses = %v, want %v", got, want)
			}
			if c, _ := env.Store.Client.User.Query().Where(user.ExternalID(ext)).Count(context.Background()); c != 1 {
				t.Errorf("%d users hold %s", c, ext)
			}
		})
	}
}

// TestUserExternalIDUpdateAndFilter: administrators set, change and remove (null) a user's
// externalId; another user's externalId is 409; the list filter is an exact match.
func TestUserExternalIDUpdateAndFilter(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	a := env.NewUser(t, "billa", false, nil)
	b := env.NewUser(t, "billb", false, nil)
	path := func(id int) string { return "/api/users/" + strconv.Itoa(id) }
	update := func(t *testing.T, id int, v any) api.User {
		t.Helper()
		r := env.DoJSON(t, http.MethodPost, path(id), admin, map[string]any{"externalId": v})
		if r.Status != http.StatusOK {
			t.Fatalf("update %v: %d %s", v, r.Status, r.Body)
		}
		var u api.User
		r.JSON(t, &u)
		return u
	}
	if u := update(t, a, "whmcs-1"); u.ExternalId == nil || *u.ExternalId != "whmcs-1" {
		t.Fatalf("set: %+v", u)
	}
	if u := update(t, a, "whmcs-*"); u.ExternalId == nil || *u.ExternalId != "whmcs-*" {
		t.Fatalf("change: %+v", u)
	}
	update(t, b, "whmcs-2")

	t.Run("taken by another user", func(t *testing.T) {
		d := env.DoJSON(t, http.MethodPost, path(b), admin, map[string]any{"externalId": "whmcs-*"}).
			ExpectError(t, http.StatusConflict, server.CodeConflict)
		expectField(t, d, "externalId")
		if u, _ := env.Store.Client.User.Get(context.Background(), b); u.ExternalID == nil || *u.ExternalID != "whmcs-2" {
			t.Errorf("b's externalId = %v after a refused change", u.ExternalID)
		}
		update(t, a, "whmcs-*") // its own value again: no conflict
	})
	t.Run("filter is exact", func(t *testing.T) {
		cases := map[string][]int{"whmcs-*": {a}, "whmcs-2": {b}, "whmcs-": nil, "WHMCS-2": nil, "whmcs-%": nil}
		for f, want := range cases {
			var list api.UserList
			r := env.DoJSON(t, http.MethodGet, "/api/users?externalId="+url.QueryEscape(f), admin, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", f, r.Status, r.Body)
			}
			r.JSON(t, &list)
			var ids []int
			for _, u := range list.Users {
				ids = append(ids, int(u.Id))
			}
			if fmt.Sprint(ids) != fmt.Sprint(want) || list.Metadata.Paging.Total != int64(len(want)) {
				t.Errorf("externalId=%s: ids %v total %d, want %v", f, ids, list.Metadata.Paging.Total, want)
			}
		}
	})
	t.Run("null removes", func(t *testing.T) {
		if u := update(t, a, nil); u.ExternalId != nil {
			t.Fatalf("after null: %+v", u)
		}
		r := env.DoJSON(t, http.MethodGet, path(a), admin, nil)
		if strings.Contains(string(r.Body), "externalId") {
			t.Errorf("the user still shows an externalId: %s", r.Body)
		}
		// the freed id can be taken by another user
		if u := update(t, b, "whmcs-*"); u.ExternalId == nil || *u.ExternalId != "whmcs-*" {
			t.Errorf("b = %+v", u)
		}
	})
	t.Run("an update without externalId keeps it", func(t *testing.T) {
		r := env.DoJSON(t, http.MethodPost, path(b), admin, map[string]any{"username": "billb2"})
		var u api.User
		r.JSON(t, &u)
		if r.Status != http.StatusOK || u.ExternalId == nil || *u.ExternalId != "whmcs-*" {
			t.Errorf("update: %d %s", r.Status, r.Body)
		}
	})
}

// TestUserExternalIDAdminOnly: user managers (users.info.edit without admin) may not set,
// change or remove an externalId: 403 from the spec's x-admin-only, nothing stored.
func TestUserExternalIDAdminOnly(t *testing.T) {
	env := apitest.Start(t)
	manager, _ := env.UserToken(t, "manager", false, "users.info.view", "users.info.edit", "users.info.search")
	target := env.NewUser(t, "managed", false, nil)
	path := "/api/users/" + strconv.Itoa(target)
	d := env.DoJSON(t, http.MethodPost, "/api/users", manager, billingUser("viamanager", "m-1")).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	expectField(t, d, "externalId")
	for _, v := range []any{"m-2", nil} {
		d := env.DoJSON(t, http.MethodPost, path, manager, map[string]any{"externalId": v}).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		expectField(t, d, "externalId")
	}
	if n, _ := env.Store.Client.User.Query().Where(user.ExternalIDNotNil()).Count(context.Background()); n != 0 {
		t.Errorf("%d users have an externalId", n)
	}
	// the manager still creates users without one
	body := billingUser("viamanager", "")
	delete(body, "externalId")
	if r := env.DoJSON(t, http.MethodPost, "/api/users", manager, body); r.Status != http.StatusCreated {
		t.Errorf("create without externalId: %d %s", r.Status, r.Body)
	}
	if !store.CheckPassword(mustHash(t, env, "viamanager"), billingPassword) {
		t.Error("password not stored")
	}
}

func mustHash(t *testing.T, env *apitest.Env, username string) string {
	t.Helper()
	u, err := env.Store.Client.User.Query().Where(user.Username(username)).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u.PasswordHash
}

// BenchmarkUserExternalIDRetry: one billing retry of a user create (look-up by externalId and
// an argon2id verification of the password) through the whole API.
func BenchmarkUserExternalIDRetry(b *testing.B) {
	env := apitest.Start(b)
	admin := env.AdminToken(b)
	body := billingUser("benchuser", "bench-1")
	if r := env.DoJSON(b, http.MethodPost, "/api/users", admin, body); r.Status != http.StatusCreated {
		b.Fatalf("create: %d %s", r.Status, r.Body)
	}
	for b.Loop() {
		if r := env.DoJSON(b, http.MethodPost, "/api/users", admin, body); r.Status != http.StatusOK {
			b.Fatalf("retry: %d %s", r.Status, r.Body)
		}
	}
}
