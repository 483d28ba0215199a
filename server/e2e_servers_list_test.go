package server_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server/apitest"
)

// walkServers reads every page of GET /api/servers?<query>&limit=<limit>.
func walkServers(t *testing.T, env *apitest.Env, token, query string, limit int) (ids []string, sizes []int, total int64) {
	t.Helper()
	for page := 1; page < 100; page++ {
		r := env.Do(t, http.MethodGet, fmt.Sprintf("/api/servers?%slimit=%d&page=%d", query, limit, page), token, nil, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("page %d: %d %s", page, r.Status, r.Body)
		}
		var l api.ServerList
		r.JSON(t, &l)
		total = l.Metadata.Paging.Total
		if len(l.Servers) == 0 {
			return ids, sizes, total
		}
		sizes = append(sizes, len(l.Servers))
		for _, s := range l.Servers {
			ids = append(ids, s.Id)
			if query != "" && strings.HasPrefix(query, "name=mc-") && !strings.HasPrefix(s.Name, "mc-") {
				t.Errorf("name filter returned %q", s.Name)
			}
		}
	}
	t.Fatal("no empty page after 100 pages")
	return nil, nil, 0
}

func TestServerListPaging(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	ownerTok, owner := env.UserToken(t, "pager", false, "server.view")
	other := env.NewUser(t, "pager2", false, nil)
	var all []string
	for i := 0; i < 60; i++ {
		name := fmt.Sprintf("other-%02d", i)
		if i%2 == 0 {
			name = fmt.Sprintf("mc-%02d", i)
		}
		all = append(all, env.NewServerRow(t, owner, env.LocalNode.ID, name))
	}
	for i := 0; i < 5; i++ {
		all = append(all, env.NewServerRow(t, other, env.LocalNode.ID, fmt.Sprintf("mc-b%d", i)))
	}
	sort.Strings(all)

	ids, sizes, total := walkServers(t, env, admin, "", 25)
	if total != 65 || fmt.Sprint(sizes) != "[25 25 15]" {
		t.Fatalf("admin walk: total %d sizes %v", total, sizes)
	}
	if fmt.Sprint(ids) != fmt.Sprint(all) {
		t.Fatalf("pages are not the ids in order without gaps or duplicates:\n got %v\nwant %v", ids, all)
	}

	ids, sizes, total = walkServers(t, env, admin, "name=mc-*&", 25)
	if total != 35 || fmt.Sprint(sizes) != "[25 10]" || !sort.StringsAreSorted(ids) {
		t.Fatalf("name filter walk: total %d sizes %v sorted %v", total, sizes, sort.StringsAreSorted(ids))
	}

	ids, sizes, total = walkServers(t, env, ownerTok, "name=mc-*&", 7)
	if total != 30 || len(ids) != 30 || sizes[0] != 7 {
		t.Fatalf("owner walk: total %d ids %d sizes %v", total, len(ids), sizes)
	}

	r := env.Do(t, http.MethodGet, "/api/servers?page=50&limit=25", admin, nil, nil)
	var l api.ServerList
	r.JSON(t, &l)
	if r.Status != http.StatusOK || len(l.Servers) != 0 || l.Metadata.Paging.Total != 65 || l.Metadata.Paging.Page != 50 {
		t.Fatalf("page past the end: %d %+v", r.Status, l.Metadata.Paging)
	}
}
