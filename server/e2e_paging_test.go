package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// listUsers fetches one page of GET /api/users with the raw query.
func listUsers(t *testing.T, env *apitest.Env, token, query string) api.UserList {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/users?"+query, token, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/users?%s: %d %s", query, r.Status, r.Body)
	}
	var out api.UserList
	r.JSON(t, &out)
	return out
}

func TestPagingUsers(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	for i := range 60 {
		env.NewUser(t, fmt.Sprintf("pager%02d", i), false, nil)
	}
	const total = 61 // + the bootstrap admin

	var ids []int64
	sizes := []int{}
	for page := 1; ; page++ {
		l := listUsers(t, env, admin, fmt.Sprintf("limit=25&page=%d", page))
		p := l.Metadata.Paging
		if p.Page != page || p.Size != 25 || p.MaxSize != 100 || p.Total != total {
			t.Fatalf("page %d: paging = %+v", page, p)
		}
		if len(l.Users) == 0 {
			break
		}
		sizes = append(sizes, len(l.Users))
		for _, u := range l.Users {
			ids = append(ids, u.Id)
		}
	}
	if !slices.Equal(sizes, []int{25, 25, 11}) {
		t.Errorf("page sizes = %v, want [25 25 11]", sizes)
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) || len(ids) != total {
		t.Errorf("ids not strictly increasing or incomplete: %v", ids)
	}
	if n, _ := env.Store.Client.User.Query().Count(context.Background()); n != len(ids) {
		t.Errorf("walked %d users, the database holds %d", len(ids), n)
	}
	t.Run("defaults", func(t *testing.T) {
		l := listUsers(t, env, admin, "")
		if p := l.Metadata.Paging; p.Page != 1 || p.Size != 25 || len(l.Users) != 25 || l.Users[0].Id != ids[0] {
			t.Errorf("default page: %+v, %d users", p, len(l.Users))
		}
		if l := listUsers(t, env, admin, "limit=100"); len(l.Users) != total {
			t.Errorf("limit=100: %d users", len(l.Users))
		}
	})
	t.Run("user managers see every user", func(t *testing.T) {
		// users.view (users.info.*) lets a non-admin manage non-admin users, so it lists them all
		tok, _ := env.UserToken(t, "manager", false, "users.info.search")
		l := listUsers(t, env, tok, "")
		if n, _ := env.Store.Client.User.Query().Count(context.Background()); l.Metadata.Paging.Total != int64(n) || len(l.Users) != 25 {
			t.Errorf("user manager's list = %+v, want all %d users", l.Metadata.Paging, n)
		}
		if l := listUsers(t, env, tok, "username=pager*"); l.Metadata.Paging.Total != int64(total-1) {
			t.Errorf("user manager's filtered list total %d, want %d", l.Metadata.Paging.Total, total-1)
		}
	})
}

// wildcardMatch is the documented filter semantics: `*` matches any run, everything else
// (including % and _) is literal; case-sensitive.
func wildcardMatch(filter, s string) bool {
	parts := strings.Split(filter, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(s)
}

func TestUserWildcardFilters(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	names := []string{"user1", "user10", "user2", "xuser1", "user21", "a_c", "abc", "a%c", "axc", "a_c_d", "a.c", "User1", "us[e]r", "us?r"}
	for _, n := range names {
		env.NewUser(t, n, false, nil)
	}
	all := append([]string{"admin"}, names...)
	filters := []string{"user1*", "*1", "a_c", "a%c", "*_*", "*%*", "a*c", "*", "user1", "us*r*", "%", "_", "a_*", "us[e]r", "us?r", "u*1", "**1", "nomatch*"}
	for _, f := range filters {
		t.Run(f, func(t *testing.T) {
			var want []string
			for _, n := range all {
				if wildcardMatch(f, n) {
					want = append(want, n)
				}
			}
			l := listUsers(t, env, admin, "limit=100&username="+url.QueryEscape(f))
			var got []string
			for _, u := range l.Users {
				got = append(got, u.Username)
			}
			if !sameSet(got, want) || l.Metadata.Paging.Total != int64(len(want)) {
				t.Errorf("username=%s: got %v (total %d), want %v", f, got, l.Metadata.Paging.Total, want)
			}
		})
	}
	t.Run("email filter", func(t *testing.T) {
		l := listUsers(t, env, admin, "email="+url.QueryEscape("a_c*"))
		if len(l.Users) != 2 { // a_c@ and a_c_d@, not abc@
			t.Errorf("email=a_c*: %+v", l.Users)
		}
	})
}

func TestServerListUsernameFilterAdminOnly(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	ownerTok, owner := env.UserToken(t, "srvowner", false, "server.view")
	other := env.NewUser(t, "srvother", false, nil)
	mine := env.NewServerRow(t, owner, env.LocalNode.ID, "mine")
	env.NewServerRow(t, other, env.LocalNode.ID, "theirs")

	r := env.Do(t, http.MethodGet, "/api/servers", ownerTok, nil, nil)
	if r.Status == http.StatusNotImplemented {
		r.ExpectError(t, http.StatusNotImplemented, server.CodeNotImplemented)
		t.Skip("GET /api/servers still answers 501 (listServers is being implemented in h_servers.go)")
	}
	var l api.ServerList
	r.JSON(t, &l)
	if len(l.Servers) != 1 || l.Servers[0].Id != mine || l.Metadata.Paging.Total != 1 {
		t.Errorf("non-admin sees %+v", l)
	}
	env.Do(t, http.MethodGet, "/api/servers?username=srvother", ownerTok, nil, nil).
		ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)

	r = env.Do(t, http.MethodGet, "/api/servers?username=srvoth*", admin, nil, nil)
	r.JSON(t, &l)
	if r.Status != http.StatusOK || len(l.Servers) != 1 || l.Servers[0].OwnerId != int64(other) {
		t.Errorf("admin username filter: %d %+v", r.Status, l)
	}
	r = env.Do(t, http.MethodGet, "/api/servers?username=srv_wner", admin, nil, nil)
	r.JSON(t, &l)
	if r.Status != http.StatusOK || len(l.Servers) != 0 {
		t.Errorf("_ must be literal in username filters: %+v", l)
	}
}
