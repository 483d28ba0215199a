package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/skypanel/skypanel/api"
	entserver "github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

func (n *tenantNode) serverCount(t *testing.T) int {
	t.Helper()
	c, err := n.env.Store.Client.Server.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// createdID is the id of a create's answer, failing unless the status is want.
func createdID(t *testing.T, r *apitest.Response, want int) string {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	var c api.ServerCreated
	r.JSON(t, &c)
	return c.Id
}

// TestServerExternalIDCreate: on each of the three create routes, a create naming an existing
// externalId with the identical body answers that server with 200 and creates nothing (no row,
// no port); a different body, or another chosen id, is 409 on externalId.
func TestServerExternalIDCreate(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	_, owner := n.tenant(t, "owner", "server.view")
	routes := []struct{ name, path string }{
		{"generated", "/api/servers"}, {"trailing slash", "/api/servers/"}, {"path id", "/api/servers/EXTPATH1"},
	}
	for i, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			ext := "whmcs-" + strconv.Itoa(i)
			body := createBody(owner, map[string]any{"externalId": ext, "name": "billed" + strconv.Itoa(i)})
			r := n.env.DoJSON(t, http.MethodPut, rt.path, n.admin, body)
			id := createdID(t, r, http.StatusCreated)
			if row := n.row(t, id); row == nil || row.ExternalID == nil || *row.ExternalID != ext {
				t.Fatalf("row = %+v, want externalId %s", row, ext)
			}
			before := n.serverCount(t)
			for range 2 {
				r = n.env.DoJSON(t, http.MethodPut, rt.path, n.admin, body)
				if again := createdID(t, r, http.StatusOK); again != id {
					t.Errorf("retry answered %s, want %s", again, id)
				}
			}
			changed := createBody(owner, map[string]any{"externalId": ext, "name": "renamed"})
			d := n.env.DoJSON(t, http.MethodPut, rt.path, n.admin, changed).ExpectError(t, http.StatusConflict, server.CodeConflict)
			expectField(t, d, "externalId")
			if after := n.serverCount(t); after != before {
				t.Errorf("%d servers after the retries, want %d", after, before)
			}
		})
	}
	t.Run("another chosen id", func(t *testing.T) {
		body := createBody(owner, map[string]any{"externalId": "whmcs-2", "name": "billed2"})
		d := n.env.DoJSON(t, http.MethodPut, "/api/servers/EXTPATH2", n.admin, body).ExpectError(t, http.StatusConflict, server.CodeConflict)
		expectField(t, d, "externalId")
		if n.row(t, "EXTPATH2") != nil {
			t.Error("EXTPATH2 was created")
		}
	})
	t.Run("no port spent on retries", func(t *testing.T) {
		r := n.env.DoJSON(t, http.MethodPut, "/api/servers", n.admin, createBody(owner, nil))
		row := n.row(t, createdID(t, r, http.StatusCreated))
		if row.Port != 25565+len(routes) {
			t.Errorf("the next server got port %d, want %d", row.Port, 25565+len(routes))
		}
	})
	t.Run("output and exact filter", func(t *testing.T) {
		cases := map[string]int{"whmcs-1": 1, "whmcs-*": 0, "whmcs-": 0, "WHMCS-1": 0}
		for f, want := range cases {
			var list api.ServerList
			r := n.env.Do(t, http.MethodGet, "/api/servers?externalId="+url.QueryEscape(f), n.admin, nil, nil)
			r.JSON(t, &list)
			if r.Status != http.StatusOK || len(list.Servers) != want {
				t.Fatalf("externalId=%s: %d %s", f, r.Status, r.Body)
			}
			if want == 1 && (list.Servers[0].ExternalId == nil || *list.Servers[0].ExternalId != f) {
				t.Errorf("externalId=%s: %+v", f, list.Servers[0])
			}
		}
	})
	t.Run("tenants", func(t *testing.T) {
		token, id := n.tenant(t, "tenant", "server.create", "server.view")
		n.setQuota(t, id, map[string]any{"servers": 2, "memory": 1024, "disk": 4096, "cpu": 200, "databases": 1, "backups": 2})
		body := map[string]any{"name": "mine", "ownerId": id, "template": "minecraft-java",
			"limits": limits(128, 1024, 50), "externalId": "tenant-1"}
		d := n.env.DoJSON(t, http.MethodPut, "/api/servers/TENEXT01", token, body).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		expectField(t, d, "externalId")
		// a tenant's filter reaches only its own servers
		var list api.ServerList
		n.env.Do(t, http.MethodGet, "/api/servers?externalId=whmcs-1", token, nil, nil).JSON(t, &list)
		if len(list.Servers) != 0 {
			t.Errorf("a tenant sees another owner's server: %+v", list.Servers)
		}
	})
}

// TestServerExternalIDRace: concurrent creates through PUT /api/servers with one externalId
// end as one 201 and 200s (identical bodies) or 409s on externalId (different bodies), never
// a 500 nor a second server.
func TestServerExternalIDRace(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	_, owner := n.tenant(t, "owner", "server.view")
	const k = 5
	for _, identical := range []bool{true, false} {
		t.Run(fmt.Sprintf("identical=%v", identical), func(t *testing.T) {
			ext := fmt.Sprintf("race-%v", identical)
			var mu sync.Mutex
			got := map[int]int{}
			t.Run("creates", func(t *testing.T) {
				for i := range k {
					t.Run(strconv.Itoa(i), func(t *testing.T) {
						t.Parallel()
						name := "race"
						if !identical {
							name += strconv.Itoa(i)
						}
						r := n.env.DoJSON(t, http.MethodPut, "/api/servers", n.admin, createBody(owner, map[string]any{"externalId": ext, "name": name}))
						if r.Status == http.StatusConflict {
							expectField(t, r.Error(t), "externalId")
						}
						mu.Lock()
						got[r.Status]++
						mu.Unlock()
					})
				}
			})
			want := map[int]int{http.StatusCreated: 1, http.StatusConflict: k - 1}
			if identical {
				want = map[int]int{http.StatusCreated: 1, http.StatusOK: k - 1}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("statuses = %v, want %v", got, want)
			}
			if c, _ := n.env.Store.Client.Server.Query().Where(entserver.ExternalID(ext)).Count(context.Background()); c != 1 {
				t.Errorf("%d servers hold %s", c, ext)
			}
		})
	}
}

// TestServerExternalIDEdit: administrators set, change and remove (null) a server's
// externalId through the definition edit; another server's externalId is 409; tenants 403.
func TestServerExternalIDEdit(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	token, owner := n.tenant(t, "owner", "server.view", "server.definition.edit")
	ids := make([]string, 2)
	for i := range ids {
		r := n.env.DoJSON(t, http.MethodPut, "/api/servers", n.admin, createBody(owner, map[string]any{"name": "edit" + strconv.Itoa(i)}))
		ids[i] = createdID(t, r, http.StatusCreated)
	}
	edit := func(t *testing.T, tok, id string, v any) *apitest.Response {
		t.Helper()
		return n.env.DoJSON(t, http.MethodPut, "/api/servers/"+id+"/definition", tok, map[string]any{"externalId": v})
	}
	extOf := func(id string) string {
		var s api.Server
		n.env.Do(t, http.MethodGet, "/api/servers/"+id, n.admin, nil, nil).JSON(t, &s)
		if s.ExternalId == nil {
			return "<none>"
		}
		return *s.ExternalId
	}
	for _, v := range []string{"whmcs-10", "whmcs-11"} {
		if r := edit(t, n.admin, ids[0], v); r.Status != http.StatusNoContent || extOf(ids[0]) != v {
			t.Fatalf("set %s: %d %s; now %s", v, r.Status, r.Body, extOf(ids[0]))
		}
	}
	d := edit(t, n.admin, ids[1], "whmcs-11").ExpectError(t, http.StatusConflict, server.CodeConflict)
	expectField(t, d, "externalId")
	if extOf(ids[1]) != "<none>" {
		t.Errorf("a refused edit stored %s", extOf(ids[1]))
	}
	for _, v := range []any{"tenant-set", nil} {
		d := edit(t, token, ids[0], v).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		expectField(t, d, "externalId")
	}
	if r := edit(t, n.admin, ids[0], nil); r.Status != http.StatusNoContent || extOf(ids[0]) != "<none>" {
		t.Fatalf("null: %d %s; now %s", r.Status, r.Body, extOf(ids[0]))
	}
	if r := edit(t, n.admin, ids[1], "whmcs-11"); r.Status != http.StatusNoContent || extOf(ids[1]) != "whmcs-11" {
		t.Errorf("the freed id: %d %s", r.Status, r.Body)
	}
	// an edit without externalId keeps it
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/"+ids[1]+"/definition", n.admin, map[string]any{"name": "kept"})
	if r.Status != http.StatusNoContent || extOf(ids[1]) != "whmcs-11" {
		t.Errorf("rename: %d %s; externalId %s", r.Status, r.Body, extOf(ids[1]))
	}
}
